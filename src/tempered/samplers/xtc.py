"""XTC, "exclude top choices" (llama.cpp's ``llama_sample_xtc_apply`` in
``src/llama-sampling.cpp``, after the text-generation-webui sampler by p-e-w).

With probability ``probability`` (one draw per row and step), XTC removes every
token whose probability is at least ``threshold`` *except the least likely of
them*. It does nothing when fewer than two tokens reach the threshold, when
``threshold > 0.5`` (then at most one token can reach it) or when fewer than
``min_keep`` tokens would remain. Unlike truncation, it removes the most likely
tokens, steering away from the obvious choice while keeping one viable option.

Ties: among tokens tied at the lowest probability above the threshold, llama.cpp
keeps the one its sort puts last; here all of them are kept.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int
from ..sampling import as_generator
from ._common import logits_2d
from ._common import real
from ._common import softmax_rows


def xtc_mask(
    logits, threshold: float, probability: float = 1.0, rng=None, min_keep: int = 1
) -> np.ndarray:
    """Boolean mask (True = kept) of XTC along the last axis.

    ``rng`` (a seed or ``numpy.random.Generator``) draws whether XTC acts on
    each row; with ``probability = 1`` it always acts and ``rng`` is unused.
    """
    func = "xtc_mask"
    u, shape = logits_2d(logits, func)
    threshold = real(threshold, func, "threshold", 0.0, 1.0)
    probability = real(probability, func, "probability", 0.0, 1.0)
    min_keep = check_int(min_keep, func, "min_keep", minimum=1)
    finite = np.isfinite(u)
    if probability == 0 or threshold > 0.5:
        return finite.reshape(shape)
    acts = np.ones(len(u), dtype=bool)
    if probability < 1:
        acts = as_generator(rng, func).random(len(u)) < probability
    p = softmax_rows(u)
    above = p >= threshold
    n_above = above.sum(axis=-1)
    lowest_above = np.where(above, p, np.inf).min(axis=-1, keepdims=True)
    remaining = finite.sum(axis=-1) - (n_above - 1)
    acts &= (n_above >= 2) & (remaining >= min_keep) & (finite.sum(axis=-1) >= 2)
    removed = above & (p > lowest_above) & acts[:, None]
    return (finite & ~removed).reshape(shape)
