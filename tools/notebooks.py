"""Execute the chapter notebooks in place, and keep what git stores of them clean.

The book renders the outputs stored in ``notebooks/*.ipynb`` (it does not run
them again) and nbval compares the cells tagged ``nbval-check-output`` with
them, so after editing a notebook run

    .venv/bin/python tools/notebooks.py execute notebooks/03-temperature.ipynb

(``make notebooks`` executes all of them). Kernels run as in the book build,
with ``TEMPERED_STATIC_BOOK=1``, so widget cells store their static twins, and
with one BLAS/OpenMP thread, as in the tests. Cells tagged ``nbval-skip`` (the
timings of widget ticks, which differ on every run) are left unexecuted, so a
re-execution changes nothing but results.

    .venv/bin/python tools/notebooks.py check

lists what should not be in git: execution timestamps, widget state, cells
run out of order, error outputs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SKIP_TAG = "nbval-skip"
KERNEL_ENV = {
    "TEMPERED_STATIC_BOOK": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop run-to-run metadata: timestamps, widget state, and trailing whitespace."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What a stored notebook should not have; empty when it is clean."""
    found = []
    if "widgets" in nb.metadata:
        found.append("widget state in the notebook metadata")
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index}"
        if "execution" in cell.metadata:
            found.append(f"{where}: execution timestamps in its metadata")
        skipped = SKIP_TAG in cell.metadata.get("tags", [])
        if skipped:
            if cell.outputs or cell.execution_count is not None:
                found.append(f"{where}: tagged {SKIP_TAG} but has stored output")
            continue
        count += 1
        if cell.execution_count != count:
            found.append(
                f"{where}: execution count {cell.execution_count}, expected "
                f"{count} (not run top to bottom)"
            )
        for output in cell.outputs:
            if output.output_type == "error":
                found.append(f"{where}: stores an error ({output.get('ename')})")
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                found.append(f"{where}: stores a live widget view, not its static twin")
    return found


class _SkippingClient(NotebookClient):
    """Leave cells tagged nbval-skip unexecuted (and without outputs)."""

    async def async_execute_cell(
        self, cell, cell_index, execution_count=None, store_history=True
    ):
        if SKIP_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
            cell.execution_count = None
            return cell
        return await super().async_execute_cell(
            cell, cell_index, execution_count, store_history
        )


def execute(path: Path) -> float:
    """Run one notebook top to bottom, clean it, write it back.

    Returns the seconds taken.
    """
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    saved = {key: os.environ.get(key) for key in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)  # the kernel inherits this process's environment
    try:
        _SkippingClient(
            nb,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            store_widget_state=False,
        ).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - start
    nbformat.write(clean(nb), path)
    return seconds


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("execute", [])
    paths = [Path(a).resolve() for a in args] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if command == "execute":
        for path in paths:
            print(
                f"{path.relative_to(ROOT)}: executed in {execute(path):.1f} s",
                flush=True,
            )
        return 0
    if command == "check":
        bad = {p: problems(nbformat.read(p, as_version=4)) for p in paths}
        for path, found in bad.items():
            for problem in found:
                print(f"{path.relative_to(ROOT)}: {problem}")
        return 1 if any(bad.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
