"""Numbers in prose come from code: no chapter types a number that its notebook
computes, or one that contradicts it.

The rule is documented in ``tools/prose_numbers.py``. Cheap: it reads the pages
and the stored notebooks, executes nothing (well under a second).
"""

from pathlib import Path

import pytest

from tests.tool_module import load_tool

ROOT = Path(__file__).resolve().parents[1]
prose_numbers = load_tool("prose_numbers")

PAGES = sorted((ROOT / "book").glob("[0-9][0-9]-*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_no_typed_number_is_computed_or_contradicted(page):
    problems = prose_numbers.page_findings(page)
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


STORED = [
    (0.00227, 5, {"impossible", "mass", "token"}),
    (0.4675, 4, {"probability"}),
    (0.10, 2, {"distinct"}),
]
PAGE = """Prose before.

```{code-cell} ipython3
T = 0.75  # an input
```

The impossible mass per token is 0.0025 at $T = 1.5$.
At the input temperature 0.75 nothing is flagged, nor is $0.4675$ in mathematics.
A word has probability 0.4675 here.
A name has 0.12 of the mass: near a stored number, but in another role.
Quoted: 0.4675 {cite}`somebody`.
"""


def test_the_check_flags_computed_and_contradicting_numbers():
    problems = prose_numbers.findings(PAGE, "", STORED)
    assert problems == [
        "line 7: 0.0025 contradicts the stored 0.00227",
        "line 9: 0.4675 is computed by the code: glue it",
    ]
    glued = PAGE.replace("0.0025", "{glue:text}`mass:.4f`").replace(
        "probability 0.4675", "probability {glue:text}`p:.4f`"
    )
    assert prose_numbers.findings(glued, "", STORED) == []
