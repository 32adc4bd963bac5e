"""Browser tests of the account's life: WCAG 2.1 AA (axe-core) on an account
page with its activity, logins and closure panel, on a desktop and a phone, and on the
public list of closed accounts.

Fixtures and helpers come from tests/test_browser.py, the phone and the screenshot
folder ($KANALKOLL_SCREENSHOTS or tmp_path) from tests/test_browser_moderation.py.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import lifecycle
from accounts.models import Account, Status

from .factories import AccountFactory
from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
)
from .test_browser_moderation import PHONE, shots  # noqa: F401 (a fixture used by name)

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def winding_down(org, account):
    """The library's account: silent for 120 days, a feed that fails, its logins never
    checked, a closure proposed by medarbetare with one step of the checklist done."""
    today = timezone.localdate()
    with transaction.atomic():  # arranging the account past its services
        Account.objects.filter(pk=account.pk).service_update(
            opened_on=today - datetime.timedelta(days=400),
            last_activity_on=today - datetime.timedelta(days=120),
            feed_url="https://bibliotek.testby.example/bloggen/feed/",
            feed_checked_at=timezone.now(),
            feed_error="Flödet svarade med fel 404.",
        )
    closure = lifecycle.propose_closure(
        org.people.medarbetare,
        account.pk,
        "Ingen aktivitet sedan i våras; målgruppen nås i kommunens nyhetsbrev.",
        now=timezone.now(),
    )
    lifecycle.record_closure_step(
        org.people.medarbetare, closure.pk, "innehall_borttaget", now=timezone.now()
    )
    return account


def panel(tab):
    return tab.locator("#kontots-liv")


def test_account_page_with_the_lifecycle_panel(page, browser, live_server, winding_down, shots):  # noqa: F811
    sign_in(page, live_server, "kommunikator")
    goto(page, live_server, f"/konton/{winding_down.pk}/")
    assert page.locator("h1").count() == 1
    box = panel(page)
    expect(box.get_by_text("Passivt", exact=True)).to_be_visible()
    expect(box.get_by_text("Flödet svarade med fel 404.")).to_be_visible()
    expect(box.get_by_role("button", name="Bekräfta avslut")).to_be_visible()
    expect(box.get_by_label("Senaste inlägg")).to_be_visible()
    assert_accessible(page)
    box.screenshot(path=str(shots / "konto-livscykel-desktop.png"))
    page.screenshot(path=str(shots / "konto-desktop.png"), full_page=True)

    # Attest the latest post in the browser: the page says so, the panel is still accessible.
    box.get_by_label("Senaste inlägg").fill(timezone.localdate().isoformat())
    box.get_by_role("button", name="Registrera senaste inlägg").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Senaste aktivitet är registrerad.")).to_be_visible()
    expect(panel(page).get_by_text("Passivt", exact=True)).to_have_count(0)
    assert_accessible(page)

    # The same page on a phone.
    context = browser.new_context(locale="sv-SE", viewport=PHONE)
    try:
        phone = context.new_page()
        sign_in(phone, live_server, "kommunikator")
        goto(phone, live_server, f"/konton/{winding_down.pk}/")
        assert_accessible(phone)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the account page scrolls sideways ({width}px)"
        panel(phone).screenshot(path=str(shots / "konto-livscykel-mobil.png"))
    finally:
        context.close()


def test_the_closure_form_opens_and_is_accessible(page, live_server, org, account, shots):  # noqa: F811
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, f"/konton/{account.pk}/")
    page.get_by_text("Föreslå att kontot avslutas").click()
    reason = page.get_by_label("Varför ska kontot avslutas?")
    expect(reason).to_be_visible()
    assert_accessible(page)
    panel(page).screenshot(path=str(shots / "konto-avslut-forslag.png"))
    reason.fill("Kontot ersätts av kommunens huvudkonto.")
    page.get_by_role("button", name="Föreslå avslut").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Avslutet är föreslaget.")).to_be_visible()
    assert_accessible(page)


def test_closed_accounts_list_passes_axe(page, live_server, org, shots):  # noqa: F811
    for name, day in (("Sommarlovet 2025", datetime.date(2025, 9, 1)), ("Gamla bloggen", None)):
        AccountFactory(
            display_name=name,
            unit=org.bibliotek,
            responsible=org.people.medarbetare,
            status=Status.CLOSED,
            opened_on=datetime.date(2020, 3, 1),
            closed_on=day or datetime.date(2024, 1, 31),
        )
    goto(page, live_server, "/register/avslutade/")
    assert page.locator("h1").count() == 1
    expect(page.get_by_role("cell", name="Sommarlovet 2025")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(shots / "avslutade.png"), full_page=True)


def test_snapshot_and_handover_timelines(page, browser, live_server, org, account, shots):  # noqa: F811
    """The one timeline include on the snapshot page and the handover page."""
    from archive import services as archive
    from organisation import handovers

    from .archive_helpers import semiannual

    snapshot = semiannual(account)
    archive.claim(snapshot.pk, timezone.now())
    archive.ask_for_upload(snapshot.pk, "Sidan svarade inte inom 30 sekunder.", timezone.now())
    handover = handovers.open_handover(org.people.medarbetare, timezone.now())
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, f"/arkiv/bild/{snapshot.pk}/")
    timeline = page.locator("ol.timeline > li")
    expect(timeline).to_have_count(2)  # the capture started, and failed
    expect(timeline.last).to_contain_text("Sidan svarade inte inom 30 sekunder.")
    assert_accessible(page)
    page.screenshot(path=str(shots / "ogonblicksbild-tidslinje.png"), full_page=True)
    context = browser.new_context(locale="sv-SE")
    try:
        other = context.new_page()
        sign_in(other, live_server, "kommunikator")
        goto(other, live_server, f"/overlamning/{handover.pk}/")
        expect(other.locator("ol.timeline > li")).to_have_count(1)
        assert_accessible(other)
    finally:
        context.close()
