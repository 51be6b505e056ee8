"""Every book page (chapters, guide, references) in the browser, light and dark:
pages.check_page."""

import pytest

from tests.browser.pages import PAGES
from tests.browser.pages import check_page
from tests.browser.pages import check_shared_markup


@pytest.mark.parametrize("name", [p for p in PAGES if not p.startswith("notebooks/")])
def test_book_page(browser, site, name):
    check_page(browser, site, name)


def test_math_and_code_token_markup(browser, site):
    check_shared_markup(browser, site)
