"""Execute notebooks in place so their stored outputs are fresh.

nbval compares the outputs of cells tagged ``nbval-check-output`` with the
outputs stored in the notebook, so after editing a notebook run:

    .venv/bin/python tools/execute_notebooks.py notebooks/03-temperature.ipynb

With no argument every notebook under notebooks/ is executed. Each runs in its
own folder. Widget state is not stored: a live kernel recreates the widgets,
and the built book shows their static twins (see tempered.widgets.static).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    """Run one notebook top to bottom, write it back, and return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   store_widget_state=False).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.relative_to(ROOT)}: executed in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
