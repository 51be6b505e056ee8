"""Run every ``tempered`` import of the notebooks, book pages and assignments.

    .venv/bin/python tools/check_course_imports.py

Collects the ``import tempered...`` and ``from tempered... import ...``
statements (parenthesised ones included) of the code cells of
``notebooks/*.ipynb`` and ``assignments/*/*.ipynb`` and of the ``{code-cell}``
blocks of ``book/*.md``, and executes each once. Where an import binds a
module (``from tempered.lm import grammar as g``), every attribute the same
file reads from it (``g.kl_and_impossible_mass``) must exist too. So a change
to the package is checked against every name the course uses, in seconds,
without running a notebook. Exits with status 1, listing the failures, if any
import or attribute is missing.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def code_blocks(path: Path) -> list[str]:
    """The code of the notebook's code cells or of the page's ``{code-cell}`` blocks."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return [_drop_cell_options(block) for block in CODE_CELL.findall(path.read_text())]


def _drop_cell_options(block: str) -> str:
    """A MyST code cell without its options (``:tags:`` lines or a ``---`` block)."""
    lines = block.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        lines = [""] * (end + 1) + lines[end + 1 :]
    return "\n".join("" if re.match(r"^:[\w-]+:", ln) else ln for ln in lines)


def parse(code: str) -> ast.Module | None:
    """The code's syntax tree; IPython magics and shell lines become ``pass``."""
    lines = code.split("\n")
    lines = [
        ln[: len(ln) - len(ln.lstrip())] + "pass"
        if ln.lstrip()[:1] in ("%", "!")
        else ln
        for ln in lines
    ]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def tempered_imports(tree: ast.Module) -> list[str]:
    """The source of every import of ``tempered`` in ``tree`` (nested ones too)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if any(name.split(".")[0] == "tempered" for name in names):
            out.append(ast.unparse(node))
    return out


def attributes_read(tree: ast.Module) -> set[tuple[str, str]]:
    """Every ``(name, attribute)`` pair of an expression ``name.attribute``."""
    return {
        (node.value.id, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }


def main() -> int:
    files = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("book/*.md"))
    files += sorted(ROOT.glob("assignments/*/*.ipynb"))
    statements: dict[str, set[str]] = {}
    failures, n_attributes = [], 0
    for path in files:
        name = str(path.relative_to(ROOT))
        trees = [t for t in map(parse, code_blocks(path)) if t is not None]
        namespace: dict = {}
        for tree in trees:
            for stmt in tempered_imports(tree):
                statements.setdefault(stmt, set()).add(name)
                try:
                    exec(stmt, namespace)
                except Exception as err:  # report every failure, not only the first
                    failures.append(
                        f"{stmt}\n    {type(err).__name__}: {err} in {name}"
                    )
        modules = {k: v for k, v in namespace.items() if isinstance(v, ModuleType)}
        for tree in trees:
            for alias, attr in attributes_read(tree):
                module = modules.get(alias)
                if module is None or not module.__name__.startswith("tempered"):
                    continue
                n_attributes += 1
                if not hasattr(module, attr):
                    failures.append(
                        f"{alias}.{attr}: {module.__name__} has no {attr!r}"
                        f" (used in {name})"
                    )
    print(
        f"{len(statements)} distinct tempered imports and {n_attributes} uses of "
        f"attributes of tempered modules in {len(files)} files"
    )
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
