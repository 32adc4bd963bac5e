"""Browser test of a request for allmänna handlingar: the registrator receives it, searches
Kanalkoll's records, chooses one, reviews it with a masking marked in the page, decides
and hands out the bundle, whose checksums hold; the arkivarie sees what was handed out.
WCAG 2.1 AA (axe-core) on every page, errors included.

Fixtures and helpers come from tests/test_browser.py."""

import hashlib
import io
import json
import zipfile

import pytest
from django.utils import timezone

from disclosure.models import Decision, Request

from .disclosure_helpers import item, make_registrator
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

SELECT_IN_ORIGINAL = """(needle) => {
  const node = [...document.querySelectorAll('#original [data-maskable]')]
    .map(p => p.firstChild).find(n => n && n.textContent.includes(needle));
  const start = node.textContent.indexOf(needle);
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, start + needle.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def test_receive_search_review_decide_and_release_in_the_browser(
    page,  # noqa: F811
    live_server,
    org,
    account,
    media,
    shots,  # noqa: F811
):
    registrator = make_registrator(org)
    question = item(account, timezone.now())
    item(account, timezone.now(), "Öppettider i jul?")
    sign_in(page, live_server, "registrator")

    goto(page, live_server, "/handlingar/")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Begäranden om allmänna handlingar")
    page.get_by_role("link", name="Registrera en begäran").click()
    page.wait_for_url(url(live_server, "/handlingar/ny/"))
    assert_accessible(page)
    page.get_by_label("Hur").select_option("telefon")
    page.get_by_role("button", name="Registrera").click()
    expect(page.get_by_text("Detta fält måste fyllas i.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Vad som begärs").fill("Frågor till biblioteket om telefonnummer.")
    page.get_by_role("button", name="Registrera").click()
    request = Request.objects.get()
    page.wait_for_url(url(live_server, f"/handlingar/{request.pk}/"))
    expect(page.get_by_text(f"Begäran {request.reference} är registrerad.")).to_be_visible()
    expect(page.get_by_text("Anonym")).to_be_visible()
    assert_accessible(page)
    assert request.handler == registrator

    page.get_by_role("link", name="Sök och välj handlingar").click()
    page.wait_for_url(url(live_server, f"/handlingar/{request.pk}/sok/"))
    assert_accessible(page)
    page.get_by_label("Modereringsärende").check()
    page.get_by_label("Konto").select_option(str(account.pk))
    page.get_by_label("Text").fill("ring")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_role("group", name="Modereringsärende (1)")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=shots / "utlamnande-sok.png", full_page=True)
    page.get_by_label("Ring mig", exact=False).check()
    page.get_by_role("button", name="Välj markerade handlingar").click()
    page.wait_for_url(url(live_server, f"/handlingar/{request.pk}/"))
    expect(page.get_by_text("Handlingarna är valda och spärrade mot gallring.")).to_be_visible()
    assert_accessible(page)

    covered = request.covered.get()
    page.get_by_role("link", name=covered.label).click()
    page.wait_for_url(url(live_server, f"/handlingar/{request.pk}/handling/{covered.pk}/"))
    assert_accessible(page)
    page.get_by_label("Lämnas ut med delar maskerade").check()
    page.evaluate(SELECT_IN_ORIGINAL, "070-123 45 67")
    page.get_by_role("button", name="Maskera markerad text").click()
    expect(page.get_by_label("Text som maskeras")).to_have_value("070-123 45 67")
    page.get_by_role("button", name="Spara prövningen").click()
    expect(
        page.get_by_text("Ange den bestämmelse i OSL som sekretessen följer av.")
    ).to_be_visible()
    assert_accessible(page)
    page.evaluate(SELECT_IN_ORIGINAL, "Anna Andersson")
    page.get_by_role("button", name="Maskera markerad text").click()
    expect(page.get_by_label("Text som maskeras")).to_have_value("070-123 45 67\nAnna Andersson")
    page.get_by_label("Bestämmelse i OSL").select_option("OSL 21 kap. 7 §")
    page.screenshot(path=shots / "utlamnande-provning.png", full_page=True)
    page.get_by_role("button", name="Spara prövningen").click()
    page.wait_for_url(url(live_server, f"/handlingar/{request.pk}/"))
    expect(
        page.get_by_role("cell", name="Lämnas ut med delar maskerade (OSL 21 kap. 7 §)")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Besluta och lämna ut").click()
    page.wait_for_url(url(live_server, f"/handlingar/{request.pk}/beslut/1/"))
    expect(page.get_by_text("Beslutet är fattat.")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=shots / "utlamnande-beslut.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Paketet med det utlämnade (zip)").click()
    body = download.value.path().read_bytes()
    decision = Decision.objects.get()
    assert hashlib.sha256(body).hexdigest() == decision.bundle_sha256
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        for entry in manifest["filer"]:
            assert hashlib.sha256(bundle.read(entry["fil"])).hexdigest() == entry["sha256"]
        released = json.loads(bundle.read("handlingar.json"))[0]["texter"][0]["text"]
    assert "070-123" not in released and "Anna Andersson" not in released
    question.refresh_from_db()
    assert "070-123 45 67" in question.text  # the original is untouched
    with page.expect_download() as download:
        page.get_by_role("link", name="Beslutet med besvärshänvisning (PDF)").click()
    assert download.value.path().read_bytes() == decision.document.open("rb").read()

    # Kommunarkivet sees the request, its decision and what was handed out, and acts on none.
    page.context.clear_cookies()
    sign_in(page, live_server, "arkivarie")
    goto(page, live_server, f"/handlingar/{request.pk}/")
    assert_accessible(page)
    expect(page.get_by_role("button", name="Besluta och lämna ut")).to_have_count(0)
    expect(page.get_by_text("Beslut 1: Delvis utlämnad", exact=False)).to_be_visible()
