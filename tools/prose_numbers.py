"""Numbers typed into a chapter's prose, against the numbers its code computes.

The book's rule is that a number the code computes is glued into the prose, never
typed. Without building the book, the computed numbers are those printed in the
stored outputs of the chapter's paired notebook (the notebook checks every claim
of the page, and ``tests/test_notebooks_stored.py`` keeps its outputs current).

The rule, made mechanical:

- A *typed number* is a decimal literal with a decimal point and at least two
  significant digits (``0.0172``, ``1.81``, ``709.8``; not ``0.1`` or ``2``) in
  the page's prose: outside code cells, inline code, ``$...$`` mathematics (where
  numbers are inputs or exact arithmetic), glue roles, and lines that cite a
  source (a number quoted from the literature is not computed here).
- A typed number that also appears as a literal in the code of the page or of
  its notebook is an *input* (a temperature, a threshold) and is left alone.
- A *stored number* is any number printed in the notebook's stored outputs. It
  is compared with a typed number only when it is printed with at least as many
  decimals (a printed ``0.1`` says nothing about a typed ``0.12``).

Two findings:

- *typed*: the typed number equals a stored number rounded to the typed
  precision. It is computed, so it must be glued instead.
- *contradiction*: no stored number rounds to the typed one, but one rounds to
  within three units of its last digit (``0.0025`` typed, ``0.00227`` printed)
  *and* plays the same role: its output line shares a word (four letters or
  more, not a common word) with the typed number's sentence (its line and the
  line before). It is the same quantity, mistyped or stale.

    .venv/bin/python tools/prose_numbers.py [book/05-*.md ...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_NUMBER = re.compile(r"(?<![\w.,\-])(-?\d+(?:,\d{3})*\.\d+)(?![\w]|\.\d)")
_ANY_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?")
_FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")
_SKIP = re.compile(r"\$\$.+?\$\$|\$.+?\$|`[^`]*`|\{glue:[a-z]+\}`[^`]*`", re.S)
NEAR = 3  # units of the last typed digit
_WORD = re.compile(r"[A-Za-z]{4,}")
COMMON = set(
    "about also among and are been both does each every from have into more most "
    "much only other over same such than that their them then there these they "
    "this those under very what when where which while with would your".split()
)


def words(text: str) -> set[str]:
    """The naming words of a piece of text, lower case."""
    return {w.lower() for w in _WORD.findall(text)} - COMMON


def split_page(text: str) -> tuple[list[tuple[int, str]], str]:
    """(line number, prose line) pairs, and the code of every code cell."""
    prose, code, lines, i = [], [], text.splitlines(), 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            prose.append((i + 1, lines[i]))
            i += 1
            continue
        fence, i = match[1], i + 1
        if i < len(lines) and lines[i].strip() == "---":  # options: neither
            i += 1
            while i < len(lines) and lines[i].strip() != "---":
                i += 1
            i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            code.append(lines[i])
            i += 1
        i += 1
    return prose, "\n".join(code)


def typed_numbers(prose: list[tuple[int, str]]) -> list[tuple[int, str, set[str]]]:
    """The typed numbers of the prose, by the rule of the module docstring, each
    with its line number and the words of its line and the line before."""
    text = "\n".join(line for _, line in prose)
    text = _SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)  # keep lines
    found, previous = [], ""
    for (number, _), line in zip(prose, text.split("\n")):
        context, previous = words(previous + " " + line), line
        if "{cite}" in line or re.match(r"\s*(\||:|\([\w-]+\)=)", line):
            continue  # quoted from a source; a table row, an option or a label
        for literal in _NUMBER.findall(line):
            digits = literal.replace(",", "").replace("-", "").replace(".", "")
            if len(digits.lstrip("0")) >= 2:
                found.append((number, literal, context))
    return found


def notebook_parts(path: Path) -> tuple[str, list[tuple[float, int, set[str]]]]:
    """A notebook's code, and every number its stored outputs print, with its
    number of decimals and the words of its output line."""
    cells = json.loads(Path(path).read_text())["cells"]
    code, numbers = [], []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        code.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) + "".join(
                out.get("data", {}).get("text/plain", "")
            )
            for line in text.splitlines():
                for literal in _ANY_NUMBER.findall(line):
                    mantissa = literal.split("e")[0]
                    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
                    value = float(literal.replace(",", ""))
                    numbers.append((value, places, words(line)))
    return "\n".join(code), numbers


def findings(
    page_text: str, notebook_code: str, stored: list[tuple[float, int, set[str]]]
) -> list[str]:
    """Typed numbers that are computed (glue them) or that contradict one."""
    prose, page_code = split_page(page_text)
    code = page_code + "\n" + notebook_code
    problems = []
    for line, literal, context in typed_numbers(prose):
        if re.search(r"(?<![\d.])" + re.escape(literal) + r"(?!\d)", code):
            continue  # an input, typed in the code too
        value = float(literal.replace(",", ""))
        places = len(literal.split(".")[1])
        precise = [(y, w) for y, decimals, w in stored if decimals >= places]
        if value in [round(y, places) for y, _ in precise]:
            problems.append(f"line {line}: {literal} is computed by the code: glue it")
            continue
        unit = 10.0**-places
        near = [
            y
            for y, w in precise
            if abs(round(y, places) - value) <= NEAR * unit and w & context
        ]
        if near:
            problems.append(
                f"line {line}: {literal} contradicts the stored {near[0]:g}"
            )
    return problems


def page_findings(page: Path) -> list[str]:
    """Findings for a chapter page against its paired notebook."""
    notebook = ROOT / "notebooks" / (page.stem + ".ipynb")
    code, stored = notebook_parts(notebook) if notebook.exists() else ("", [])
    return findings(page.read_text(), code, stored)


if __name__ == "__main__":
    pages = [Path(p) for p in sys.argv[1:]] or sorted(
        (ROOT / "book").glob("[0-9][0-9]-*.md")
    )
    bad = 0
    for page in pages:
        for problem in page_findings(page):
            print(f"{page.name}: {problem}")
            bad += 1
    sys.exit(1 if bad else 0)
