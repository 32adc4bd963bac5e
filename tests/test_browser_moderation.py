"""Browser tests of the moderation desk: WCAG 2.1 AA (axe-core) on the desk and an item
page, on a desktop and a 390-pixel phone, with an action form open and with its errors.

Fixtures and helpers come from tests/test_browser.py: the live server on plain http,
Debian's Chromium through Playwright, axe-core and sign-in. Screenshots are written to
$KANALKOLL_SCREENSHOTS if it is set (to look at them), else to the test's tmp_path.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from moderation import services
from moderation.models import Kind

from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
)
from .test_moderation_views import image_bytes, upload

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
def desk_items(org, account, settings, tmp_path):
    """Open items at each urgency on the library's account, one with a preserved
    screenshot and a timeline, and a handled one."""
    from config.uploads import clean_screenshot

    settings.MEDIA_ROOT = tmp_path / "media"
    p = org.people
    now = timezone.now()
    hours = datetime.timedelta(hours=1)

    def item(kind, text, posted_hours_ago, **data):
        created, _ = services.create_item(
            p.medarbetare,
            account,
            {
                "kind": kind,
                "text": text,
                "author": "Anna K",
                "post_url": "https://www.instagram.com/p/Cx9AbCdEfGh/c/17890012345678901/",
                "posted_at": now - posted_hours_ago * hours,
                **data,
            },
            now=timezone.now(),
        )
        return created

    item(Kind.QUESTION, "Har ni öppet på lördag under jullovet?", 50)
    bad = item(Kind.INAPPROPRIATE, "Köp billiga solglasögon här: http://spam.example", 40)
    item(Kind.CRITICISM, "Det är tredje gången bokautomaten är trasig i månaden.", 10)
    done = item(Kind.QUESTION, "Hur lånar jag e-böcker?", 20)
    services.answer(
        p.medarbetare, done.pk, "I appen Biblio, med ditt lånekort.", now=timezone.now()
    )
    screenshot = clean_screenshot(upload(image_bytes("PNG", size=(600, 240))))
    services.preserve(p.medarbetare, bad.pk, bad.text, screenshot, now=timezone.now())
    services.reassign(p.medarbetare, bad.pk, p.chef, now=timezone.now())
    return {"bad": bad}


def test_desk_and_item_page_pass_axe(page, browser, live_server, desk_items, shots):  # noqa: F811
    """Desktop and a 390-pixel phone; an action form open, and with its error."""
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, "/moderering/")
    assert page.locator("h1").count() == 1
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    assert "Försenat" in rows.first.inner_text()  # overdue first
    assert_accessible(page)
    page.screenshot(path=str(shots / "moderering-desktop.png"), full_page=True)

    bad = desk_items["bad"]
    goto(page, live_server, f"/moderering/{bad.pk}/")
    assert page.locator("h1").count() == 1
    expect(page.get_by_role("img", name="Skärmbild av inlägget")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(shots / "arende-desktop.png"), full_page=True)

    # An action form opened, then posted empty: the error is shown, accessibly.
    page.get_by_role("button", name="Ingen åtgärd behövs").click()
    form = page.locator("#action-ingen-atgard")
    expect(form).to_be_visible()
    assert_accessible(page)
    form.get_by_role("button", name="Ingen åtgärd behövs").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Skriv varför ingen åtgärd behövs.")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(shots / "arende-fel-desktop.png"), full_page=True)

    # The same pages on a phone.
    context = browser.new_context(locale="sv-SE", viewport=PHONE)
    try:
        phone = context.new_page()
        sign_in(phone, live_server, "medarbetare")
        for path, name in (
            ("/moderering/", "moderering-mobil.png"),
            (f"/moderering/{bad.pk}/", "arende-mobil.png"),
        ):
            goto(phone, live_server, path)
            assert_accessible(phone)
            width = phone.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"
            phone.screenshot(path=str(shots / name), full_page=True)
    finally:
        context.close()


def test_quick_entry_in_the_browser(page, live_server, org, account):  # noqa: F811
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, "/moderering/")
    page.get_by_role("button", name="Registrera").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Klistra in länken eller texten")).to_be_visible()
    assert_accessible(page)
    form = page.locator("form").filter(has=page.get_by_role("button", name="Registrera"))
    form.get_by_label("Konto").select_option(str(account.pk))
    form.get_by_label("Typ").select_option(Kind.QUESTION.value)
    form.get_by_label("Text", exact=True).fill("Var kan jag parkera vid biblioteket?")
    page.get_by_role("button", name="Registrera").click()
    page.wait_for_url(f"{live_server.url}/moderering/*/")
    expect(page.get_by_role("status").filter(has_text="Ärendet är registrerat.")).to_be_visible()
    assert "Var kan jag parkera vid biblioteket?" in page.locator("main").inner_text()
    assert_accessible(page)


def test_bulk_triage_of_new_comments_in_the_browser(page, live_server, org, account, shots):  # noqa: F811
    """Three delivered comments on the desk: two chosen and marked "ingen åtgärd" at once,
    the third classified as a question on its page (its deadline starts then)."""
    from moderation.models import Item

    from .intake_helpers import receive_comment

    now = timezone.now()
    comments = [
        receive_comment(account, f"c-{n}", text, actor=org.people.kommunikationschef, now=now)
        for n, text in enumerate(["Snyggt!", "Tack för tipset.", "När öppnar ni i morgon?"])
    ]
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, "/moderering/")
    expect(page.get_by_role("heading", name="Nya kommentarer att sortera")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(f"Välj kommentar {comments[0].pk}").check()
    page.get_by_label(f"Välj kommentar {comments[1].pk}").check()
    page.get_by_role("button", name="Markera valda: ingen åtgärd").click()
    page.wait_for_url(f"{live_server.url}/moderering/")
    expect(page.get_by_text("2 kommentarer är markerade: ingen åtgärd behövs.")).to_be_visible()
    page.screenshot(path=shots / "bulk-triage.png", full_page=True)
    assert_accessible(page)
    outcomes = dict(Item.objects.filter(account=account).values_list("pk", "outcome"))
    assert outcomes == {
        comments[0].pk: "ingen_atgard",
        comments[1].pk: "ingen_atgard",
        comments[2].pk: "",
    }
    goto(page, live_server, f"/moderering/{comments[2].pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Klassa kommentaren").click()
    page.get_by_label("Vad är kommentaren?").select_option("fraga")
    page.locator("#action-klassa").get_by_role("button", name="Klassa kommentaren").click()
    expect(page.get_by_text("Kommentaren är klassad. Tidsfristen löper från nu.")).to_be_visible()
    assert_accessible(page)
    assert Item.objects.get(pk=comments[2].pk).due_at is not None


def test_an_api_key_is_issued_for_an_account_found_by_search(page, live_server, org, account):  # noqa: F811
    """The key form offers the accounts that match a search on the server (never the
    whole register in one select); searching, choosing and issuing work with a keyboard
    and pass axe."""
    from .factories import AccountFactory

    for n in range(60):
        AccountFactory(display_name=f"Fyllnadskonto {n:02d}", unit=org.bibliotek,
                       responsible=org.people.medarbetare)  # fmt: skip
    sign_in(page, live_server, "kommunikationschef")
    goto(page, live_server, "/moderering/nycklar/")
    expect(page.get_by_text("Visar 50 av 61 konton")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sök konto").fill("testby")
    page.get_by_label("Sök konto").press("Enter")
    page.wait_for_url("**/moderering/nycklar/?konto=testby")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Utfärda"))
    form.get_by_label("Konto").select_option(str(account.pk))
    form.get_by_label("Verktyg").fill("Bevakningstjänsten")
    page.get_by_role("button", name="Utfärda").click()
    page.wait_for_url("**/moderering/nycklar/")
    expect(page.get_by_role("status")).to_contain_text("Ny nyckel för Bevakningstjänsten")
    expect(page.locator("main")).to_contain_text("Biblioteket i Testby")
    assert_accessible(page)


def test_quick_entry_account_is_found_by_search(page, live_server, org, account):  # noqa: F811
    """The "Nytt ärende" form offers the moderator's accounts that match a search on the
    server, as the API keys page does (never every account in one select); searching,
    choosing and registering work with the keyboard and pass axe."""
    from .factories import AccountFactory

    for n in range(60):
        AccountFactory(display_name=f"Fyllnadskonto {n:02d}", unit=org.bibliotek,
                       responsible=org.people.medarbetare)  # fmt: skip
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, "/moderering/")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Registrera"))
    expect(form.get_by_text("Visar 50 av 61 konton")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sök konto").fill("testby")
    page.get_by_label("Sök konto").press("Enter")
    page.wait_for_url("**/moderering/?sok_konto=testby")
    expect(form.get_by_text("1 konto matchar.")).to_be_visible()
    choice = form.get_by_label("Konto")
    choice.focus()
    page.keyboard.press("ArrowDown")  # the one match, chosen with the keyboard
    assert choice.input_value() == str(account.pk)
    form.get_by_label("Typ").select_option(Kind.QUESTION.value)
    form.get_by_label("Text", exact=True).fill("Har ni lånekort för barn?")
    form.get_by_role("button", name="Registrera").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/moderering/*/")
    expect(page.get_by_role("status").filter(has_text="Ärendet är registrerat.")).to_be_visible()
    assert "Biblioteket i Testby" in page.locator("main").inner_text()
    assert_accessible(page)
