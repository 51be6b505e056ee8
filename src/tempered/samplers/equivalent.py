"""The fixed temperature that matches a distribution's entropy, row by row.

Chapter 4 proved that the entropy of ``softmax(u / T)`` is non-decreasing in T
(strictly increasing unless the unmasked logits are all equal), from
``log |argmax|`` at T -> 0 to ``log n`` at T -> inf. So for any entropy H in
that range there is one temperature with that entropy: the *equivalent
temperature* of a sampler whose output distribution has entropy H. It shows
what an adaptive sampler (dynamic temperature, Mirostat) does to T.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_real_array
from ._common import entropy_rows
from ._common import logits_2d


def equivalent_temperature(logits, entropy, iterations: int = 80) -> np.ndarray:
    """The T with ``H(softmax(logits / T)) = entropy`` for each row (bisection).

    Entropies outside the reachable range give the nearest end, clipped to
    [1e-3, 1e3]. Vectorised over rows; ``iterations`` halvings of log T.
    """
    func = "equivalent_temperature"
    u, shape = logits_2d(logits, func)
    target = np.broadcast_to(
        as_real_array(entropy, func, "entropy", dtype=np.float64), shape[:-1]
    ).reshape(-1)
    lo = np.full(len(u), np.log(1e-3))
    hi = np.full(len(u), np.log(1e3))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        h = entropy_rows(u / np.exp(mid)[:, None])
        below = h < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.exp(0.5 * (lo + hi)).reshape(shape[:-1])
