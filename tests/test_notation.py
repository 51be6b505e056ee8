"""One notation: every symbol a chapter's mathematics uses is in the intro's table.

The rule that decides what counts as a symbol is documented in
``tools/notation.py``. Cheap: it reads text files only (well under a second).
"""

from pathlib import Path

import pytest

from tests.tool_module import load_tool

ROOT = Path(__file__).resolve().parents[1]
notation = load_tool("notation")

PAGES = sorted((ROOT / "book").glob("[0-9][0-9]-*.md"))
TABLE = notation.listed()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_symbol_of_a_chapter_is_in_the_notation_table(page):
    used = notation.page_symbols(page.read_text())
    paired = ROOT / "notebooks" / (page.stem + ".ipynb")
    if paired.exists():
        used |= set().union(*map(notation.symbols, notation.notebook_math(paired)))
    missing = sorted(used - TABLE)
    assert not missing, (
        f"{page.name} (or its notebook) uses {missing}, which the notation table "
        "of book/intro.md does not list: add a row, or use a listed symbol"
    )


def test_no_symbol_has_two_rows():
    seen: dict[str, str] = {}
    for symbols, row in notation.table_rows(notation.INTRO.read_text()):
        for symbol in symbols:
            assert symbol not in seen, (
                f"{symbol} is listed twice:\n{seen[symbol]}\n{row}"
            )
            seen[symbol] = row
    assert len(seen) > 40  # the table was found and read


def test_the_rule_finds_symbols():
    found = notation.symbols(
        r"\operatorname{softmax}(u/T)_i + \mathrm{KL}(q\,\|\,p) + \bar u_{\mathcal U}"
        r" + \widehat{Z} + \mathrm{d}\beta + t_{\mathrm{mix}} + \text{top-}k"
        r" + \epsilon + \log \sum_j e^{x_j}"
    )
    assert found == {
        r"\operatorname{softmax}",
        r"\operatorname{KL}",
        r"\bar{u}",
        r"\mathcal{U}",
        r"\hat{Z}",
        r"\mathrm{d}",
        r"\beta",
        r"\varepsilon",
        "u",
        "T",
        "i",
        "q",
        "p",
        "t",
        "k",
        "j",
        "e",
        "x",
    }


def test_an_unlisted_symbol_fails_and_code_is_ignored():
    table_page = (
        "# Intro\n\n## Notation\n\n| symbol | meaning |\n| --- | --- |\n"
        "| $u$ | logits |\n| $T$ | temperature |\n| $i$ | index |\n\n## Next\n"
    )
    table = notation.listed(table_page)
    assert table == {"u", "T", "i"}
    page = (
        "Text with $u_i / T$ and a caption.\n\n"
        "```{code-cell} ipython3\n---\nmystnb:\n  figure:\n"
        '    caption: "The map $\\\\gamma(u)$."\n---\n'
        'label = "$Q$ in code is not read"\n```\n'
    )
    assert notation.unlisted(page, table) == {r"\gamma"}
    assert notation.unlisted("Only $u_i/T$.", table) == set()
