"""Every page in dark mode: see pages.check_dark."""

import pytest

from tests.browser.pages import PAGES
from tests.browser.pages import check_dark


@pytest.mark.parametrize("name", PAGES)
def test_page_readable_in_dark_mode(browser, site, name):
    check_dark(browser, site, name)
