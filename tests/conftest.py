"""Shared fixtures: the book is built once per test session, warnings as errors."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def built_book(testrun_uid) -> Path:
    """Build the whole book once per test run; return the HTML folder.

    The build runs with -W -n --keep-going.

    With pytest-xdist several workers ask for it: a file lock lets the first build
    it and the others reuse that build (the stamp names the test run). The
    execution cache is cleared first: it is keyed on the pages' code only, so a
    change in the package would otherwise leave stale outputs in the book.
    """
    from filelock import FileLock

    (ROOT / "_build").mkdir(exist_ok=True)
    stamp = ROOT / "_build" / ".built-for-test-run"
    with FileLock(ROOT / "_build" / ".book-build.lock"):
        if stamp.exists() and stamp.read_text() == testrun_uid:
            return HTML
        _build_book()
        stamp.write_text(testrun_uid)
    return HTML


def _build_book() -> None:
    shutil.rmtree(ROOT / "_build" / ".jupyter_cache", ignore_errors=True)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--all"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        problems = [
            line
            for line in (result.stdout + result.stderr).splitlines()
            if "WARNING" in line or "ERROR" in line or "Error" in line
        ]
        pytest.fail(
            "book build failed:\n"
            + "\n".join(problems[-40:] or result.stdout.splitlines()[-40:])
        )
