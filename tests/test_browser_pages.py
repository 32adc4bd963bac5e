"""Pages as people meet them, in Chromium: the header with who is signed in and the
language switch, the error pages, Att göra and Aviseringar, and the public register's
search and verification. axe-core on each; screenshots go to $KANALKOLL_SCREENSHOTS
when it is set."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from moderation import services
from notifications.models import Notification

from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
    url,
)

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("KANALKOLL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def world(org, account):
    """Items on the library's account (one long overdue, one due soon) and three
    notifications for chef, who administers it."""
    now = timezone.now()
    for text, hours in (("Öppnar ni på lördag?", 5937 + 48), ("Var lämnar jag böcker?", 40)):
        services.create_item(
            None,
            account,
            {"kind": "fraga", "text": text, "posted_at": now - datetime.timedelta(hours=hours)},
            now=now,
        )
    for i, subject in enumerate(("Ny roll på Biblioteket i Testby", "Du är ersättare")):
        Notification.objects.create(
            recipient=org.people.chef,
            kind="test",
            subject=subject,
            body_text=f"Hej!\n\nHela texten nummer {i}.\n\nhttp://127.0.0.1/konton/{account.pk}/",
            url=f"/konton/{account.pk}/",
            created_at=now - datetime.timedelta(hours=2 - i),
            due_at=now - datetime.timedelta(hours=2 - i),
            rendered_at=now,
        )
    return account


def test_the_header_names_who_is_signed_in_and_switches_language(
    page,  # noqa: F811
    live_server,
    org,
    world,
    shots,  # noqa: F811
):
    person = org.people.chef
    sign_in(page, live_server, "chef")
    header = page.locator("header")
    expect(header).to_contain_text(str(person))
    expect(header).to_contain_text("Chef, Biblioteket")
    header.screenshot(path=str(shots / "header-sv.png"))
    assert_accessible(page)

    page.get_by_role("button", name="In English").click()
    page.wait_for_url(url(live_server, "/att-gora/"))
    assert page.locator("html").get_attribute("lang") == "en"
    header.screenshot(path=str(shots / "header-en.png"))
    assert_accessible(page)
    person.refresh_from_db()
    assert person.language == "en"
    page.get_by_role("button", name="På svenska").click()
    page.wait_for_url(url(live_server, "/att-gora/"))
    assert page.locator("html").get_attribute("lang") == "sv"

    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Visa menyn").click()
    expect(page.locator("#main-nav")).to_contain_text("Chef, Biblioteket")
    page.screenshot(path=str(shots / "header-phone.png"))
    assert_accessible(page)


def test_att_gora_and_aviseringar_read_as_short_distinct_lines(
    page,  # noqa: F811
    live_server,
    org,
    world,
    shots,  # noqa: F811
):
    sign_in(page, live_server, "medarbetare")
    main = page.locator("main")
    expect(main).to_contain_text("Fråga på Biblioteket i Testby: ”Öppnar ni på lördag?”")
    expect(main).to_contain_text("Försenat 247 dagar")
    assert "5937" not in main.inner_text()
    page.screenshot(path=str(shots / "att-gora.png"), full_page=True)
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server, "chef")
    goto(page, live_server, "/aviseringar/")
    lines = page.locator(".notification-list > li")
    assert lines.count() == 2
    expect(lines.first).to_contain_text("Du är ersättare")  # newest first
    assert not page.get_by_text("Hela texten nummer 1.").is_visible()
    lines.first.get_by_text("Visa hela texten").click()
    expect(page.get_by_text("Hela texten nummer 1.")).to_be_visible()
    page.screenshot(path=str(shots / "aviseringar.png"), full_page=True)
    assert_accessible(page)
    lines.first.get_by_role("button", name="Du är ersättare").click()
    page.wait_for_url(url(live_server, f"/konton/{world.pk}/"))


@pytest.mark.parametrize("signed_in", [False, True])
def test_error_pages_are_swedish_and_lead_on(page, live_server, org, signed_in, shots):  # noqa: F811
    if signed_in:
        sign_in(page, live_server, "medarbetare")
    goto(page, live_server, "/finns-inte/", status=404)
    assert page.locator("h1").inner_text() == "Sidan finns inte"
    assert page.get_by_role("link", name="Till startsidan").is_visible()
    assert page.get_by_role(
        "link", name="Kommunens officiella konton i sociala medier"
    ).is_visible()
    page.screenshot(path=str(shots / f"404-{'inloggad' if signed_in else 'anonym'}.png"))
    assert_accessible(page)
    goto(page, live_server, "/moderering/nycklar/", status=403 if signed_in else 200)
    if signed_in:
        assert page.locator("h1").inner_text() == "Du saknar behörighet"
        expect(page.locator("main")).to_contain_text("Bara kommunikationsavdelningen")
        page.screenshot(path=str(shots / "403.png"))
        assert_accessible(page)


def test_the_public_register_searches_and_verifies(page, live_server, org, account, shots):  # noqa: F811
    goto(page, live_server, "/register/")
    page.get_by_label("Sök", exact=True).fill("bibliotek")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**/register/?*q=bibliotek*")
    expect(page.locator("table.register-table")).to_contain_text("Biblioteket i Testby")
    assert_accessible(page)

    page.get_by_label("Adress till kontot").fill("https://instagram.com/TestbyBibliotek/")
    page.get_by_role("button", name="Kontrollera").click()
    page.wait_for_url("**/register/kontrollera/?url=*")
    expect(page.get_by_role("status")).to_contain_text("Ja, det är ett officiellt konto.")
    page.screenshot(path=str(shots / "kontrollera-ja.png"), full_page=True)
    assert_accessible(page)
    page.get_by_label("Adress till kontot").fill("https://www.instagram.com/testbybiblioteket_fake")
    page.get_by_role("button", name="Kontrollera").click()
    expect(page.get_by_role("status")).to_contain_text("Nej, det är inte ett av kommunens")
    assert_accessible(page)
