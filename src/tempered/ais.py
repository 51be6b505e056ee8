"""Annealed importance sampling (Neal, 2001): log Z along the path p0^(1-b) f^b.

Chains start from a normalised p0, move through intermediate distributions
with Metropolis steps, and carry importance weights whose mean is Z exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validate import check_count
from ._validate import check_positive_temperature
from .sampling import as_generator
from .softmax import logsumexp

__all__ = ["annealed_importance_sampling", "AISResult"]


class AISResult(NamedTuple):
    log_Z: float  # estimate of log Z1 (log Z0 = 0: p0 is normalised)
    log_weights: np.ndarray  # one importance log-weight per chain
    samples: np.ndarray  # final positions, weighted by exp(log_weights)
    acceptance_rate: float


def annealed_importance_sampling(
    log_p0: Callable,
    sample_p0: Callable,
    log_f: Callable,
    betas,
    n_chains,
    *,
    step_size=0.5,
    n_mh=1,
    rng=None,
) -> AISResult:
    """Neal's AIS estimate of log Z = log integral f(x) dx in R^d.

    ``log_p0(x)`` is a *normalised* log-density we can sample from
    (``sample_p0(n, rng)`` returns n points, shape (n, d)); ``log_f(x)`` is the
    unnormalised log-target. Both map (n, d) arrays to (n,). Along
    0 = b_0 < ... < b_K = 1 the chains move through
    pi_b(x) proportional to p0(x)^(1 - b) f(x)^b: the log-weight gains
    (b_k - b_{k-1}) (log f - log p0) at the current point, then ``n_mh``
    random-walk Metropolis steps (Gaussian, std ``step_size``) leave pi_{b_k}
    invariant. The mean of the weights is an unbiased estimate of Z.
    """
    func = "annealed_importance_sampling"
    b = np.asarray(betas, dtype=float)
    if b.ndim != 1 or b.size < 2 or np.isnan(b).any():
        raise ValueError(f"{func}: betas must be a 1-D array of at least 2 numbers")
    if b[0] != 0 or b[-1] != 1 or (np.diff(b) < 0).any():
        raise ValueError(
            f"{func}: betas must rise from exactly 0 to exactly 1, never decreasing"
        )
    n_chains = check_count(n_chains, func, "n_chains")
    n_mh = check_count(n_mh, func, "n_mh", minimum=0)
    step_size = check_positive_temperature(step_size, func, "step_size")
    rng = as_generator(rng)
    x = np.asarray(sample_p0(n_chains, rng), dtype=float)
    if x.ndim != 2 or x.shape[0] != n_chains:
        raise ValueError(
            f"{func}: sample_p0(n, rng) must return shape (n, d), got {x.shape}"
        )
    lp0, lf = log_p0(x), log_f(x)
    log_w = np.zeros(n_chains)
    accepted = 0
    for k in range(1, b.size):
        log_w += (b[k] - b[k - 1]) * (lf - lp0)
        for _ in range(n_mh):
            y = x + step_size * rng.standard_normal(x.shape)
            lp0_y, lf_y = log_p0(y), log_f(y)
            log_ratio = (1 - b[k]) * (lp0_y - lp0) + b[k] * (lf_y - lf)
            accept = -log_ratio <= rng.standard_exponential(n_chains)
            x = np.where(accept[:, None], y, x)
            lp0, lf = np.where(accept, lp0_y, lp0), np.where(accept, lf_y, lf)
            accepted += int(accept.sum())
    if np.isnan(log_w).any():
        raise ValueError(
            f"{func}: a log-weight is NaN; check that log_p0 and log_f return finite "
            "values"
        )
    rate = accepted / (n_chains * n_mh * (b.size - 1)) if n_mh else 0.0
    return AISResult(float(logsumexp(log_w) - np.log(n_chains)), log_w, x, rate)
