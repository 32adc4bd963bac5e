"""Importing the register in real Chromium: kommunikationsavdelningen downloads the
template, uploads the kommun's file, reads the row-by-row plan (nothing saved), confirms,
and finds the imported account with the import in its history. WCAG 2.1 AA on the
pages (axe-core). Fixtures and helpers come from tests/test_browser.py."""

import re

import pytest

from accounts.models import Account

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

FILE = (
    "Namn;Plattform;Adress;Enhet;Ansvarig;Syfte;Målgrupp;Senaste aktivitet\r\n"
    "Skolan på Instagram;Instagram;https://instagram.com/testbyskolan;Skolan;outsider;"
    "Visa skolans vardag;Elever och föräldrar;2026-10-01\r\n"
    "Okänd;Instagram;https://instagram.com/okand;Ingen enhet;chef;Syfte;Alla;\r\n"
).encode("cp1252")


@pytest.fixture
def tab(page):  # noqa: F811 - the browser page of tests/test_browser.py
    return page


def test_the_register_is_imported_after_a_plan_in_the_browser(tab, live_server, org, tmp_path):
    sign_in(tab, live_server, "kommunikationsavdelningen")
    goto(tab, live_server, "/konton/")
    tab.get_by_role("link", name="Importera från fil").click()
    tab.wait_for_url(url(live_server, "/konton/import/"))
    assert_accessible(tab)
    with tab.expect_download() as download:
        tab.get_by_role("link", name="Ladda ned mallen (CSV)").click()
    assert download.value.suggested_filename == "kontoregister-mall.csv"

    path = tmp_path / "register.csv"
    path.write_bytes(FILE)
    tab.get_by_label("Fil (CSV eller XLSX)").set_input_files(str(path))
    tab.get_by_role("button", name="Förhandsgranska").click()
    expect(tab.locator("#import-rows")).to_contain_text(
        "Enheten ”Ingen enhet” finns inte i Kanalkoll."
    )
    expect(tab.locator("#import-summary")).to_contain_text("Skapas: 1")
    assert_accessible(tab)
    assert not Account.objects.exists()

    tab.get_by_role("button", name="Importera").click()
    expect(tab.get_by_role("heading", level=2).first).to_contain_text(
        "Importerat från register.csv"
    )
    account = Account.objects.get()
    goto(tab, live_server, f"/konton/{account.pk}/historik/")
    expect(tab.locator(".timeline")).to_contain_text("Import av kontoregistret: register.csv")
    assert re.search("Skolan på Instagram", tab.content())
