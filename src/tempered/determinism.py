"""Pin what makes a floating-point result vary from run to run on the same CPU.

Thread counts decide how BLAS and torch split a reduction, and so the order in
which numbers are added; seeds decide every random draw. Fixing both makes a
notebook repeat its own results exactly on one machine. It cannot make another
CPU's SIMD kernels round like this one's: results that a training run amplifies
are therefore checked with tolerances, never compared digit for digit.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["fix_threads_and_seeds"]


def fix_threads_and_seeds(seed: int = 0, threads: int = 1) -> np.random.Generator:
    """Use ``threads`` threads in BLAS, OpenMP and torch, seed torch, return a NumPy generator.

    Also asks torch for deterministic algorithms. Call it once at the top of a
    notebook (or test) whose numbers must repeat; it returns
    ``np.random.default_rng(seed)`` for the NumPy draws.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"fix_threads_and_seeds: seed must be an integer >= 0, got {seed!r}")
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ValueError(
            f"fix_threads_and_seeds: threads must be an integer >= 1, got {threads!r}"
        )
    try:  # BLAS (OpenBLAS, MKL) and OpenMP pools already loaded by NumPy, SciPy or torch
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl is optional; torch below is still pinned
        pass
    else:
        threadpool_limits(limits=int(threads))
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(int(threads))
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(int(seed))
    return np.random.default_rng(int(seed))
