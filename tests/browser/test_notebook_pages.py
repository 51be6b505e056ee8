"""Every notebook page in the browser: see pages.check_page."""

import pytest

from tests.browser.pages import PAGES
from tests.browser.pages import check_page


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith("notebooks/")])
def test_notebook_page(browser, site, name):
    check_page(browser, site, name)
