"""Simulated annealing of a travelling-salesperson tour, and its exact optimum.

- :func:`geometric_schedule` and :func:`logarithmic_schedule` are cooling schedules.
- :func:`anneal_tsp` anneals many tours at once with 2-opt moves and the
  Metropolis rule (accept when dE <= T * xi with xi ~ Exp(1)).
- :func:`held_karp` computes the exact optimum by dynamic programming.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_real_array
from ._validate import check_count
from ._validate import check_positive_temperature
from .mcmc import BLOCK_DRAWS
from .sampling import as_generator

__all__ = [
    "geometric_schedule",
    "logarithmic_schedule",
    "tour_length",
    "anneal_tsp",
    "AnnealResult",
    "held_karp",
]


def geometric_schedule(T_start, T_end, n_steps) -> np.ndarray:
    """T_k = T_start * (T_end / T_start)^(k / (n_steps - 1)), k = 0 .. n_steps - 1."""
    T_start = check_positive_temperature(T_start, "geometric_schedule", "T_start")
    T_end = check_positive_temperature(T_end, "geometric_schedule", "T_end")
    n_steps = check_count(n_steps, "geometric_schedule", "n_steps", minimum=2)
    return T_start * (T_end / T_start) ** (np.arange(n_steps) / (n_steps - 1))


def logarithmic_schedule(c, n_steps) -> np.ndarray:
    """T_k = c / log(k + e), k = 0 .. n_steps - 1: Hajek's schedule, from T_0 = c."""
    c = check_positive_temperature(c, "logarithmic_schedule", "c")
    n_steps = check_count(n_steps, "logarithmic_schedule", "n_steps")
    return c / np.log(np.arange(n_steps) + np.e)


def _check_distances(dist, func: str) -> np.ndarray:
    D = as_real_array(dist, func, "dist", float)
    if D.ndim != 2 or D.shape[0] != D.shape[1] or D.shape[0] < 4:
        raise ValueError(
            f"{func}: dist must be a square matrix of at least 4 cities, got shape "
            f"{D.shape}"
        )
    if not np.isfinite(D).all():
        raise ValueError(f"{func}: dist contains NaN or inf")
    if not np.allclose(D, D.T):
        raise ValueError(f"{func}: dist must be symmetric")
    return D


def tour_length(tours, dist) -> np.ndarray:
    """Length of each closed tour: tours (..., n) of city indices, dist (n, n)."""
    func = "tour_length"
    D = as_real_array(dist, func, "dist", float)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"{func}: dist must be a square matrix, got shape {D.shape}")
    t = as_real_array(tours, func, "tours")
    if t.dtype.kind not in "iu" or t.ndim == 0:
        raise TypeError(
            f"{func}: tours must be an array (..., n) of city indices, got dtype "
            f"{t.dtype} shape {t.shape}"
        )
    if t.size and (t.min() < 0 or t.max() >= D.shape[0]):
        raise ValueError(f"{func}: tours has city indices outside 0..{D.shape[0] - 1}")
    return D[t, np.roll(t, -1, axis=-1)].sum(axis=-1)


class AnnealResult(NamedTuple):
    tours: np.ndarray  # (n_chains, n) final tours
    lengths: np.ndarray  # their lengths
    best_tours: np.ndarray  # best tour each chain visited
    best_lengths: np.ndarray
    steps: np.ndarray  # recorded step numbers
    trace: np.ndarray  # (n_records, n_chains) current length at those steps
    best_trace: np.ndarray  # (n_records, n_chains) best length so far
    snapshots: np.ndarray  # (n_records, n_chains, n) tours, if asked for; else empty


def anneal_tsp(
    dist,
    temperatures,
    *,
    n_chains=None,
    start=None,
    record_every=0,
    record_tours=False,
    rng=None,
):
    """Simulated annealing of closed tours with 2-opt moves, many chains at once.

    A move picks positions 1 <= i < j <= n - 1 uniformly and reverses the
    tour between them; the length changes by
    d(a, c) + d(b, e) - d(a, b) - d(c, e) for a, b = t[i-1], t[i] and
    c, e = t[j], t[j+1]. A move is its own inverse, so proposals are symmetric,
    and step k accepts it with probability min(1, exp(-dL / T_k)).

    ``temperatures`` has shape (n_steps,) (one schedule for all chains) or
    (n_steps, n_chains) (a schedule per chain); T = 0 accepts only moves that
    do not lengthen the tour (a quench). A length change smaller than 1e-12 of
    the tour's length counts as exactly 0, so moves that leave the length
    unchanged (reversing the whole tour after the first city) are always
    accepted, whatever the sign of their rounding error. ``start`` defaults to
    random tours.
    Every ``record_every`` steps (0: never) the lengths (and, with
    ``record_tours``, the tours) are stored; step 0 is the start.
    """
    func = "anneal_tsp"
    D = _check_distances(dist, func)
    n = D.shape[0]
    Ts = as_real_array(temperatures, func, "temperatures", float)
    if Ts.ndim not in (1, 2) or Ts.shape[0] == 0:
        raise ValueError(
            f"{func}: temperatures must have shape (n_steps,) or (n_steps, n_chains), "
            f"got {Ts.shape}"
        )
    if np.isnan(Ts).any() or (Ts < 0).any() or np.isinf(Ts).any():
        raise ValueError(
            f"{func}: temperatures must be finite and >= 0 (T = 0 is a quench)"
        )
    rng = as_generator(rng, func)
    if n_chains is None:
        n_chains = (
            Ts.shape[1]
            if Ts.ndim == 2
            else (1 if start is None else len(np.atleast_2d(start)))
        )
    n_chains = check_count(n_chains, func, "n_chains")
    if Ts.ndim == 2 and Ts.shape[1] != n_chains:
        raise ValueError(
            f"{func}: temperatures has {Ts.shape[1]} columns for {n_chains} chains"
        )
    if start is None:
        tours = np.argsort(rng.random((n_chains, n)), axis=1)
    else:
        s = np.asarray(start)
        if s.dtype.kind not in "iu" or s.ndim not in (1, 2) or s.shape[-1] != n:
            raise ValueError(
                f"{func}: start must be a tour (n,) or one per chain (n_chains, n) of "
                f"{n} city indices, got dtype {s.dtype} shape {s.shape}"
            )
        try:
            tours = np.broadcast_to(s, (n_chains, n)).copy()
        except ValueError:
            raise ValueError(
                f"{func}: start has {s.shape[0]} tours for {n_chains} chains"
            ) from None
        if not (np.sort(tours, axis=1) == np.arange(n)).all():
            raise ValueError(
                f"{func}: each start tour must be a permutation of 0..{n - 1}"
            )
    record_every = check_count(record_every, func, "record_every", minimum=0)
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
    block = max(1, min(n_steps, BLOCK_DRAWS // (3 * n_chains)))
    for k0 in range(0, n_steps, block):
        b = min(block, n_steps - k0)
        first = rng.integers(1, n, size=(b, n_chains))
        second = rng.integers(1, n - 1, size=(b, n_chains))
        second += second >= first
        lo, hi = np.minimum(first, second), np.maximum(first, second)
        xis = rng.standard_exponential(size=(b, n_chains))
        T_block = Ts[k0 : k0 + b] if Ts.ndim == 2 else Ts[k0 : k0 + b, None]
        for t in range(b):
            i, j = lo[t], hi[t]
            a, bb = tours[rows, i - 1], tours[rows, i]
            c, e = tours[rows, j], tours[rows, (j + 1) % n]
            dL = D[a, c] + D[bb, e] - D[a, bb] - D[c, e]
            # A move that keeps the length (i = 1, j = n - 1 reverses the whole
            # cycle) gives dL = +-1e-17 of rounding noise, not 0; at T = 0 its sign
            # would decide acceptance, and a change of 1e-6 in the input would flip
            # it. Changes below 1e-12 of the tour length count as exactly 0, which
            # dL <= T * xi (xi >= 0) always accepts.
            dL = np.where(np.abs(dL) < 1e-12 * lengths, 0.0, dL)
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
    return AnnealResult(
        tours,
        lengths,
        best_tours,
        best_lengths,
        np.array(steps, dtype=np.int64),
        np.array(trace).reshape(-1, n_chains),
        np.array(best_trace).reshape(-1, n_chains),
        np.array(snaps) if snaps else empty,
    )


def held_karp(dist):
    """Exact shortest closed tour by Held and Karp's dynamic programme, O(2^n n^2) work.

    best[S, j] is the length of the shortest path that starts at city 0,
    visits exactly the set S of other cities and ends at j in S; it is
    min over k in S - {j} of best[S - {j}, k] + d(k, j), computed for all S of
    one size at a time with NumPy. Returns (length, tour starting at 0).
    A tour and its reverse have the same length, and which of the two the
    minimum picks depends on rounding; the tour returned is the canonical one,
    with tour[1] < tour[-1] (the other is reversed after city 0).
    Limited to 22 cities (memory grows as 2^n).
    """
    D = _check_distances(dist, "held_karp")
    n = D.shape[0]
    if n > 22:
        raise ValueError(
            f"held_karp: {n} cities is too many for the exact programme (at most 22)"
        )
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
    tour = np.array([0] + [c + 1 for c in reversed(tour)])
    if tour[1] > tour[-1]:  # canonical direction: the smaller neighbour of 0 first
        tour = np.concatenate(([0], tour[:0:-1]))
    return length, tour
