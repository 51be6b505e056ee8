"""Markov chain Monte Carlo at temperature T, vectorised over many chains.

- :func:`metropolis` samples exp(-E/T) / Z on a finite state space.
- :func:`parallel_tempering` runs replicas at several temperatures and swaps them.
(Simulated annealing is in ``tempered.annealing``, annealed importance
sampling in ``tempered.ais``.)

Every Metropolis test here uses one fact: with xi ~ Exp(1), the event
``dE <= T * xi`` has probability min(1, exp(-dE / T)), the Metropolis
acceptance probability. So a step needs no exp, only a comparison, and the
exponential draws come in bulk for many steps and chains at once.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validate import as_real_array
from ._validate import check_count
from ._validate import check_positive_temperature
from ._validate import is_int
from .energy import check_energies
from .sampling import as_generator

__all__ = [
    "grid_neighbours",
    "metropolis",
    "MetropolisResult",
    "parallel_tempering",
    "TemperingResult",
]

BLOCK_DRAWS = 1 << 17  # random numbers drawn per block: bulk draws without much memory


def grid_neighbours(shape, periodic: bool = False, reach: int = 1) -> np.ndarray:
    """Table of the neighbours of each cell of a d-dimensional grid, flattened (C
    order).

    Row i lists the 2 * reach * d states 1 .. reach steps left and right of
    cell i along each axis. Off the edge
    of a non-periodic grid the "neighbour" is the cell itself, so every state
    has the same number of entries and proposing a uniformly random entry is
    a symmetric proposal: q(i -> j) = q(j -> i).
    """
    shape = (shape,) if is_int(shape) else tuple(shape)
    if not shape or any(not is_int(s) or s < 1 for s in shape):
        raise ValueError(f"grid_neighbours: shape must be positive ints, got {shape!r}")
    reach = check_count(reach, "grid_neighbours", "reach")
    index = np.arange(math.prod(shape)).reshape(shape)
    columns = []
    for axis, size in enumerate(shape):
        for step in [s for s in range(-reach, reach + 1) if s]:
            shifted = np.roll(
                index, -step, axis=axis
            )  # shifted[..., k, ...] = index[..., k + step, ...]
            if not periodic:
                edge = [slice(None)] * len(shape)
                edge[axis] = slice(0, -step) if step < 0 else slice(size - step, None)
                shifted[tuple(edge)] = index[tuple(edge)]
            columns.append(shifted.ravel())
    return np.stack(columns, axis=1)


def _check_neighbours(neighbours, n_states: int, func: str) -> np.ndarray:
    if neighbours is None:
        return grid_neighbours(n_states)
    nb = np.asarray(neighbours)
    if (
        nb.ndim != 2
        or nb.shape[0] != n_states
        or nb.shape[1] == 0
        or nb.dtype.kind not in "iu"
    ):
        raise ValueError(
            f"{func}: neighbours must be an int array of shape ({n_states}, k), got "
            f"{nb.dtype} {nb.shape}"
        )
    if nb.min() < 0 or nb.max() >= n_states:
        raise ValueError(f"{func}: neighbours has entries outside 0..{n_states - 1}")
    nb = nb.astype(np.intp, copy=False)
    _check_symmetric(nb, func)
    return nb


def _check_symmetric(nb: np.ndarray, func: str) -> None:
    """Raise unless j appears in row i as often as i appears in row j, for all i, j.

    Proposing a uniform entry of row i then has q(i -> j) = q(j -> i), which
    the Metropolis test assumes; otherwise the chain samples another distribution.
    The pairs (i, j) and (j, i), coded as one int each, must be the same multiset.
    """
    n, k = nb.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    cols = nb.ravel().astype(np.int64)
    forward, backward = np.sort(rows * n + cols), np.sort(cols * n + rows)
    if not np.array_equal(forward, backward):
        bad = forward[np.argmax(forward != backward)]
        i, j = divmod(int(bad), n)
        raise ValueError(
            f"{func}: neighbours must be symmetric (j listed in row i as often as i "
            f"in row j); state {j} in row {i} breaks it, so the proposal is not "
            "symmetric and the chain would not sample exp(-E/T)/Z"
        )


def _check_start(start, E: np.ndarray, shape: tuple, rng, func: str) -> np.ndarray:
    """Starting states of the given shape; random allowed ones if ``start`` is None."""
    if start is None:
        allowed = np.flatnonzero(np.isfinite(E))
        return allowed[rng.integers(0, allowed.size, size=shape)]
    s = np.asarray(start)
    if s.dtype.kind not in "iu":
        raise TypeError(
            f"{func}: start must hold integer state indices, got dtype {s.dtype}"
        )
    if s.ndim > len(shape):
        raise ValueError(
            f"{func}: start must be one state or one per chain (shape {shape}), got "
            f"shape {s.shape}"
        )
    try:
        s = np.broadcast_to(s, shape).astype(np.intp)
    except ValueError:
        raise ValueError(
            f"{func}: start must be one state or one per chain (shape {shape}), got "
            f"shape {s.shape}"
        ) from None
    if s.min() < 0 or s.max() >= E.size:
        raise ValueError(f"{func}: start has states outside 0..{E.size - 1}")
    if not np.isfinite(E[s]).all():
        raise ValueError(f"{func}: start includes a forbidden state (energy +inf)")
    return s.copy()


def _metropolis_step(E, flat_nb, k_nb, states, T, k, xi):
    """One Metropolis step per chain: propose a neighbour, accept iff dE <= T * xi."""
    proposal = flat_nb[states * k_nb + k]
    accept = E[proposal] - E[states] <= T * xi
    return np.where(accept, proposal, states), accept


# --- Metropolis
# ---------------------------------------------------------------------------------


class MetropolisResult(NamedTuple):
    states: np.ndarray  # final state of each chain
    counts: np.ndarray  # visits to each state, summed over chains and recorded steps
    acceptance_rate: float


def metropolis(
    energies,
    T,
    n_steps,
    *,
    n_chains=None,
    start=None,
    neighbours=None,
    burn_in=0,
    rng=None,
):
    """Run Metropolis chains targeting p_i = exp(-E_i / T) / Z, all chains at once.

    Parameters
    ----------
    energies : 1-D array of the energy of each state (``+inf`` = forbidden).
    T : temperature > 0.
    n_steps : proposals per chain.
    n_chains : number of chains (default: ``len(start)``, or 1000 if no start).
    start : initial state(s); default uniformly random allowed states.
    neighbours : (n_states, k) table; each step proposes one of the k entries
        uniformly. It must be symmetric (j in row i as often as i in row j);
        the default is the 1-D grid, moves to i - 1 and i + 1.
    burn_in : steps per chain run before visits are counted.
    rng : numpy Generator or seed.
    """
    func = "metropolis"
    E = check_energies(energies, func)
    T = check_positive_temperature(T, func)
    n_steps = check_count(n_steps, func, "n_steps")
    burn_in = check_count(burn_in, func, "burn_in", minimum=0)
    rng = as_generator(rng, func)
    if n_chains is None:
        n_chains = 1000 if start is None or np.ndim(start) == 0 else len(start)
    n_chains = check_count(n_chains, func, "n_chains")
    nb = _check_neighbours(neighbours, E.size, func)
    states = _check_start(start, E, (n_chains,), rng, func)
    flat_nb, k_nb = nb.ravel(), nb.shape[1]
    counts = np.zeros(E.size, dtype=np.int64)
    block = max(1, min(burn_in + n_steps, BLOCK_DRAWS // n_chains))
    history = np.empty((block, n_chains), dtype=np.intp)
    accepted, step, total = 0, 0, burn_in + n_steps
    while step < total:
        b = min(block, total - step)
        ks = rng.integers(0, k_nb, size=(b, n_chains))
        xis = rng.standard_exponential(size=(b, n_chains))
        for t in range(b):
            states, acc = _metropolis_step(E, flat_nb, k_nb, states, T, ks[t], xis[t])
            history[t] = states
            if step + t >= burn_in:
                accepted += int(np.count_nonzero(acc))
        first = max(0, burn_in - step)  # rows of this block past the burn-in
        if first < b:
            counts += np.bincount(history[first:b].ravel(), minlength=E.size)
        step += b
    return MetropolisResult(states, counts, accepted / (n_steps * n_chains))


# --- parallel tempering
# -------------------------------------------------------------------------


class TemperingResult(NamedTuple):
    states: np.ndarray  # (n_temperatures, n_chains) final states
    counts: np.ndarray  # (n_temperatures, n_states) visits at each temperature
    acceptance_rate: np.ndarray  # Metropolis acceptance at each temperature
    swap_rate: np.ndarray  # accepted share of swaps between temperatures r and r + 1


def parallel_tempering(
    energies,
    temperatures,
    n_steps,
    *,
    n_chains=1,
    start=None,
    neighbours=None,
    burn_in=0,
    rng=None,
):
    """Replica exchange: one Metropolis chain per temperature, with swaps between
    neighbours.

    After every Metropolis step, adjacent pairs (r, r + 1), even pairs and odd
    pairs in turn, swap their states with probability
    min(1, exp((1/T_r - 1/T_{r+1}) (E_r - E_{r+1}))), which keeps the product
    of the Boltzmann distributions invariant (detailed balance for the pair).
    ``n_chains`` independent ladders run side by side; ``start`` broadcasts to
    shape (n_temperatures, n_chains). Other arguments as in :func:`metropolis`.
    """
    func = "parallel_tempering"
    E = check_energies(energies, func)
    Ts = as_real_array(temperatures, func, "temperatures", dtype=float)
    if Ts.ndim != 1 or Ts.size < 2:
        raise ValueError(
            f"{func}: temperatures must be a 1-D array of at least 2 values, got shape "
            f"{Ts.shape}"
        )
    for T in Ts:
        check_positive_temperature(float(T), func, name="temperatures")
    n_steps = check_count(n_steps, func, "n_steps")
    burn_in = check_count(burn_in, func, "burn_in", minimum=0)
    n_chains = check_count(n_chains, func, "n_chains")
    rng = as_generator(rng, func)
    nb = _check_neighbours(neighbours, E.size, func)
    R = Ts.size
    states = _check_start(start, E, (R, n_chains), rng, func)
    flat_nb, k_nb = nb.ravel(), nb.shape[1]
    T_col, beta = Ts[:, None], 1.0 / Ts
    counts = np.zeros(R * E.size, dtype=np.int64)
    offset = (np.arange(R) * E.size)[:, None]
    accepted = np.zeros(R)
    swaps, tried = np.zeros(R - 1), np.zeros(R - 1)
    pairs = [np.arange(0, R - 1, 2), np.arange(1, R - 1, 2)]
    block = max(1, min(burn_in + n_steps, BLOCK_DRAWS // (2 * R * n_chains)))
    step, total = 0, burn_in + n_steps
    while step < total:
        b = min(block, total - step)
        ks = rng.integers(0, k_nb, size=(b, R, n_chains))
        xis = rng.standard_exponential(size=(b, R, n_chains))
        swap_xis = rng.standard_exponential(size=(b, R - 1, n_chains))
        for t in range(b):
            states, acc = _metropolis_step(
                E, flat_nb, k_nb, states, T_col, ks[t], xis[t]
            )
            lo = pairs[(step + t) % 2]
            if lo.size:
                hi = lo + 1
                s_lo, s_hi = states[lo], states[hi]
                log_alpha = (beta[lo] - beta[hi])[:, None] * (E[s_lo] - E[s_hi])
                swap = -log_alpha <= swap_xis[t, lo]
                states[lo] = np.where(swap, s_hi, s_lo)
                states[hi] = np.where(swap, s_lo, s_hi)
            if step + t >= burn_in:
                accepted += acc.sum(axis=1)
                if lo.size:
                    swaps[lo] += swap.sum(axis=1)
                    tried[lo] += n_chains
                counts += np.bincount((states + offset).ravel(), minlength=R * E.size)
        step += b
    return TemperingResult(
        states,
        counts.reshape(R, E.size),
        accepted / (n_steps * n_chains),
        swaps / np.maximum(tried, 1),
    )
