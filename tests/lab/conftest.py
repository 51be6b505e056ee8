"""The notebooks in JupyterLab need Chromium (the ``browser`` fixture of
tests/conftest.py) but not the built book, so they live apart from the browser tests
of the book: run alone, they do not start a book build (tests/book_build.py)."""
