"""Pin what makes a floating-point result vary from run to run on the same CPU.

Thread counts decide how BLAS and torch split a reduction, and so the order in
which numbers are added; seeds decide every random draw. Fixing both makes a
notebook repeat its own results exactly on one machine. It cannot make another
CPU's SIMD kernels round like this one's: results that a training run amplifies
are therefore checked with tolerances, never compared digit for digit.
"""

from __future__ import annotations

import numpy as np

from ._optional import optional
from ._validate import check_count

__all__ = ["fix_threads_and_seeds"]


def fix_threads_and_seeds(seed: int = 0, threads: int = 1) -> np.random.Generator:
    """Pin BLAS, OpenMP and torch to ``threads`` threads, seed torch; return an rng.

    Also asks torch for deterministic algorithms. Call it once at the top of a
    notebook (or test) whose numbers must repeat; it returns
    ``np.random.default_rng(seed)`` for the NumPy draws.
    """
    seed = check_count(seed, "fix_threads_and_seeds", "seed", minimum=0)
    threads = check_count(threads, "fix_threads_and_seeds", "threads")
    # Both are optional: each is pinned when installed, and skipped otherwise.
    threadpoolctl = optional("threadpoolctl")
    if threadpoolctl is not None:  # BLAS and OpenMP pools loaded by NumPy, SciPy, torch
        threadpoolctl.threadpool_limits(limits=threads)
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(seed)
    return np.random.default_rng(seed)
