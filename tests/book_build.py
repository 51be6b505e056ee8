"""One strict book build per test run, started as early as possible.

The build (about two minutes) is the longest single step of `make test`. The
pytest process that starts the run (the xdist controller, which otherwise only
waits) begins it in a thread as soon as pytest is configured, so it overlaps
the workers' other tests; the ``built_book`` fixture then waits for it. A file
lock and a stamp naming the run make sure that the book is built once, whoever
asks first.
"""

import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from tests.netguard import offline

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
STAMP = ROOT / "_build" / ".built-for-test-run"
LOCK = ROOT / "_build" / ".book-build.lock"
RUN_ENV = "TEMPERED_BOOK_TEST_RUN"
NEEDS_BOOK = (ROOT / "tests" / "test_book.py", ROOT / "tests" / "browser")


def wants_book(args, invocation_dir) -> bool:
    """True when the paths pytest was given include tests that read the built book."""
    for arg in args:
        path = (Path(invocation_dir) / arg.split("::")[0]).resolve()
        if any(path == need or path in need.parents for need in NEEDS_BOOK):
            return True
    return False


def build_once(run_id: str) -> tuple[bool, str]:
    """Build the book unless this run already did; return (ok, problems)."""
    from filelock import FileLock

    (ROOT / "_build").mkdir(exist_ok=True)
    with FileLock(LOCK):
        if STAMP.exists():
            stamped_run, _, status = STAMP.read_text().partition("\n")
            if stamped_run == run_id:
                return status.startswith("ok"), status.partition("\n")[2]
        ok, problems = _build()
        STAMP.write_text(f"{run_id}\n{'ok' if ok else 'failed'}\n{problems}")
        return ok, problems


def _build() -> tuple[bool, str]:
    # The execution cache is keyed on the pages' code only: a change in the package
    # would leave stale outputs, so every test run executes the pages afresh.
    shutil.rmtree(ROOT / "_build" / ".jupyter_cache", ignore_errors=True)
    # `jupyter-book build`, executing the pages in parallel (tools/build_book.py).
    script = ROOT / "tools" / "build_book.py"
    build = [
        sys.executable,
        str(script),
        str(ROOT),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    # Offline for real: a network namespace with only loopback (and the Python guard).
    result = subprocess.run(
        offline.command(build),
        capture_output=True,
        text=True,
        timeout=1800,
        env=offline.guarded_env(),
    )
    if result.returncode == 0:
        return True, ""
    output = result.stdout + result.stderr
    problems = [
        line
        for line in output.splitlines()
        if "WARNING" in line or "ERROR" in line or "Error" in line
    ]
    return False, "\n".join(problems[-40:] or result.stdout.splitlines()[-40:])


def share_training(run_id: str) -> None:
    """Let the page and the notebook of a chapter train its models once per run.

    See tempered._run_cache: the folder is new for each run, so every run still
    trains each model once; results of earlier runs are removed.
    """
    runs = ROOT / "_build" / ".run-cache"
    shutil.rmtree(runs, ignore_errors=True)
    os.environ.setdefault("TEMPERED_RUN_CACHE", str(runs / run_id))


def starts_run(config) -> bool:
    """True in the process that starts a run: not an xdist worker, nor a run
    inside a run (which is named already)."""
    return not hasattr(config, "workerinput") and RUN_ENV not in os.environ


def name_run() -> None:
    """Name the run and give it its training cache (the workers inherit both)."""
    os.environ[RUN_ENV] = uuid.uuid4().hex
    share_training(os.environ[RUN_ENV])


def start_early(config) -> None:
    """In the process that starts the run, once it is named: begin the build."""
    if wants_book(config.args, config.invocation_params.dir):
        thread = threading.Thread(
            target=build_once, args=(os.environ[RUN_ENV],), daemon=True
        )
        thread.start()
