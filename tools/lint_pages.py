"""Run ruff on the code cells of the chapter pages (executable MyST Markdown).

ruff reads ``.py`` and ``.ipynb`` files but not MyST pages, so each page's
``{code-cell}`` blocks are joined, in order, into one Python text that ruff reads
from standard input; its findings are reported at the page's own line numbers.

    .venv/bin/python tools/lint_pages.py [book/03-temperature.md ...]
    .venv/bin/python tools/lint_pages.py --format [pages ...]

Exits 1 when ruff finds anything. ``--format`` first rewrites each cell with
``ruff format`` and sorts its imports (cell by cell: a page's cells share one
namespace, so unused-import fixes are left to the author).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


def code_cells(text: str) -> list[tuple[int, list[str]]]:
    """Each code cell as (page line number of its first code line, its code lines).

    The cell's options (a ``---`` YAML block or ``:key: value`` lines) are left out.
    """
    lines = text.splitlines()
    cells, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, i = match[1], i + 1
        if i < len(lines) and lines[i].strip() == "---":  # YAML options block
            i += 1
            while i < len(lines) and lines[i].strip() != "---":
                i += 1
            i += 1
        options = i
        while i < len(lines) and re.match(r"^:\w[\w-]*:", lines[i]):
            i += 1
        if i > options and i < len(lines) and not lines[i].strip():
            i += 1  # the blank line that ends short options belongs to the header
        start, body = i, []
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        cells.append((start + 1, body))
        i += 1
    return cells


def as_python(cells) -> tuple[str, list[int]]:
    """The cells as one Python text, and the page line of each of its lines."""
    text, where = [], []
    for start, body in cells:
        for offset, line in enumerate(body):
            # IPython magics are not Python: keep the line count, hide the magic
            text.append("# " + line if line.lstrip().startswith(("%", "!")) else line)
            where.append(start + offset)
        text.append("")  # a blank line between cells, mapped to the cell's end
        where.append(start + len(body))
    return "\n".join(text) + "\n", where


def lint(page: Path) -> list[str]:
    """ruff's findings for one page, as ``path:line:col: CODE message``."""
    source, where = as_python(code_cells(page.read_text()))
    rel = page.relative_to(ROOT)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            str(rel.with_suffix(".py")),
            "-",
        ],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"lint_pages: ruff failed on {rel}: {result.stderr}")
    found = []
    for item in json.loads(result.stdout or "[]"):
        row = item["location"]["row"]
        line = where[row - 1] if 0 < row <= len(where) else row
        found.append(
            f"{rel}:{line}:{item['location']['column']}: "
            f"{item['code']} {item['message']}"
        )
    return found


def _ruff_fix_cell(code: str) -> str | None:
    """The cell formatted and import-sorted by ruff, or None if ruff cannot parse it."""
    for args in (["check", "--select", "I", "--fix", "--quiet"], ["format"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--stdin-filename", "cell.py", "-"],
            input=code,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if result.returncode not in (0, 1) or not result.stdout:
            return None
        code = result.stdout
    return code


def format_page(page: Path) -> None:
    """Rewrite the code cells of a page with ruff's formatter, in place."""
    lines = page.read_text().splitlines()
    for start, body in reversed(code_cells("\n".join(lines))):
        masked = [
            "# MAGIC " + x if x.lstrip().startswith(("%", "!")) else x for x in body
        ]
        fixed = _ruff_fix_cell("\n".join(masked) + "\n")
        if fixed is None:
            continue
        new = [x.removeprefix("# MAGIC ") for x in fixed.rstrip("\n").split("\n")]
        lines[start - 1 : start - 1 + len(body)] = new
    page.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    fix = "--format" in argv
    argv = [a for a in argv if a != "--format"]
    pages = [Path(a).resolve() for a in argv] or sorted((ROOT / "book").glob("*.md"))
    if fix:
        for page in pages:
            format_page(page)
    found = [problem for page in pages for problem in lint(page)]
    print("\n".join(found) if found else f"lint_pages: {len(pages)} pages clean")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
