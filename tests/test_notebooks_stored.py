"""What git stores of the notebooks: clean, run top to bottom, and what the book
renders."""

from pathlib import Path

import nbformat
import pytest

from tests.tool_module import load_tool

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
notebook_tools = load_tool("notebooks", "notebook_tools")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_is_clean_and_was_run_top_to_bottom(path):
    problems = notebook_tools.problems(nbformat.read(path, as_version=4))
    assert not problems, (
        "run `make notebooks` (tools/notebooks.py execute):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_asserts_its_claims(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "assert " in code or "check_close(" in code, f"{path.name} asserts nothing"


def test_the_check_finds_what_it_must():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=2)
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-29T10:00:00Z"}
    cell.outputs = [
        nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])
    ]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"state": {}}
    found = "\n".join(notebook_tools.problems(nb))
    for expected in ("widget state", "timestamps", "expected 1", "stores an error"):
        assert expected in found
    assert not notebook_tools.problems(notebook_tools.clean(nbformat.v4.new_notebook()))
