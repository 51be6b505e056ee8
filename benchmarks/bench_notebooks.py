"""Execution time of every notebook in notebooks/, run as the test suite runs them.

Each notebook is executed top to bottom in a fresh kernel (nothing is written
back). Prints seconds per notebook next to its budget from the issues.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = {
    "01": 15,
    "02": 15,
    "03": 15,
    "04": 15,
    "05": 30,
    "06": 60,
    "07": 60,
    "08": 60,
    "09": 60,
}


def main() -> None:
    print(f"{'notebook':<40s} {'seconds':>8s} {'budget':>7s}")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        seconds = time.perf_counter() - start
        budget = BUDGET_SECONDS.get(path.name[:2], 60)
        flag = "" if seconds <= budget else "  OVER BUDGET"
        print(f"{path.name:<40s} {seconds:8.1f} {budget:7d}{flag}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
