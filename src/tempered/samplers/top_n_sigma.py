"""Top-nσ (Tang et al. 2024): keep the logits within n standard deviations of the top.

Token i is kept iff ``z_i >= max_j z_j - n * sigma(z)``, where ``sigma`` is the
population standard deviation of the unmasked logits of the row. This is the
rule of llama.cpp's ``llama_sampler_top_n_sigma_apply``
(``src/llama-sampling.cpp``), which skips masked (-inf) logits in the mean and
the deviation. Because ``max`` and ``sigma`` both scale by ``1/T`` when the
logits are divided by T, the kept set is the same at every temperature.
"""

from __future__ import annotations

import numpy as np

from ._common import logits_2d
from ._common import real


def top_n_sigma_mask(logits, n: float) -> np.ndarray:
    """Boolean mask (True = kept) of top-nσ along the last axis; ``n >= 0``.

    ``n = 0`` keeps only the tokens tied at the top.
    """
    func = "top_n_sigma_mask"
    u, shape = logits_2d(logits, func)
    n = real(n, func, "n", 0.0)
    finite = np.isfinite(u)
    count = finite.sum(axis=-1, keepdims=True)
    x = np.where(finite, u, 0.0)
    mean = x.sum(axis=-1, keepdims=True) / count
    sigma = np.sqrt(
        (np.where(finite, u - mean, 0.0) ** 2).sum(axis=-1, keepdims=True) / count
    )
    top = u.max(axis=-1, keepdims=True)
    return (finite & (u >= top - n * sigma)).reshape(shape)
