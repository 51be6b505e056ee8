"""Boltzmann (softmax) exploration on a Gaussian multi-armed bandit.

At step ``t`` the agent picks arm ``a`` with probability
``softmax(Q / T_t)[a]``, where ``Q`` holds the sample means of the rewards so
far; ``T_t`` is fixed or annealed. Regret is measured with the true means,
``sum_t (max(mu) - mu[a_t])`` (pseudo-regret), so it is not blurred by reward noise.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_count
from .sampling import as_generator


def fixed(T: float):
    """A constant temperature schedule."""
    if not T > 0:
        raise ValueError(f"fixed: T must be > 0, got {T}")
    return lambda t: float(T)


def annealed(T0: float, rate: float = 1.0):
    """``T_t = T0 / log(e + rate * t)``: starts at ``T0`` and decreases slowly to 0."""
    if not T0 > 0 or not rate > 0:
        raise ValueError("annealed: T0 and rate must be > 0")
    return lambda t: float(T0 / np.log(np.e + rate * t))


def _softmax_of_means(q: np.ndarray, T: float) -> np.ndarray:
    """``tempered_softmax(q, T)`` for a finite 1-D float64 ``q`` and a finite ``T > 0``.

    The same arithmetic, bit for bit, without the per-call input checks: a chapter
    runs the bandit 200,000 steps, and the checks were 80% of its time. The
    schedules guarantee ``T > 0``; the sample means are finite.
    """
    w = np.exp((q - q.max()) / T)
    return w / w.sum()


def boltzmann_bandit(means, schedule, steps: int, rng=None, noise: float = 1.0):
    """Run softmax exploration for ``steps`` pulls; return
    ``(arms, cumulative_regret)``.

    Every arm is pulled once first (steps 0..k-1), so each Q is defined.
    """
    mu = np.asarray(means, dtype=np.float64)
    k = mu.size
    if mu.ndim != 1 or k < 2:
        raise ValueError(
            "boltzmann_bandit: means must be a 1-D array of at least 2 arms"
        )
    steps = check_count(
        steps,
        "boltzmann_bandit",
        "steps",
        minimum=k,
        hint=" (every arm is pulled once first)",
    )
    g = as_generator(rng)
    sums = np.zeros(k)
    pulls = np.zeros(k)
    arms = np.empty(int(steps), dtype=np.int64)
    for t in range(int(steps)):
        if t < k:
            a = t
        else:
            p = _softmax_of_means(sums / pulls, schedule(t))
            a = int(min(np.searchsorted(np.cumsum(p), g.random(), side="right"), k - 1))
        arms[t] = a
        sums[a] += mu[a] + noise * g.standard_normal()
        pulls[a] += 1
    regret = np.cumsum(mu.max() - mu[arms])
    return arms, regret
