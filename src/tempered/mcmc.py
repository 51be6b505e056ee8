"""Markov chain Monte Carlo at temperature T, vectorised over many chains.

- :func:`metropolis` samples exp(-E/T) / Z on a finite state space.
- :func:`parallel_tempering` runs replicas at several temperatures and swaps them.
- :func:`anneal_tsp` is simulated annealing of a travelling-salesperson tour
  with 2-opt moves; :func:`held_karp` gives the exact optimum to compare with.
- :func:`annealed_importance_sampling` estimates log Z along p0^(1-b) f^b.

Every Metropolis test here uses one fact: with xi ~ Exp(1), the event
``dE <= T * xi`` has probability min(1, exp(-dE / T)), the Metropolis
acceptance probability. So a step needs no exp, only a comparison, and the
exponential draws come in bulk for many steps and chains at once.
"""
from __future__ import annotations

import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

from .energy import check_energies, check_positive_temperature
from .sampling import as_generator
from .softmax import logsumexp

__all__ = [
    "grid_neighbours", "metropolis", "MetropolisResult", "parallel_tempering", "TemperingResult",
    "geometric_schedule", "logarithmic_schedule", "tour_length", "anneal_tsp", "AnnealResult",
    "held_karp", "annealed_importance_sampling", "AISResult",
]

_BLOCK_DRAWS = 1 << 17  # random numbers drawn per block: bulk draws without much memory


def _check_count(value, func: str, name: str, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{func}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


# --- proposals on a grid ------------------------------------------------------------------------

def grid_neighbours(shape, periodic: bool = False, reach: int = 1) -> np.ndarray:
    """Table of the neighbours of each cell of a d-dimensional grid, flattened (C order).

    Row i lists the 2 * reach * d states 1 .. reach steps left and right of
    cell i along each axis. Off the edge
    of a non-periodic grid the "neighbour" is the cell itself, so every state
    has the same number of entries and proposing a uniformly random entry is
    a symmetric proposal: q(i -> j) = q(j -> i).
    """
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in shape):
        raise ValueError(f"grid_neighbours: shape must be positive ints, got {shape!r}")
    reach = _check_count(reach, "grid_neighbours", "reach")
    index = np.arange(math.prod(shape)).reshape(shape)
    columns = []
    for axis, size in enumerate(shape):
        for step in [s for s in range(-reach, reach + 1) if s]:
            shifted = np.roll(index, -step, axis=axis)  # shifted[..., k, ...] = index[..., k + step, ...]
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
    if nb.ndim != 2 or nb.shape[0] != n_states or nb.shape[1] == 0 or nb.dtype.kind not in "iu":
        raise ValueError(f"{func}: neighbours must be an int array of shape ({n_states}, k), got "
                         f"{nb.dtype} {nb.shape}")
    if nb.min() < 0 or nb.max() >= n_states:
        raise ValueError(f"{func}: neighbours has entries outside 0..{n_states - 1}")
    return nb.astype(np.intp, copy=False)


def _check_start(start, E: np.ndarray, shape: tuple, rng, func: str) -> np.ndarray:
    """Starting states of the given shape; random allowed states when ``start`` is None."""
    if start is None:
        allowed = np.flatnonzero(np.isfinite(E))
        return allowed[rng.integers(0, allowed.size, size=shape)]
    s = np.asarray(start)
    if s.dtype.kind not in "iu":
        raise TypeError(f"{func}: start must hold integer state indices, got dtype {s.dtype}")
    s = np.broadcast_to(s, shape).astype(np.intp)
    if s.min() < 0 or s.max() >= E.size:
        raise ValueError(f"{func}: start has states outside 0..{E.size - 1}")
    if not np.isfinite(E[s]).all():
        raise ValueError(f"{func}: start includes a forbidden state (energy +inf)")
    return s.copy()


def _metropolis_step(E, flat_nb, k_nb, states, T, k, xi):
    """One Metropolis step for every chain: propose a neighbour, accept iff dE <= T * xi."""
    proposal = flat_nb[states * k_nb + k]
    accept = E[proposal] - E[states] <= T * xi
    return np.where(accept, proposal, states), accept


# --- Metropolis ---------------------------------------------------------------------------------

class MetropolisResult(NamedTuple):
    states: np.ndarray        # final state of each chain
    counts: np.ndarray        # visits to each state, summed over chains and recorded steps
    acceptance_rate: float


def metropolis(energies, T, n_steps, *, n_chains=None, start=None, neighbours=None, burn_in=0, rng=None):
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
    n_steps = _check_count(n_steps, func, "n_steps")
    burn_in = _check_count(burn_in, func, "burn_in", minimum=0)
    rng = as_generator(rng)
    if n_chains is None:
        n_chains = 1000 if start is None or np.ndim(start) == 0 else len(start)
    n_chains = _check_count(n_chains, func, "n_chains")
    nb = _check_neighbours(neighbours, E.size, func)
    states = _check_start(start, E, (n_chains,), rng, func)
    flat_nb, k_nb = nb.ravel(), nb.shape[1]
    counts = np.zeros(E.size, dtype=np.int64)
    block = max(1, min(burn_in + n_steps, _BLOCK_DRAWS // n_chains))
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


# --- parallel tempering -------------------------------------------------------------------------

class TemperingResult(NamedTuple):
    states: np.ndarray           # (n_temperatures, n_chains) final states
    counts: np.ndarray           # (n_temperatures, n_states) visits at each temperature
    acceptance_rate: np.ndarray  # Metropolis acceptance at each temperature
    swap_rate: np.ndarray        # accepted share of swaps between temperatures r and r + 1


def parallel_tempering(energies, temperatures, n_steps, *, n_chains=1, start=None, neighbours=None,
                       burn_in=0, rng=None):
    """Replica exchange: one Metropolis chain per temperature, with swaps between neighbours.

    After every Metropolis step, adjacent pairs (r, r + 1), even pairs and odd
    pairs in turn, swap their states with probability
    min(1, exp((1/T_r - 1/T_{r+1}) (E_r - E_{r+1}))), which keeps the product
    of the Boltzmann distributions invariant (detailed balance for the pair).
    ``n_chains`` independent ladders run side by side; ``start`` broadcasts to
    shape (n_temperatures, n_chains). Other arguments as in :func:`metropolis`.
    """
    func = "parallel_tempering"
    E = check_energies(energies, func)
    Ts = np.asarray(temperatures, dtype=float)
    if Ts.ndim != 1 or Ts.size < 2:
        raise ValueError(f"{func}: temperatures must be a 1-D array of at least 2 values, got shape {Ts.shape}")
    for T in Ts:
        check_positive_temperature(float(T), func, name="temperatures")
    n_steps = _check_count(n_steps, func, "n_steps")
    burn_in = _check_count(burn_in, func, "burn_in", minimum=0)
    n_chains = _check_count(n_chains, func, "n_chains")
    rng = as_generator(rng)
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
    block = max(1, min(burn_in + n_steps, _BLOCK_DRAWS // (2 * R * n_chains)))
    step, total = 0, burn_in + n_steps
    while step < total:
        b = min(block, total - step)
        ks = rng.integers(0, k_nb, size=(b, R, n_chains))
        xis = rng.standard_exponential(size=(b, R, n_chains))
        swap_xis = rng.standard_exponential(size=(b, R - 1, n_chains))
        for t in range(b):
            states, acc = _metropolis_step(E, flat_nb, k_nb, states, T_col, ks[t], xis[t])
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
    return TemperingResult(states, counts.reshape(R, E.size), accepted / (n_steps * n_chains),
                           swaps / np.maximum(tried, 1))


# --- simulated annealing ------------------------------------------------------------------------

def geometric_schedule(T_start, T_end, n_steps) -> np.ndarray:
    """T_k = T_start * (T_end / T_start)^(k / (n_steps - 1)), k = 0 .. n_steps - 1."""
    T_start = check_positive_temperature(T_start, "geometric_schedule", "T_start")
    T_end = check_positive_temperature(T_end, "geometric_schedule", "T_end")
    n_steps = _check_count(n_steps, "geometric_schedule", "n_steps", minimum=2)
    return T_start * (T_end / T_start) ** (np.arange(n_steps) / (n_steps - 1))


def logarithmic_schedule(c, n_steps) -> np.ndarray:
    """T_k = c / log(k + e), k = 0 .. n_steps - 1: Hajek's schedule, starting at T_0 = c."""
    c = check_positive_temperature(c, "logarithmic_schedule", "c")
    n_steps = _check_count(n_steps, "logarithmic_schedule", "n_steps")
    return c / np.log(np.arange(n_steps) + np.e)


def _check_distances(dist, func: str) -> np.ndarray:
    D = np.asarray(dist, dtype=float)
    if D.ndim != 2 or D.shape[0] != D.shape[1] or D.shape[0] < 4:
        raise ValueError(f"{func}: dist must be a square matrix of at least 4 cities, got shape {D.shape}")
    if not np.isfinite(D).all():
        raise ValueError(f"{func}: dist contains NaN or inf")
    if not np.allclose(D, D.T):
        raise ValueError(f"{func}: dist must be symmetric")
    return D


def tour_length(tours, dist) -> np.ndarray:
    """Length of each closed tour: tours (..., n) of city indices, dist (n, n)."""
    D = np.asarray(dist, dtype=float)
    t = np.asarray(tours)
    return D[t, np.roll(t, -1, axis=-1)].sum(axis=-1)


class AnnealResult(NamedTuple):
    tours: np.ndarray         # (n_chains, n) final tours
    lengths: np.ndarray       # their lengths
    best_tours: np.ndarray    # best tour each chain visited
    best_lengths: np.ndarray
    steps: np.ndarray         # recorded step numbers
    trace: np.ndarray         # (n_records, n_chains) current length at those steps
    best_trace: np.ndarray    # (n_records, n_chains) best length so far
    snapshots: np.ndarray     # (n_records, n_chains, n) tours, if asked for; else empty


def anneal_tsp(dist, temperatures, *, n_chains=None, start=None, record_every=0, record_tours=False, rng=None):
    """Simulated annealing of closed tours with 2-opt moves, many chains at once.

    A move picks positions 1 <= i < j <= n - 1 uniformly and reverses the
    tour between them; the length changes by
    d(a, c) + d(b, e) - d(a, b) - d(c, e) for a, b = t[i-1], t[i] and
    c, e = t[j], t[j+1]. A move is its own inverse, so proposals are symmetric,
    and step k accepts it with probability min(1, exp(-dL / T_k)).

    ``temperatures`` has shape (n_steps,) (one schedule for all chains) or
    (n_steps, n_chains) (a schedule per chain); T = 0 accepts only moves that
    do not lengthen the tour (a quench). ``start`` defaults to random tours.
    Every ``record_every`` steps (0: never) the lengths (and, with
    ``record_tours``, the tours) are stored; step 0 is the start.
    """
    func = "anneal_tsp"
    D = _check_distances(dist, func)
    n = D.shape[0]
    Ts = np.asarray(temperatures, dtype=float)
    if Ts.ndim not in (1, 2) or Ts.shape[0] == 0:
        raise ValueError(f"{func}: temperatures must have shape (n_steps,) or (n_steps, n_chains), got {Ts.shape}")
    if np.isnan(Ts).any() or (Ts < 0).any() or np.isinf(Ts).any():
        raise ValueError(f"{func}: temperatures must be finite and >= 0 (T = 0 is a quench)")
    rng = as_generator(rng)
    if n_chains is None:
        n_chains = Ts.shape[1] if Ts.ndim == 2 else (1 if start is None else len(np.atleast_2d(start)))
    n_chains = _check_count(n_chains, func, "n_chains")
    if Ts.ndim == 2 and Ts.shape[1] != n_chains:
        raise ValueError(f"{func}: temperatures has {Ts.shape[1]} columns for {n_chains} chains")
    if start is None:
        tours = np.argsort(rng.random((n_chains, n)), axis=1)
    else:
        tours = np.broadcast_to(np.asarray(start), (n_chains, n)).copy()
        if not (np.sort(tours, axis=1) == np.arange(n)).all():
            raise ValueError(f"{func}: each start tour must be a permutation of 0..{n - 1}")
    record_every = _check_count(record_every, func, "record_every", minimum=0)
    n_steps = Ts.shape[0]
    lengths = tour_length(tours, D)
    best_tours, best_lengths = tours.copy(), lengths.copy()
    steps, trace, best_trace, snaps = [], [], [], []
    rows, pos = np.arange(n_chains), np.arange(n)

    def record(k):
        steps.append(k)
        trace.append(lengths.copy())
        best_trace.append(best_lengths.copy())
        if record_tours:
            snaps.append(tours.copy())

    if record_every:
        record(0)
    block = max(1, min(n_steps, _BLOCK_DRAWS // (3 * n_chains)))
    for k0 in range(0, n_steps, block):
        b = min(block, n_steps - k0)
        first = rng.integers(1, n, size=(b, n_chains))
        second = rng.integers(1, n - 1, size=(b, n_chains))
        second += second >= first
        lo, hi = np.minimum(first, second), np.maximum(first, second)
        xis = rng.standard_exponential(size=(b, n_chains))
        T_block = Ts[k0:k0 + b] if Ts.ndim == 2 else Ts[k0:k0 + b, None]
        for t in range(b):
            i, j = lo[t], hi[t]
            a, bb = tours[rows, i - 1], tours[rows, i]
            c, e = tours[rows, j], tours[rows, (j + 1) % n]
            dL = D[a, c] + D[bb, e] - D[a, bb] - D[c, e]
            accept = dL <= T_block[t] * xis[t]
            if accept.any():
                inside = (pos >= i[:, None]) & (pos <= j[:, None]) & accept[:, None]
                src = np.where(inside, (i + j)[:, None] - pos, pos)
                tours = np.take_along_axis(tours, src, axis=1)
                lengths = lengths + np.where(accept, dL, 0.0)
                better = lengths < best_lengths - 1e-12
                if better.any():
                    best_lengths = np.where(better, lengths, best_lengths)
                    best_tours[better] = tours[better]
            if record_every and (k0 + t + 1) % record_every == 0:
                record(k0 + t + 1)
    lengths = tour_length(tours, D)  # recompute: no drift from summing many dL
    best_lengths = tour_length(best_tours, D)
    empty = np.empty((0, n_chains, n), dtype=tours.dtype)
    return AnnealResult(tours, lengths, best_tours, best_lengths, np.array(steps, dtype=np.int64),
                        np.array(trace).reshape(-1, n_chains), np.array(best_trace).reshape(-1, n_chains),
                        np.array(snaps) if snaps else empty)


def held_karp(dist):
    """Exact shortest closed tour by Held and Karp's dynamic programme, O(2^n n^2) work.

    best[S, j] is the length of the shortest path that starts at city 0,
    visits exactly the set S of other cities and ends at j in S; it is
    min over k in S - {j} of best[S - {j}, k] + d(k, j), computed for all S of
    one size at a time with NumPy. Returns (length, tour starting at 0).
    Limited to 22 cities (memory grows as 2^n).
    """
    D = _check_distances(dist, "held_karp")
    n = D.shape[0]
    if n > 22:
        raise ValueError(f"held_karp: {n} cities is too many for the exact programme (at most 22)")
    m = n - 1  # cities 1..n-1 are bits 0..m-1
    Dm = D[1:, 1:]
    best = np.full((1 << m, m), np.inf)
    best[1 << np.arange(m), np.arange(m)] = D[0, 1:]
    masks = np.arange(1 << m)
    size = np.zeros(1 << m, dtype=np.int64)
    for bit in range(m):
        size += (masks >> bit) & 1
    for s in range(2, m + 1):
        layer = masks[size == s]
        for j in range(m):
            S = layer[(layer >> j) & 1 == 1]
            best[S, j] = (best[S ^ (1 << j)] + Dm[:, j]).min(axis=1)
    full = (1 << m) - 1
    closing = best[full] + D[1:, 0]
    j = int(np.argmin(closing))
    length, tour, S = float(closing[j]), [j], full
    while S != (1 << j):  # walk back: which k did the minimum come from?
        prev = S ^ (1 << j)
        j = int(np.argmin(best[prev] + Dm[:, j]))
        S = prev
        tour.append(j)
    return length, np.array([0] + [c + 1 for c in reversed(tour)])


# --- annealed importance sampling ---------------------------------------------------------------

class AISResult(NamedTuple):
    log_Z: float              # estimate of log Z1 (log Z0 = 0: p0 is normalised)
    log_weights: np.ndarray   # one importance log-weight per chain
    samples: np.ndarray       # final positions, weighted by exp(log_weights)
    acceptance_rate: float


def annealed_importance_sampling(log_p0: Callable, sample_p0: Callable, log_f: Callable, betas, n_chains, *,
                                 step_size=0.5, n_mh=1, rng=None) -> AISResult:
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
        raise ValueError(f"{func}: betas must rise from exactly 0 to exactly 1, never decreasing")
    n_chains = _check_count(n_chains, func, "n_chains")
    n_mh = _check_count(n_mh, func, "n_mh", minimum=0)
    step_size = check_positive_temperature(step_size, func, "step_size")
    rng = as_generator(rng)
    x = np.asarray(sample_p0(n_chains, rng), dtype=float)
    if x.ndim != 2 or x.shape[0] != n_chains:
        raise ValueError(f"{func}: sample_p0(n, rng) must return shape (n, d), got {x.shape}")
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
        raise ValueError(f"{func}: a log-weight is NaN; check that log_p0 and log_f return finite values")
    rate = accepted / (n_chains * n_mh * (b.size - 1)) if n_mh else 0.0
    return AISResult(float(logsumexp(log_w) - np.log(n_chains)), log_w, x, rate)
