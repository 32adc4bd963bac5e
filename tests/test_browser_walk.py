"""A walk by every role through every page of the main menu, in Chromium, at a laptop's
1280 px and a phone's 375 px: no page is wider than the window (a header that pushes
"Logga ut" off-screen, a heading word that does not break), and each page answers 200."""

import pytest
from django.utils import timezone

from .factories import AccountFactory
from .test_access import ROLES as ACCESS_ROLES
from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    browser,
    goto,
    page,
    sign_in,
)

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api").expect

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


@pytest.mark.parametrize("width", WIDTHS)
def test_what_the_walk_of_december_2026_changed_is_accessible(
    page,  # noqa: F811
    live_server,
    org,
    account,
    colleague,
    width,
):
    """The verify page's answers (official, paused, unknown), an account's warning with
    its action, the admin's breadcrumbs, the yearly pack as the dataskyddsombud reads it
    and the handover's grouped successor list: axe-core finds nothing, at both widths."""
    from accounts.models import Status
    from accounts.services import update_account
    from organisation.models import Handover
    from organisation.services import deactivate_user

    from .test_browser import assert_accessible

    page.set_viewport_size({"width": width, "height": 900})
    paused = AccountFactory(
        display_name="Sommarlovet",
        url="https://www.instagram.com/testbysommarlov",
        platform="instagram",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        status=Status.PAUSED,
    )
    answers = {
        account.url: "Ja, det är ett officiellt konto.",
        paused.url: "Kontot är Testby kommuns, men det används inte just nu.",
        "https://www.facebook.com/testbyfejk": "Du kontrollerade facebook.com/testbyfejk",
    }
    for address, answer in answers.items():
        goto(page, live_server, "/register/kontrollera/")
        page.get_by_label("Adress till kontot").fill(address)
        page.get_by_role("button", name="Kontrollera").click()
        page.wait_for_url("**/register/kontrollera/?url=*")
        expect(page.get_by_role("status")).to_contain_text(answer)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page)
    # A warning with its action beside it, on the yellow of the account's problems.
    update_account(
        org.people.kommunikationschef,
        account.pk,
        {"gp_contact_phone": False},
        fields=("gp_contact_phone",),
        now=timezone.now(),
    )
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, f"/konton/{account.pk}/")
    expect(page.get_by_role("link", name="Rätta uppgiften")).to_be_visible()
    assert_accessible(page)
    # The admin's pages with breadcrumbs, a person's and a unit's with their roles.
    page.context.clear_cookies()
    sign_in(page, live_server, "admin")
    for path in (
        "/admin/django_celery_beat/periodictask/",
        "/admin/accounts/platform/",
        f"/admin/organisation/user/{org.people.medarbetare.pk}/change/",
        f"/admin/organisation/unit/{org.bibliotek.pk}/change/",
    ):
        goto(page, live_server, path)
        csp = page.context.browser.csp
        assert csp.take() == []  # the page itself asks for nothing the policy refuses
        assert_accessible(page)
        # On the admin's change forms axe-core's own probes add inline styles, which the
        # policy refuses (the app's pages are not concerned): not the page's doing.
        csp.take()
    page.context.clear_cookies()
    sign_in(page, live_server, "dataskyddsombud")
    goto(page, live_server, f"/konton/efterlevnad/arsrapport/{timezone.localdate().year}/")
    expect(page.get_by_role("main")).to_contain_text("Tröskelvärdena sätts av")
    assert_accessible(page)
    deactivate_user(org.people.admin, org.people.medarbetare, timezone.now(), reason="Slutade.")
    handover = Handover.objects.get(user=org.people.medarbetare)
    page.context.clear_cookies()
    sign_in(page, live_server, "kommunikator")
    goto(page, live_server, f"/overlamning/{handover.pk}/")
    page.get_by_label("Efterträdare").select_option(label=f"{colleague}, Biblioteket")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)
    page.get_by_role("button", name="Utse efterträdare").click()
    expect(page.get_by_role("status")).to_contain_text(f"{colleague} tar över.")
