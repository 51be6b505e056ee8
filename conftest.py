"""Project-wide pytest set-up: pin thread counts, and block the network for pytest and
everything it spawns.

Putting tests/netguard on PYTHONPATH makes every Python process started during
the run (notebook kernels, the book build) import its sitecustomize, which
refuses non-loopback connections. Importing it here guards pytest itself.
"""

import importlib.util
import os
from pathlib import Path

# One thread for BLAS and OpenMP, in pytest and in every kernel it starts: how a
# reduction is split between threads changes its rounding. Set before NumPy or torch
# is imported by a test; `make test-repro` overrides them to prove nothing depends
# on it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

GUARD_DIR = Path(__file__).parent / "tests" / "netguard"
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(GUARD_DIR), os.environ.get("PYTHONPATH")])
)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_spec = importlib.util.spec_from_file_location(
    "netguard", GUARD_DIR / "sitecustomize.py"
)
# installs the guard in pytest itself
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))


def pytest_configure(config):
    """Start the strict book build now, when this run includes tests that read it."""
    from tests import book_build

    book_build.start_early(config)


def pytest_collection_modifyitems(config, items):
    """Leave out the notebook cells tagged ``nbval-skip`` (widget-tick timings).

    They are not tests: their output differs on every run, so the stored notebook
    keeps them unexecuted (tools/notebooks.py). Deselected, they are not counted
    as skipped tests.
    """
    timing = [
        item
        for item in items
        if "nbval-skip" in getattr(item, "cell", {}).get("metadata", {}).get("tags", [])
    ]
    if timing:
        config.hook.pytest_deselected(items=timing)
        items[:] = [item for item in items if item not in timing]
