"""The symbols a page's mathematics uses, against the intro's notation table.

The notation table in ``book/intro.md`` (the Markdown table under the heading
``## Notation``) is the machine-readable list: its first column holds the symbols
a row defines, the other columns are for readers. ``tests/test_notation.py``
fails when a chapter uses a symbol that no row lists, or when two rows list the
same symbol (each symbol means one thing).

The rule that decides what a *symbol* is (the same for the table and the pages):

- Mathematics is the text between ``$...$`` or ``$$...$$`` in a page's prose and
  in the figure captions of its cells (YAML strings, unescaped first), and in the
  Markdown cells of its notebook. Code is not read: Python names are not symbols.
- ``\\text{...}``, ``\\textrm{...}``, ``\\texttt{...}`` and ``\\quad``-like
  spacing are dropped.
- A word in an upright subscript is a label, not a symbol:
  ``t_{\\mathrm{mix}}`` uses ``t`` only.
- A named function is a symbol: ``\\operatorname{softmax}`` and multi-letter
  ``\\mathrm{KL}`` both count as ``\\operatorname{softmax}``/``\\operatorname{KL}``.
  Standard functions written as commands (``\\log``, ``\\exp``, ``\\max``,
  ``\\sum``, ...) are not symbols. A one-letter ``\\mathrm{d}`` (the
  differential) is ``\\mathrm{d}``, not ``d``.
- A calligraphic or blackboard letter is a symbol: ``\\mathcal{U}``,
  ``\\mathbb{E}``.
- A Greek letter command is a symbol (``\\beta``; ``\\varepsilon`` and
  ``\\epsilon`` are the same symbol).
- A decorated letter is its own symbol: ``\\bar u``, ``\\overline{u}`` and
  ``\\bar{u}`` are ``\\bar{u}``; ``\\hat Z`` and ``\\widehat{Z}`` are ``\\hat{Z}``;
  the same for ``\\tilde``.
- Every other Latin letter that stands alone (not part of a command or a word) is
  a symbol, wherever it appears: ``p_i(T)`` uses ``p``, ``i`` and ``T``. So index
  letters are symbols too, and the table lists them.

Boldface, primes, subscripts and superscripts do not make a new symbol:
``p^{(0)}`` and ``p_i`` both use ``p``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTRO = ROOT / "book" / "intro.md"

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")
_DROP = re.compile(
    r"\\(?:text|textrm|texttt|textit|textbf|label|tag|ref|eqref)\s*\{[^{}]*\}"
)
_LABEL = re.compile(r"_\s*\{?\s*\\mathrm\s*\{[A-Za-z]+\}\s*\}?")
_NAMED = re.compile(r"\\(?:operatorname|mathrm|mathit|mathsf)\s*\{\s*([A-Za-z]+)\s*\}")
_FONT = re.compile(r"\\(mathcal|mathbb|mathscr|mathfrak)\s*\{?\s*([A-Za-z])\s*\}?")
_DECOR = re.compile(
    r"\\(bar|overline|hat|widehat|tilde|widetilde)\s*(?:\{\s*(\\?[A-Za-z]+)\s*\}"
    r"|(\\[A-Za-z]+|[A-Za-z]))"
)
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LETTER = re.compile(r"(?<![A-Za-z\\])([A-Za-z])(?![A-Za-z])")
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")

GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa "
    "lambda mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi "
    "psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)
_DECOR_NAME = {
    "bar": "bar",
    "overline": "bar",
    "hat": "hat",
    "widehat": "hat",
    "tilde": "tilde",
    "widetilde": "tilde",
}
_GREEK_ALIAS = {"epsilon": "varepsilon"}


def _unescape_yaml(text: str) -> str:
    """A YAML double-quoted caption's ``\\\\`` is one backslash in the page."""
    return text.replace("\\\\", "\\")


def prose_math(text: str) -> list[str]:
    """The mathematics of a MyST page: prose and cell captions, never code."""
    lines, keep, i = text.splitlines(), [], 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            keep.append(lines[i])
            i += 1
            continue
        fence, i = match[1], i + 1
        if i < len(lines) and lines[i].strip() == "---":  # options: keep captions
            i += 1
            while i < len(lines) and lines[i].strip() != "---":
                if re.match(r"\s*(caption|alt):", lines[i]):
                    keep.append(_unescape_yaml(lines[i]))
                i += 1
            i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            i += 1
        i += 1
    return [m[1] if m[1] is not None else m[2] for m in _MATH.finditer("\n".join(keep))]


def notebook_math(path: Path) -> list[str]:
    """The mathematics of a notebook's Markdown cells."""
    cells = json.loads(Path(path).read_text())["cells"]
    text = "\n\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    return [m[1] if m[1] is not None else m[2] for m in _MATH.finditer(text)]


def symbols(math: str) -> set[str]:
    """The symbols one piece of LaTeX uses, by the rule in the module docstring."""
    found: set[str] = set()
    math = _DROP.sub(" ", math)
    math = _LABEL.sub(" ", math)  # t_{\mathrm{mix}}: a label, not a function

    def named(m: re.Match) -> str:
        name = m[1]
        found.add(
            rf"\mathrm{{{name}}}" if len(name) == 1 else rf"\operatorname{{{name}}}"
        )
        return " "

    math = _NAMED.sub(named, math)

    def font(m: re.Match) -> str:
        found.add(rf"\{m[1]}{{{m[2]}}}")
        return " "

    math = _FONT.sub(font, math)

    def decorated(m: re.Match) -> str:
        base = m[2] or m[3]
        if base.startswith("\\"):
            base = "\\" + _GREEK_ALIAS.get(base[1:], base[1:])
        found.add(rf"\{_DECOR_NAME[m[1]]}{{{base}}}")
        return " "

    math = _DECOR.sub(decorated, math)
    for m in _COMMAND.finditer(math):
        if m[1] in GREEK:
            found.add("\\" + _GREEK_ALIAS.get(m[1], m[1]))
    math = _COMMAND.sub(" ", math)
    math = _WORD.sub(" ", math)  # a word inside math (e.g. top-k's "top") is no symbol
    found.update(_LETTER.findall(math))
    return found


def page_symbols(text: str) -> set[str]:
    """Every symbol a MyST page's mathematics uses."""
    return set().union(*map(symbols, prose_math(text)))


def table_rows(text: str) -> list[tuple[set[str], str]]:
    """The notation table of the intro: (symbols of the first column, the row)."""
    section = text.split("## Notation", 1)[1]
    rows = []
    for line in section.splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        first = line.strip("|").split("|")[0].strip()
        if first in ("symbol", "") or set(first) <= set("-: "):
            continue
        math = [m[1] if m[1] is not None else m[2] for m in _MATH.finditer(first)]
        rows.append((set().union(*map(symbols, math)) if math else set(), line))
    return rows


def listed(text: str | None = None) -> set[str]:
    """The symbols the intro's notation table lists."""
    text = INTRO.read_text() if text is None else text
    return set().union(*(s for s, _ in table_rows(text)))


def unlisted(page_text: str, table: set[str]) -> set[str]:
    """The symbols a page uses that the table does not list."""
    return page_symbols(page_text) - table


if __name__ == "__main__":  # print what each chapter uses that the table lacks
    table = listed()
    for page in sorted((ROOT / "book").glob("[0-9][0-9]-*.md")):
        nb = ROOT / "notebooks" / (page.stem + ".ipynb")
        used = page_symbols(page.read_text())
        if nb.exists():
            used |= set().union(*map(symbols, notebook_math(nb)))
        print(page.stem, sorted(used - table))
