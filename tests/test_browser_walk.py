"""A walk by every role through every page of the main menu, in Chromium, at a laptop's
1280 px and a phone's 375 px: no page is wider than the window (a header that pushes
"Logga ut" off-screen, a heading word that does not break), and each page answers 200."""

import pytest
from django.utils import timezone

from .test_access import ROLES as ACCESS_ROLES
from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    browser,
    goto,
    page,
    sign_in,
)

pytestmark = pytest.mark.browser

# The roles of the URL × role table, signed in (the demo's roles; the outsiders see what
# medarbetare see).
ROLES = [role for role in ACCESS_ROLES if role not in ("anonymous", "outsider", "kommunikator2")]
WIDTHS = (1280, 375)


def menu(page):  # noqa: F811
    """The pages the header links to (signed in), each once, sign-out aside."""
    hrefs = page.eval_on_selector_all(
        "header a[href^='/']", "links => links.map(link => link.getAttribute('href'))"
    )
    return [href for href in dict.fromkeys(hrefs) if not href.startswith("/admin/")]


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_page_fits_the_window(page, live_server, org, account, role):  # noqa: F811
    sign_in(page, live_server, role)
    pages = menu(page)
    assert "/att-gora/" in pages
    wider = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            goto(page, live_server, path)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wider.append((path, width, scroll))
    assert not wider, f"pages wider than the window (path, window, page): {wider}"


def test_the_yearly_pack_fits_a_phone(page, live_server, org, account):  # noqa: F811
    """The pack's tables (questions, response times, months, periods) scroll inside
    their own box on a phone instead of widening the page."""
    sign_in(page, live_server, "kommunikationschef")
    page.set_viewport_size({"width": 375, "height": 900})
    goto(page, live_server, f"/konton/efterlevnad/arsrapport/{timezone.localdate().year}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
