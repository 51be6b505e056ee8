"""Timing shared by the benchmark scripts (imported by name: each script runs from
this folder, which Python puts first on ``sys.path``)."""

import time

import numpy as np


def median_seconds(func, repeats=15, warmup=2) -> float:
    """Median wall time of ``func()`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
