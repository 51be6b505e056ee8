"""Shared fixtures: the book is built once per test run, warnings as errors."""

import os
import uuid
from pathlib import Path

import pytest

from tests import book_build


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The HTML folder of the book, built once per test run with -W -n --keep-going.

    See tests/book_build.py: the build usually started when pytest did.
    """
    ok, problems = book_build.build_once(
        # The run's name, set by book_build.name_run (also without xdist).
        os.environ.get(book_build.RUN_ENV) or uuid.uuid4().hex
    )
    if not ok:
        pytest.fail("book build failed:\n" + problems)
    return book_build.HTML


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, one per test process (tests/browser
    and tests/lab share it: a second sync Playwright in a process fails)."""
    import shutil

    from tests.browser.conftest import CHROMIUM
    from tests.browser.conftest import FLAGS

    if not shutil.which("chromium") and not shutil.which(CHROMIUM):
        pytest.skip(
            "LOUD: Debian's chromium is not installed and apt was unavailable;"
            " browser tests did not run"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
