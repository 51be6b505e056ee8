"""Show code that a chapter page and its paired notebook both spell out.

Each page's ``{code-cell}`` blocks and each notebook's code cells are written,
as Python, to a temporary folder (``NN-page.py``, ``NN-notebook.py``); the
workplace's ``duplicates`` command then lists runs of six or more shared lines.
Only pairs within one chapter are reported: code shared by a page and its
notebook belongs once in the ``tempered`` package (or is ``:load:``-ed).

    .venv/bin/python tools/page_notebook_duplicates.py

Exits 1 when a chapter repeats itself, 2 when ``duplicates`` is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_pages import as_python  # noqa: E402
from lint_pages import code_cells  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\s*D\d+\s+(\S+?):\d+-\d+ ~ (\S+?):\d+-\d+")


def write_sources(folder: Path) -> None:
    for page in sorted((ROOT / "book").glob("[0-9][0-9]-*.md")):
        text, _ = as_python(code_cells(page.read_text()))
        (folder / f"{page.name[:2]}-page.py").write_text(text)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        code = "\n\n".join(re.sub(r"(?m)^(\s*)([%!])", r"\1# \2", c) for c in cells)
        (folder / f"{path.name[:2]}-notebook.py").write_text(code + "\n")


def main() -> int:
    if shutil.which("duplicates") is None:
        print(
            "page_notebook_duplicates: the `duplicates` command is not installed here"
        )
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_sources(folder)
        out = subprocess.run(
            ["duplicates", "--repo", tmp, "--most", "200"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    same_chapter = []
    for line in out.splitlines():
        match = ROW.match(line)
        if match and match[1][:2] == match[2][:2] and match[1] != match[2]:
            same_chapter.append(line.strip())
    print("\n".join(same_chapter) or "no code repeated between a page and its notebook")
    return 1 if same_chapter else 0


if __name__ == "__main__":
    sys.exit(main())
