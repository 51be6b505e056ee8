"""`jupyter-book build`, with the chapter pages executed several at a time.

Usage: the arguments of `jupyter-book build`, e.g.
    python tools/build_book.py . -W -n --keep-going

Executing the pages is most of a build, and Jupyter Book executes them one after
another. Sphinx can read documents in parallel processes (every extension the book
uses declares itself safe for it), and myst-nb executes a page while reading it,
so this runs Jupyter Book's own command with Sphinx's ``parallel`` set to
TEMPERED_BOOK_JOBS (default: the number of CPUs, at least 2). Sphinx reads in
batches of several documents; here each document is a batch of its own, so that
the slowest page does not hold others back behind it.
"""

import functools
import os
from pathlib import Path

import jupyter_book.cli.main as jupyter_book_cli
import jupyter_book.sphinx
import jupyter_cache.cache.main as jupyter_cache_main
import sphinx.builders
import sphinx_jupyterbook_latex
import sphinx_multitoc_numbering
from filelock import FileLock
from sphinx_proof.domain import ProofDomain


def jobs() -> int:
    """The number of pages executed at once."""
    setting = os.environ.get("TEMPERED_BOOK_JOBS", "")
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise SystemExit(
                f"tools/build_book.py: TEMPERED_BOOK_JOBS must be a positive integer,"
                f" not {setting!r}"
            )
        return int(setting)
    return max(2, os.cpu_count() or 1)


def one_document_per_batch(docnames, nproc, maxbatch=10):
    """Sphinx's make_chunks, with batches of one document each."""
    return [[name] for name in docnames]


def declared_parallel_safe(setup):
    """An extension's setup, declaring that it may read documents in parallel."""

    @functools.wraps(setup)
    def wrapped(app):
        return {**(setup(app) or {}), "parallel_read_safe": True}

    return wrapped


def merge_nothing(domain, docnames, otherdata) -> None:
    """merge_domaindata of a domain that stores nothing in its domain data."""


def create_cache_db_once(path):
    """jupyter-cache's create_db, one process at a time: pages executed in parallel
    would otherwise race to create the execution cache's tables."""
    with FileLock(Path(path) / ".create-db.lock"):
        return _create_db(path)


_create_db = jupyter_cache_main.create_db


def main() -> None:
    # Two of Jupyter Book's extensions do not say whether they are parallel-safe,
    # and Sphinx then reads serially. Both are: the section numbering across parts
    # replaces how numbers are assigned, which Sphinx does once after every document
    # is read and merged; the LaTeX one adds per-document transforms and nodes.
    for extension in (sphinx_multitoc_numbering, sphinx_jupyterbook_latex):
        extension.setup = declared_parallel_safe(extension.setup)
    # sphinx-proof keeps its proofs in env.proof_list, which it merges itself
    # (env-merge-info); its domain holds no data, yet Sphinx asks it to merge some.
    ProofDomain.merge_domaindata = merge_nothing
    jupyter_cache_main.create_db = create_cache_db_once
    sphinx.builders.make_chunks = one_document_per_batch
    # The command imports build_sphinx when it runs, so patching the module suffices.
    jupyter_book.sphinx.build_sphinx = functools.partial(
        jupyter_book.sphinx.build_sphinx, jobs=jobs()
    )
    jupyter_book_cli.build(prog_name="jupyter-book build")


if __name__ == "__main__":
    main()
