"""In Chromium: kommunikationsavdelningen writes and submits a data-protection
assessment, the dataskyddsombud signs it off; the internal-control pack with its
charts, the rows behind a figure and the thresholds. axe-core on each page."""

import pytest

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


def test_an_assessment_is_written_submitted_and_signed_off(page, live_server, org, account):  # noqa: F811
    sign_in(page, live_server, "kommunikationsavdelningen")
    goto(page, live_server, "/dataskydd/")
    expect(page.locator("main")).to_contain_text("Dataskydd per plattform")
    assert_accessible(page)
    goto(page, live_server, "/dataskydd/ny/")
    assert_accessible(page)
    page.get_by_label("Plattform").select_option("linkedin")
    page.get_by_label("Kanaler").fill("Kommunens sida på LinkedIn.")
    page.get_by_label("Personuppgifter").fill("Kommentarer och profilnamn.")
    page.get_by_label("Rättslig grund").fill("Allmänt intresse, artikel 6.1 e.")
    page.get_by_label("Varför behandlingen behövs").fill("Rekrytering: de sökande finns där.")
    page.get_by_label("Grund för överföring till tredje land").fill("EU–US Data Privacy Framework.")
    page.get_by_label("Omprövas senast").fill("2999-01-01")
    page.get_by_role("button", name="Spara utkastet").click()
    expect(page.locator(".alert-success")).to_contain_text("Utkastet är sparat")
    page.get_by_role("button", name="Skicka till dataskyddsombudet").click()
    expect(page.locator(".alert-success")).to_contain_text("skickad till dataskyddsombudet")
    assert_accessible(page)
    detail = page.url

    page.get_by_role("button", name="Logga ut").click()
    sign_in(page, live_server, "dataskyddsombud")
    expect(page.locator("main")).to_contain_text("Godkänn: LinkedIn v1")
    page.goto(detail)
    page.get_by_label("Kommentar").fill("Godkänd för ett år.")
    page.get_by_role("button", name="Godkänn bedömningen").click()
    expect(page.locator(".alert-success")).to_contain_text("Bedömningen är godkänd")
    expect(page.locator("main")).to_contain_text("Godkänd för ett år.")
    assert_accessible(page)
    goto(page, live_server, f"/dataskydd/konto/{account.pk}/")
    assert_accessible(page)


def test_the_internal_control_pack_with_charts_rows_and_thresholds(page, live_server, org, account):  # noqa: F811
    sign_in(page, live_server, "kommunikationschef")
    goto(page, live_server, "/konton/efterlevnad/arsrapport/2025/")
    main = page.locator("main")
    expect(main).to_contain_text("Internkontroll av sociala medier 2025")
    expect(page.locator("svg.chart")).to_have_count(2)
    expect(main).to_contain_text("Ljus per förvaltning")
    assert_accessible(page)
    page.get_by_role("link", name="Konton med fastställd aktivitetsplan").first.click()
    expect(page.locator("h1")).to_contain_text("Konton med fastställd aktivitetsplan 2025")
    assert_accessible(page)
    goto(page, live_server, "/konton/efterlevnad/arsrapport/troskelvarden/")
    assert_accessible(page)
    page.get_by_label("Konton med fastställd aktivitetsplan: grön från (procent)").fill("85")
    page.get_by_role("button", name="Spara tröskelvärdena").click()
    expect(page.locator(".alert-success")).to_contain_text("Tröskelvärdena är sparade")
    goto(page, live_server, "/konton/efterlevnad/arsrapport/2025/")
    page.get_by_role("button", name="Skapa årsrapporten (PDF/A)").click()
    expect(page.locator(".alert-success")).to_contain_text("Årsrapporten är beställd")
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert_accessible(page)
