"""Boltzmann (softmax) exploration on a Gaussian multi-armed bandit.

At step ``t`` the agent picks arm ``a`` with probability
``softmax(Q / T_t)[a]``, where ``Q`` holds the sample means of the rewards so
far; ``T_t`` is fixed or annealed. Regret is measured with the true means,
``sum_t (max(mu) - mu[a_t])`` (pseudo-regret), so it is not blurred by reward noise.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_real_array
from ._validate import check_count
from ._validate import check_positive_temperature
from ._validate import check_temperature
from ._validate import is_real
from .sampling import as_generator


def fixed(T: float):
    """A constant temperature schedule; ``T = inf`` explores uniformly."""
    T = check_temperature(T, "fixed")
    if T == 0:
        raise ValueError(
            "fixed: T must be > 0, got 0 (a greedy agent never explores: use a small "
            "T > 0)"
        )
    return lambda t: T


def annealed(T0: float, rate: float = 1.0):
    """``T_t = T0 / log(e + rate * t)``: starts at ``T0`` and decreases slowly to 0."""
    T0 = check_positive_temperature(T0, "annealed", "T0")
    rate = check_positive_temperature(rate, "annealed", "rate")
    return lambda t: float(T0 / np.log(np.e + rate * t))


def _softmax_of_means(q: np.ndarray, T: float) -> np.ndarray:
    """``tempered_softmax(q, T)`` for a finite 1-D float64 ``q`` and a finite ``T > 0``.

    The same arithmetic, bit for bit, without the per-call input checks: a chapter
    runs the bandit 200,000 steps, and the checks were 80% of its time. The caller
    checks ``T`` (:func:`_check_schedule`); the sample means are finite, since
    ``means`` and ``noise`` are. ``T = inf`` gives the uniform distribution.
    """
    w = np.exp((q - q.max()) / T)
    return w / w.sum()


def _check_schedule(T, t: int) -> float:
    """The temperature ``schedule(t)`` returned, as a float > 0, or a named error."""
    name = f"schedule({t})"
    T = check_temperature(T, "boltzmann_bandit", name)
    if T == 0:
        raise ValueError(f"boltzmann_bandit: {name} must be > 0, got 0")
    return T


def boltzmann_bandit(means, schedule, steps: int, rng=None, noise: float = 1.0):
    """Run softmax exploration for ``steps`` pulls; return
    ``(arms, cumulative_regret)``.

    Every arm is pulled once first (steps 0..k-1), so each Q is defined.
    """
    func = "boltzmann_bandit"
    mu = as_real_array(means, func, "means", np.float64)
    k = mu.size
    if mu.ndim != 1 or k < 2:
        raise ValueError(f"{func}: means must be a 1-D array of at least 2 arms")
    if not np.isfinite(mu).all():
        raise ValueError(f"{func}: means must be finite")
    if not callable(schedule):
        raise TypeError(
            f"{func}: schedule must be a function of the step t (see fixed, "
            f"annealed), got {type(schedule).__name__}"
        )
    if not is_real(noise) or not 0 <= float(noise) < np.inf:
        raise ValueError(f"{func}: noise must be a finite number >= 0, got {noise!r}")
    steps = check_count(
        steps,
        func,
        "steps",
        minimum=k,
        hint=" (every arm is pulled once first)",
    )
    g = as_generator(rng, func)
    sums = np.zeros(k)
    pulls = np.zeros(k)
    arms = np.empty(int(steps), dtype=np.int64)
    for t in range(int(steps)):
        if t < k:
            a = t
        else:
            T = schedule(t)
            if type(T) is not float or not T > 0:  # one comparison on the fast path
                T = _check_schedule(T, t)
            p = _softmax_of_means(sums / pulls, T)
            a = int(min(np.searchsorted(np.cumsum(p), g.random(), side="right"), k - 1))
        arms[t] = a
        sums[a] += mu[a] + noise * g.standard_normal()
        pulls[a] += 1
    regret = np.cumsum(mu.max() - mu[arms])
    return arms, regret
