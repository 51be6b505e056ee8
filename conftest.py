"""Project-wide pytest set-up: pin thread counts, and block the network for pytest and
everything it spawns.

Putting tests/netguard on PYTHONPATH makes every Python process started during
the run (notebook kernels, the book build) import its sitecustomize, which
refuses non-loopback connections. Importing it here guards pytest itself.
"""

import importlib.util
import os
from pathlib import Path

import pytest

# One thread for BLAS and OpenMP, in pytest and in every kernel it starts: how a
# reduction is split between threads changes its rounding. Set before NumPy or torch
# is imported by a test; `make test-repro` overrides them to prove nothing depends
# on it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

GUARD_DIR = Path(__file__).parent / "tests" / "netguard"
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if str(GUARD_DIR) not in _paths:  # the xdist workers inherit the controller's
    os.environ["PYTHONPATH"] = os.pathsep.join([str(GUARD_DIR), *_paths])
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_spec = importlib.util.spec_from_file_location(
    "netguard", GUARD_DIR / "sitecustomize.py"
)
# installs the guard in pytest itself
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))


# Test files in the order the workers should start them: the longest first, so that
# no long file starts last, and the browser tests last, since they wait for the book.
# Unlisted files go in between, in collection order.
FIRST = (
    "tests/test_assignments.py",
    "tests/test_grading_attacks.py",
    "notebooks/06-",
    "notebooks/11-",
    "notebooks/10-",
    "notebooks/05-",
    "tests/test_package_install.py",
    "notebooks/",
)
# The notebooks in JupyterLab go just before the book's browser tests: they need no
# book, so the workers run them while the book is still being built. Each notebook is
# a unit of its own (a worker starts one JupyterLab for those it gets): run one after
# another on one worker, the eleven notebooks were the last tests to finish.
BEFORE_LAST = ("tests/lab/",)
LAST = ("tests/browser/",)


def pytest_configure(config):
    """Start the strict book build now, when this run includes tests that read it.

    The xdist workers run at a lower priority: the build (started by the controller)
    is the longest chain of the run, since the browser tests wait for it, so it gets
    a core whenever it wants one and the workers fill the rest.
    """
    from tests import book_build
    from tests import forked_kernels

    if book_build.starts_run(config):
        book_build.name_run()
        if forked_kernels.wanted(config.args, config.invocation_params.dir):
            # Before the book build and the workers start, so that all their
            # kernels come from it (tests/forked_kernels).
            config.kernel_fork_server = forked_kernels.start()
        book_build.start_early(config)
    if forked_kernels.SOCKET_ENV in os.environ:
        forked_kernels.use_for_nbval()
    if hasattr(config, "workerinput") and hasattr(os, "nice"):
        os.nice(5)


def pytest_unconfigure(config):
    server = getattr(config, "kernel_fork_server", None)
    if server is not None:
        from tests import forked_kernels

        forked_kernels.stop(server)


def pytest_terminal_summary(terminalreporter, config):
    """How many of the run's kernels the fork server started."""
    from tests import forked_kernels

    if getattr(config, "kernel_fork_server", None) is not None:
        terminalreporter.write_line("kernels: " + forked_kernels.summary())


def run_rank(nodeid: str) -> int:
    """Where a file goes in the run: its index in FIRST, then the rest, then LAST."""
    for rank, prefix in enumerate(FIRST):
        if nodeid.startswith(prefix):
            return rank
    if nodeid.startswith(BEFORE_LAST):
        return len(FIRST) + 1
    if nodeid.startswith(LAST):
        return len(FIRST) + 2
    return len(FIRST)


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
    # A stable sort keeps the order of the tests within a file.
    items.sort(key=lambda item: run_rank(item.nodeid))


@pytest.hookimpl(optionalhook=True)  # unknown to pytest when run with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadfile``: a file's tests stay on one worker (a notebook in one
    kernel, a module's fixtures built once), except the browser and JupyterLab tests.
    Each of those is a unit of its own, so that the pages, which can only start once
    the book is built, and the notebooks in JupyterLab are shared by every worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesButPagesApart(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(LAST + BEFORE_LAST):
                return nodeid
            return super()._split_scope(nodeid)

    return FilesButPagesApart(config, log)
