"""Throughput of the vectorised Metropolis sampler (tempered.mcmc.metropolis).

Prints proposals per second on chapter 5's 200-state landscape at T = 1, with
proposals of 1 to 5 states left or right, for several numbers of chains run
side by side (median of 5 runs after a warm-up). Goal: at least 1e6 per second.

    .venv/bin/python benchmarks/bench_metropolis.py
"""

from __future__ import annotations

import time

import numpy as np

from tempered.energy import rugged_landscape
from tempered.mcmc import grid_neighbours
from tempered.mcmc import metropolis

GOAL = 1e6


def proposals_per_second(
    energies, neighbours, n_chains: int, n_steps: int, repeats: int = 5
) -> float:
    """Median rate over ``repeats`` runs of ``n_steps`` steps of ``n_chains`` chains."""
    metropolis(
        energies, 1.0, 50, n_chains=n_chains, neighbours=neighbours, rng=0
    )  # warm-up
    rates = []
    for seed in range(repeats):
        start = time.perf_counter()
        metropolis(
            energies, 1.0, n_steps, n_chains=n_chains, neighbours=neighbours, rng=seed
        )
        rates.append(n_chains * n_steps / (time.perf_counter() - start))
    return float(np.median(rates))


def main() -> None:
    energies = rugged_landscape(200, seed=0)
    neighbours = grid_neighbours(energies.size, reach=5)
    print(f"{'chains':>7s} {'steps':>7s} {'proposals/s':>14s}  goal {GOAL:.0e}")
    for n_chains, n_steps in [
        (1, 20_000),
        (10, 20_000),
        (100, 10_000),
        (1_000, 2_000),
        (10_000, 300),
    ]:
        rate = proposals_per_second(energies, neighbours, n_chains, n_steps)
        flag = "" if rate >= GOAL else "  below goal"
        print(f"{n_chains:7d} {n_steps:7d} {rate:14,.0f}{flag}", flush=True)


if __name__ == "__main__":
    main()
