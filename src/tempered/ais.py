"""Annealed importance sampling (Neal, 2001): log Z along the path p0^(1-b) f^b.

Chains start from a normalised p0, move through intermediate distributions
with Metropolis steps, and carry importance weights whose mean is Z exactly.

Chapter 5's test problem lives here too: :func:`three_bumps`, an unnormalised
mixture of Gaussian bumps whose integral is known exactly
(:class:`GaussianBumps`), and :class:`StandardNormal`, the start p0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array
from ._validate import as_real_array
from ._validate import check_count
from ._validate import check_positive_temperature
from .sampling import as_generator
from .softmax import logsumexp

__all__ = [
    "annealed_importance_sampling",
    "AISResult",
    "GaussianBumps",
    "gaussian_bumps",
    "three_bumps",
    "StandardNormal",
]


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
    rng = as_generator(rng, func)
    x = as_real_array(sample_p0(n_chains, rng), func, "sample_p0(n, rng)", float)
    if x.ndim != 2 or x.shape[0] != n_chains:
        raise ValueError(
            f"{func}: sample_p0(n, rng) must return shape (n, d), got {x.shape}"
        )
    lp0, lf = _log_density(log_p0, "log_p0", x), _log_density(log_f, "log_f", x)
    log_w = np.zeros(n_chains)
    accepted = 0
    for k in range(1, b.size):
        log_w += (b[k] - b[k - 1]) * (lf - lp0)
        for _ in range(n_mh):
            y = x + step_size * rng.standard_normal(x.shape)
            lp0_y = _log_density(log_p0, "log_p0", y)
            lf_y = _log_density(log_f, "log_f", y)
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


def _log_density(fn: Callable, name: str, x: np.ndarray) -> np.ndarray:
    """``fn(x)`` as a float array of shape (n,); NaN and +inf raise, naming ``fn``.

    -inf is allowed: a point outside the support has density 0.
    """
    func = "annealed_importance_sampling"
    out = as_real_array(fn(x), func, f"{name}(x)", float)
    if out.shape != (x.shape[0],):
        raise ValueError(
            f"{func}: {name}(x) must return shape ({x.shape[0]},) for x of shape "
            f"{x.shape}, got {out.shape}"
        )
    if np.isnan(out).any() or np.isposinf(out).any():
        raise ValueError(
            f"{func}: {name}(x) returned NaN or +inf; a log-density must be finite "
            "(or -inf where the density is 0)"
        )
    return out


class GaussianBumps(NamedTuple):
    """f(x) = sum_m w_m exp(-|x - mu_m|^2 / (2 sigma_m^2)) on R^d, left unnormalised.

    Its integral is known exactly, Z = sum_m w_m (2 pi sigma_m^2)^(d/2), so an
    estimate of log Z can be checked against :attr:`log_Z`. Make one with
    :func:`gaussian_bumps`, which checks the parameters.
    """

    means: np.ndarray  # (m, d): the centre of each bump
    sigmas: np.ndarray  # (m,): the width of each bump
    weights: np.ndarray  # (m,): the height of each bump

    def log_f(self, x) -> np.ndarray:
        """log f at the points ``x``, shape (n, d); returns shape (n,)."""
        x = np.asarray(x, dtype=float)
        d = self.means.shape[1]
        if x.ndim != 2 or x.shape[1] != d:
            raise ValueError(
                f"GaussianBumps.log_f: x must have shape (n, {d}), got {x.shape}"
            )
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(axis=-1)
        return logsumexp(np.log(self.weights) - sq / (2 * self.sigmas**2), axis=1)

    @property
    def log_Z(self) -> float:
        """The exact log of the integral of f over R^d."""
        d = self.means.shape[1]
        bump = 0.5 * d * np.log(2 * np.pi * self.sigmas**2)
        return float(logsumexp(np.log(self.weights) + bump))


def gaussian_bumps(means, sigmas, weights) -> GaussianBumps:
    """The unnormalised mixture of round Gaussian bumps with these parameters.

    ``means`` has shape (m, d), one centre per bump; ``sigmas`` and ``weights``
    hold m positive numbers (a scalar is used for every bump).
    """
    func = "gaussian_bumps"
    mu = as_float_array(means, func, "means").astype(float)
    if mu.ndim != 2 or not np.all(np.isfinite(mu)):
        raise ValueError(
            f"{func}: means must be finite, of shape (m, d), got shape {mu.shape}"
        )
    params = []
    for name, value in (("sigmas", sigmas), ("weights", weights)):
        arr = as_float_array(np.atleast_1d(value), func, name).astype(float)
        arr = np.broadcast_to(arr, (mu.shape[0],)) if arr.size == 1 else arr
        if arr.shape != (mu.shape[0],):
            raise ValueError(
                f"{func}: {name} must hold one number per bump ({mu.shape[0]}), "
                f"got shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise ValueError(f"{func}: {name} must be finite numbers > 0")
        params.append(np.array(arr))
    return GaussianBumps(mu, params[0], params[1])


def three_bumps() -> GaussianBumps:
    """Chapter 5's AIS target: three bumps in the plane, far from the origin.

    Centres (-3, -2), (3, 0) and (0, 3.5), widths 0.6, 0.8 and 0.5, weights 1,
    2 and 0.5: a standard normal start covers them poorly.
    """
    return gaussian_bumps(
        [[-3.0, -2.0], [3.0, 0.0], [0.0, 3.5]], [0.6, 0.8, 0.5], [1.0, 2.0, 0.5]
    )


@dataclass(frozen=True)
class StandardNormal:
    """The standard normal N(0, I) on R^``dim``: AIS's normalised start p0."""

    dim: int = 2

    def __post_init__(self):
        check_count(self.dim, "StandardNormal", "dim")

    def log_pdf(self, x) -> np.ndarray:
        """The normalised log-density at the points ``x``, shape (n, dim)."""
        x = np.asarray(x, dtype=float)
        return -0.5 * (x**2).sum(axis=-1) - 0.5 * self.dim * np.log(2 * np.pi)

    def sample(self, n, rng) -> np.ndarray:
        """``n`` independent draws, shape (n, dim), from the generator ``rng``."""
        return as_generator(rng, "StandardNormal.sample").standard_normal((n, self.dim))
