"""The static widgets: one per chapter, and their arithmetic equals the package's."""

import re

import pytest

from tests.browser.pages import PAGES
from tests.browser.pages import open_page

CHAPTERS = sorted(
    {m[1] for name in PAGES if (m := re.match(r"(?:book|notebooks)/(\d+)-", name))}
)


@pytest.mark.parametrize("number", CHAPTERS)
def test_each_chapter_has_a_static_widget(built_book, number):
    # The per-page browser test moves every widget it finds; here: each chapter has one.
    names = [n for n in PAGES if re.match(rf"(?:book|notebooks)/{number}-", n)]
    assert any(
        'class="tempered-widget"' in (built_book / f"{n}.html").read_text()
        for n in names
    ), f"chapter {number} has no explorable widget in its page or notebook"


def test_static_widget_arithmetic_matches_the_package(browser, site):
    import json

    import numpy as np

    from tempered import entropy
    from tempered import tempered_softmax

    context, page, _, _ = open_page(browser, f"{site}/book/intro.html")
    try:
        cases = [
            ([3.2, 2.4, None, -1.5, 3.2], 0.37),
            ([1000.0, 999.0, 0.0], 1.0),
            ([0.0, -5.0, 2.0], 80.0),
        ]
        for logits, T in cases:
            got = page.evaluate(f"TemperedWidgets.temper({json.dumps(logits)}, {T})")
            u = np.array([-np.inf if v is None else v for v in logits])
            np.testing.assert_allclose(
                got, tempered_softmax(u, T), rtol=1e-12, atol=1e-15
            )
            h = page.evaluate(
                "TemperedWidgets.entropy("
                f"TemperedWidgets.temper({json.dumps(logits)}, {T}))"
            )
            assert abs(h - entropy(tempered_softmax(u, T))) < 1e-12
    finally:
        context.close()
