"""The notebooks in JupyterLab need Chromium (tests/browser) but not the built book,
so they live apart from the browser tests of the book: run alone, they do not
start a book build (tests/book_build.py)."""

from tests.browser.conftest import browser  # noqa: F401  (the session's Chromium)
