"""No-repeat-n-gram: forbid the tokens that would complete an n-gram seen before.

After a context ``x_1 .. x_t``, a token ``v`` is banned iff the n-gram
``(x_{t-n+2}, .., x_t, v)`` already occurs in the context. This is the rule of
transformers' ``NoRepeatNGramLogitsProcessor`` (checked in the tests). With
``n = 1`` every token already present is banned.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int
from ._common import history_2d
from ._common import logits_2d


def no_repeat_ngram_mask(logits, history, n: int) -> np.ndarray:
    """Boolean mask (True = allowed) of no-repeat-n-gram, for a batch of histories.

    Histories shorter than ``n - 1`` tokens ban nothing. Every row of the
    batch is handled at once: the last ``n - 1`` tokens of each row are
    compared with every window of the row in one array operation.
    """
    func = "no_repeat_ngram_mask"
    u, shape = logits_2d(logits, func)
    n = check_int(n, func, "n", minimum=1)
    h = history_2d(history, len(u), func, u.shape[-1])
    rows, length = h.shape
    allowed = np.ones(u.shape, dtype=bool)
    if length < n:  # no n-gram has been completed yet
        return (allowed & np.isfinite(u)).reshape(shape)
    # windows[r, j] = h[r, j : j + n]; a window matches when its first n - 1
    # tokens equal the row's last n - 1 tokens; its last token is then banned.
    windows = np.lib.stride_tricks.sliding_window_view(h, n, axis=1)
    suffix = h[:, length - n + 1 :][:, None, :]
    match = (windows[:, :, : n - 1] == suffix).all(axis=-1)
    r, j = np.nonzero(match)
    allowed[r, windows[r, j, n - 1]] = False
    return (allowed & np.isfinite(u)).reshape(shape)
