"""The maintenance tools find what they are for."""

import subprocess
import sys
from pathlib import Path

from tests.tool_module import load_tool

ROOT = Path(__file__).resolve().parents[1]


_tool = load_tool


PAGE = """# A page

```{code-cell} ipython3
---
tags: [remove-input]
---
import numpy as np
x = np.arange(3)
```

Some prose with a long line that ruff must not read because it is not code at all, no.

```{code-cell} ipython3
:tags: [hide-output]
%matplotlib inline
y = x + undefined_name
```
"""


def test_page_cells_are_found_without_their_options():
    cells = _tool("lint_pages").code_cells(PAGE)
    assert [body for _, body in cells] == [
        ["import numpy as np", "x = np.arange(3)"],
        ["%matplotlib inline", "y = x + undefined_name"],
    ]
    assert [start for start, _ in cells] == [7, 15]


def test_lint_pages_reports_a_problem_at_the_page_line(tmp_path, monkeypatch):
    lint_pages = _tool("lint_pages")
    book = tmp_path / "book"
    book.mkdir()
    page = book / "99-test.md"
    page.write_text(PAGE)
    monkeypatch.setattr(lint_pages, "ROOT", tmp_path)
    found = lint_pages.lint(page)
    assert any(":16:" in line and "F821" in line for line in found), found
    assert not any("E501" in line for line in found)  # prose is not linted


def test_the_chapter_pages_are_lint_clean():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "lint_pages.py")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_pre_commit_config_is_valid():
    pre_commit = Path(sys.executable).parent / "pre-commit"
    result = subprocess.run(
        [str(pre_commit), "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_bibliography_parses_with_unique_keys():
    """Every entry of references.bib closes, and no key appears twice (a merge that
    keeps both sides' lines once dropped an entry's closing brace)."""
    import re

    from pybtex.database import parse_file

    path = ROOT / "references.bib"
    keys = re.findall(r"^@\w+\{([^,\s]+),", path.read_text(), re.MULTILINE)
    assert len(keys) == len(set(keys)), "a key appears twice in references.bib"
    assert len(parse_file(str(path)).entries) == len(keys)
