"""DRY, "don't repeat yourself": a penalty that grows with the length of a repeat.

The rule of llama.cpp's ``llama_sampler_dry_apply`` (``src/llama-sampling.cpp``,
after the text-generation-webui sampler by p-e-w), restricted to single-token
sequence breakers. Look at the last ``last_n`` tokens of the context. For a
candidate token v, let L(v) be the length of the longest suffix of the context
that also occurs earlier, immediately followed by v (so emitting v would extend
a repeat of length L(v) to L(v) + 1). The suffix may not reach back past the
most recent sequence breaker. If ``L(v) >= allowed_length`` and v is not a
breaker, v's logit drops by

    multiplier * base ** (L(v) - allowed_length),

with the exponent capped at ``floor(88.7228391 / log(base))`` when
``base > 1.000001`` (so that the power stays below float32's largest value,
as in llama.cpp). Nothing happens if ``multiplier = 0``, ``base < 1`` or the
window holds at most ``allowed_length`` tokens.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_int
from ._common import history_2d
from ._common import logits_2d
from ._common import real

_FLOAT32_MAX_LOG = 88.7228391


def _repeat_lengths(h: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Match length at every lag: (rows, n) ints, column k for lag k (column 0 unused).

    ``r`` is each row read backwards (r[:, 0] is the newest token). For a lag k,
    the number of leading positions where r[t] == r[t + k] is how far the
    context's suffix matches the stretch ending k tokens back; the token that
    followed that stretch is r[k - 1]. All rows and one lag at a time.
    """
    rows, n = h.shape
    r = h[:, ::-1]
    lengths = np.full((rows, n), -1, dtype=np.int64)  # column k: lag k
    for k in range(1, n):
        eq = r[:, : n - k] == r[:, k:]
        run = np.cumprod(eq, axis=1).sum(axis=1)
        lengths[:, k] = np.minimum(run, limit)
    return lengths


def dry_penalty(
    logits,
    history,
    multiplier: float,
    base: float = 1.75,
    allowed_length: int = 2,
    last_n: int | None = None,
    breakers=(),
) -> np.ndarray:
    """Logits after the DRY penalty (see the module docstring for the rule).

    ``history`` holds token ids, shape (rows, n) or (n,); ``breakers`` is a
    collection of token ids that end a repeat (llama.cpp's default breakers
    are newline, colon, quote and asterisk; multi-token breakers are not
    supported here). ``last_n = None`` uses the whole history.
    """
    func = "dry_penalty"
    u, shape = logits_2d(logits, func)
    multiplier = real(multiplier, func, "multiplier", 0.0)
    base = real(base, func, "base", 0.0)
    allowed_length = check_int(allowed_length, func, "allowed_length", minimum=0)
    h = history_2d(history, len(u), func, u.shape[-1])
    if last_n is not None:
        last_n = check_int(last_n, func, "last_n", minimum=0)
        h = h[:, h.shape[1] - min(last_n, h.shape[1]) :]
    breakers = np.asarray(sorted({int(b) for b in breakers}), dtype=np.int64)
    rows, n = h.shape
    if multiplier == 0 or base < 1 or n <= allowed_length:
        return u.reshape(shape).copy()
    # rep_limit: how many of the newest tokens come after the last breaker.
    is_breaker = np.isin(h[:, ::-1], breakers)
    limit = np.where(is_breaker.any(axis=1), is_breaker.argmax(axis=1), n)
    lengths = _repeat_lengths(h, limit)  # lengths[:, k] for the token r[:, k - 1]
    next_token = h[:, ::-1][:, : n - 1]  # r[:, k - 1] for k = 1 .. n - 1
    lag_len = lengths[:, 1:]
    best = np.full(u.shape, -1, dtype=np.int64)
    row_idx = np.repeat(np.arange(rows), n - 1)
    np.maximum.at(best, (row_idx, next_token.ravel()), lag_len.ravel())
    hit = (best >= allowed_length) & (limit >= allowed_length)[:, None]
    hit[:, breakers] = False
    expo = (best - allowed_length).astype(np.float64)
    if base > 1.000001:
        expo = np.minimum(expo, math.floor(_FLOAT32_MAX_LOG / math.log(base)))
    with np.errstate(over="ignore"):
        penalty = multiplier * base ** np.where(hit, expo, 0.0)
    return np.where(hit, u - penalty, u).reshape(shape)
