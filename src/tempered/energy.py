"""Boltzmann distributions over a finite set of states, and their thermodynamics.

A state i with energy E_i has probability p_i = exp(-E_i / T) / Z(T), with the
partition function Z(T) = sum_j exp(-E_j / T). This is the tempered softmax of
the logits u = -E (chapter 5). From Z follow, exactly:

- the free energy        F = -T log Z
- the mean energy        <E> = -d log Z / d beta          (beta = 1/T)
- the entropy            H = (<E> - F) / T
- the heat capacity      C = d<E>/dT = Var(E) / T^2,  and  dH/dT = C / T.

An energy of ``+inf`` marks a forbidden state (probability 0 at every T), as
a logit of ``-inf`` masks a token. NaN and ``-inf`` energies are errors.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array
from ._validate import check_count
from ._validate import check_int
from ._validate import check_positive_temperature
from ._validate import check_temperature
from .softmax import entropy as _entropy
from .softmax import logsumexp
from .softmax import tempered_softmax

__all__ = [
    "check_energies",
    "check_positive_temperature",
    "boltzmann",
    "log_partition",
    "free_energy",
    "thermodynamics",
    "Thermodynamics",
    "rugged_landscape",
]


def check_energies(energies, func: str, name: str = "energies") -> np.ndarray:
    """A 1-D float64 array of energies; NaN, -inf, empty, all-forbidden raise."""
    E = as_float_array(energies, func, name=name).astype(np.float64, copy=False)
    if E.ndim != 1:
        raise ValueError(
            f"{func}: {name} must be one-dimensional (one energy per state), got shape "
            f"{E.shape}"
        )
    if np.isnan(E).any():
        raise ValueError(
            f"{func}: {name} contain NaN (first at index {int(np.argmax(np.isnan(E)))})"
        )
    if np.isneginf(E).any():
        raise ValueError(
            f"{func}: {name} contain -inf (first at index "
            f"{int(np.argmax(np.isneginf(E)))}); only +inf (a forbidden state) is "
            "allowed"
        )
    if np.isposinf(E).all():
        raise ValueError(
            f"{func}: every state has energy +inf, so there is no distribution"
        )
    return E


def boltzmann(energies, T):
    """Probabilities exp(-E_i / T) / Z(T) of a 1-D array of energies.

    ``T = 0`` gives the T -> 0+ limit (uniform over the ground states) and
    ``T = inf`` the uniform distribution over the allowed states.
    """
    E = check_energies(energies, "boltzmann")
    return tempered_softmax(-E, check_temperature(T, "boltzmann"))


def log_partition(energies, T) -> float:
    """log Z(T) = log sum_i exp(-E_i / T), without overflow; needs 0 < T < inf."""
    E = check_energies(energies, "log_partition")
    T = check_positive_temperature(T, "log_partition")
    return float(logsumexp(-E / T))


def free_energy(energies, T) -> float:
    """The free energy F(T) = -T log Z(T); needs 0 < T < inf."""
    E = check_energies(energies, "free_energy")
    T = check_positive_temperature(T, "free_energy")
    return -T * float(logsumexp(-E / T))


class Thermodynamics(NamedTuple):
    """Exact thermodynamic quantities at one temperature (nats for entropies)."""

    T: float
    log_Z: float
    free_energy: float
    mean_energy: float
    entropy: float
    heat_capacity: float
    variance: float


def thermodynamics(energies, T) -> Thermodynamics:
    """Every quantity of the module docstring at temperature ``T`` (0 < T < inf).

    Forbidden states (energy ``+inf``) are left out: they carry no probability.
    """
    E = check_energies(energies, "thermodynamics")
    T = check_positive_temperature(T, "thermodynamics")
    E = E[np.isfinite(E)]
    log_Z = float(logsumexp(-E / T))
    p = tempered_softmax(-E, T)
    mean = float(p @ E)
    var = float(p @ (E - mean) ** 2)
    return Thermodynamics(
        T=T,
        log_Z=log_Z,
        free_energy=-T * log_Z,
        mean_energy=mean,
        entropy=float(_entropy(p)),
        # (var / T) / T: T**2 of a Python float would underflow to 0 (T = 1e-200)
        # or raise OverflowError (T = 1e200); var = 0 means C = 0 at any T.
        heat_capacity=(var / T) / T if var else 0.0,
        variance=var,
    )


def rugged_landscape(n_states: int = 200, seed: int = 0) -> np.ndarray:
    """A reproducible 1-D energy landscape: two wells, a barrier and random ripples.

    On x = linspace(-1, 1, n_states): a double well 2.5 ((x^2 - 0.36) / 0.36)^2
    (minima at x = -0.6 and 0.6, barrier 2.5 high at 0), tilted by -0.8 x so
    that the right well is lower, plus ripples: 0.5 times the mean of four
    sines with seeded random frequencies and phases. Shifted so min E = 0.
    """
    n_states = check_count(n_states, "rugged_landscape", "n_states", minimum=2)
    seed = check_int(seed, "rugged_landscape", "seed", minimum=0)
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, n_states)
    E = 2.5 * ((x**2 - 0.36) / 0.36) ** 2 - 0.8 * x
    freqs = rng.uniform(10.0, 30.0, size=4)
    phases = rng.uniform(0.0, 2 * np.pi, size=4)
    E += 0.5 * np.sin(np.pi * freqs[:, None] * x[None, :] + phases[:, None]).mean(
        axis=0
    )
    return E - E.min()
