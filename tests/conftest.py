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
        # The run's name, set by book_build.start_early (also without xdist).
        os.environ.get(book_build.RUN_ENV) or uuid.uuid4().hex
    )
    if not ok:
        pytest.fail("book build failed:\n" + problems)
    return book_build.HTML
