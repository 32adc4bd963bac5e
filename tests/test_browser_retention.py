"""Browser test of informationshantering: the arkivarie records the nämnd's
decision on a row of the informationshanteringsplan, sees what the next gallring would do
and its protocol, and places and lifts a spärr; WCAG 2.1 AA (axe-core) on every page,
errors included.

Fixtures and helpers come from tests/test_browser.py.
"""

import datetime

import pytest
from django.utils import timezone

from moderation import services as moderation
from retention import gallring
from retention.models import Hold, PlanEntry, Protocol

from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
    url,
)
from .test_browser_moderation import shots  # noqa: F401 (a fixture used by name)

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_decision_protocol_and_hold_in_the_browser(page, live_server, org, account, shots):  # noqa: F811
    old = moderation.check_in(
        org.people.medarbetare, account, now=timezone.now() - datetime.timedelta(days=4 * 365)
    )
    sign_in(page, live_server, "arkivarie")

    goto(page, live_server, "/arkiv/informationshanteringsplan/")
    assert_accessible(page)
    page.screenshot(path=shots / "informationshanteringsplan.png", full_page=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Informationshanteringsplan")
    page.get_by_role("link", name="Ändra Tillsyn gjord").click()
    page.wait_for_url(url(live_server, "/arkiv/informationshanteringsplan/moderation.checkin/"))
    assert_accessible(page)

    # A decision without its date is refused and shown with the form.
    page.get_by_label("Beslutande nämnd").fill("Kommunstyrelsen")
    page.get_by_label("Paragraf").fill("§ 45")
    page.get_by_role("button", name="Spara en ny version").click()
    expect(page.get_by_text("Ange nämnd, paragraf och datum")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=shots / "informationshanteringsplan-fel.png", full_page=True)
    page.get_by_label("Beslutsdatum").fill("2026-03-12")
    page.get_by_role("button", name="Spara en ny version").click()
    page.wait_for_url(url(live_server, "/arkiv/informationshanteringsplan/"))
    expect(page.get_by_text("Kommunstyrelsen § 45, 2026-03-12")).to_be_visible()
    assert PlanEntry.objects.get().has_decision

    goto(page, live_server, "/arkiv/gallring/")
    assert_accessible(page)
    expect(page.get_by_text("1 handling gallras")).to_be_visible()
    gallring.run(now=timezone.now())  # the nightly sweep
    protocol = Protocol.objects.get()
    goto(page, live_server, "/arkiv/gallring/")
    page.get_by_role("link", name=protocol.run_at.astimezone().strftime("%Y-%m-%d")).first.click()
    page.wait_for_url(url(live_server, f"/arkiv/gallring/{protocol.pk}/"))
    expect(page.get_by_text(protocol.checksums[0]["sha256"])).to_be_visible()
    assert protocol.checksums[0]["pk"] == old.pk
    assert_accessible(page)
    page.screenshot(path=shots / "gallringsprotokoll.png", full_page=True)

    goto(page, live_server, "/arkiv/sparr/")
    assert_accessible(page)
    page.get_by_role("link", name="Lägg en spärr").click()
    page.wait_for_url(url(live_server, "/arkiv/sparr/ny/"))
    assert_accessible(page)
    page.get_by_label("Skäl").select_option("polisanmalan")
    page.get_by_label("Varför spärren läggs").fill("Olaga hot i en kommentar.")
    page.get_by_role("button", name="Lägg spärren").click()
    expect(
        page.get_by_text("Ange vad spärren gäller: ett konto, en period eller handlingar.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Konto").select_option(str(account.pk))
    page.get_by_label("Diarienummer eller referens").fill("5000-K123-26")
    page.get_by_role("button", name="Lägg spärren").click()
    hold = Hold.objects.get()
    page.wait_for_url(url(live_server, f"/arkiv/sparr/{hold.pk}/"))
    assert_accessible(page)
    page.get_by_label("Varför spärren hävs").fill("Förundersökningen är nedlagd.")
    page.get_by_role("button", name="Häv spärren").click()
    expect(page.get_by_text("Spärren är hävd.")).to_be_visible()
    expect(page.get_by_text("Förundersökningen är nedlagd.").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=shots / "sparr.png", full_page=True)
    hold.refresh_from_db()
    assert hold.lifted_by == org.people.arkivarie
