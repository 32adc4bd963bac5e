"""Browser tests of keeping the register current: the yearly "bekräfta uppgifterna" in
"Att göra" and on the account page, the compliance overview and the public register;
and a new platform (Bluesky) added in the admin, recognised by the public verify page
and the account form. axe-core on each page."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Account, Platform

from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
    url,
)
from .test_confirmation import register_library

pytestmark = pytest.mark.browser


@pytest.fixture
def lapsed(org):
    """The library's account, registered thirteen months ago: its confirmation is due."""
    return register_library(org, timezone.now() - datetime.timedelta(days=400))


def test_the_responsible_person_confirms_in_one_click(page, live_server, org, lapsed):  # noqa: F811
    today = timezone.localdate()
    sign_in(page, live_server, "medarbetare")
    item = page.locator("li.list-group-item").filter(
        has_text="Bekräfta uppgifterna om Biblioteket i Testby"
    )
    assert item.is_visible()
    assert item.filter(has_text="Försenat").count() == 1
    assert_accessible(page)
    goto(page, live_server, f"/konton/{lapsed.pk}/")
    assert page.locator("#bekrafta").is_visible()
    assert_accessible(page)
    goto(page, live_server, "/att-gora/")
    item.get_by_role("button", name="Uppgifterna stämmer – bekräfta").click()
    page.wait_for_url(url(live_server, "/att-gora/"))
    assert page.get_by_role("status").filter(has_text="Uppgifterna om Biblioteket").is_visible()
    assert page.get_by_text("Bekräfta uppgifterna om Biblioteket i Testby").count() == 0
    assert_accessible(page)
    account = Account.objects.get(pk=lapsed.pk)
    assert account.confirmed_on == today
    goto(page, live_server, f"/konton/{lapsed.pk}/")
    newest = page.locator("ol.timeline > li").first.inner_text()
    assert "Uppgifterna bekräftade" in newest
    goto(page, live_server, "/register/")
    assert page.locator("table.register-table").get_by_text(today.isoformat()).count() == 1
    assert_accessible(page)


def test_the_overview_lists_the_lapsed_confirmation(page, live_server, org, lapsed):  # noqa: F811
    sign_in(page, live_server, "kommunikationschef")
    goto(page, live_server, "/konton/efterlevnad/")
    section = page.locator('section[aria-labelledby="section-bekraftelse"]')
    assert section.get_by_role("link", name="Biblioteket i Testby").is_visible()
    assert_accessible(page)


def test_edit_and_confirm(page, live_server, org, lapsed):  # noqa: F811
    sign_in(page, live_server, "medarbetare")
    goto(page, live_server, f"/konton/{lapsed.pk}/")
    page.get_by_role("link", name="Ändra och bekräfta").click()
    page.wait_for_load_state()
    box = page.get_by_label("Uppgifterna stämmer när ändringarna är sparade")
    assert box.is_checked()
    assert_accessible(page)
    page.get_by_label("Målgrupp").fill("Unga vuxna i Testby")
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(url(live_server, f"/konton/{lapsed.pk}/"))
    account = Account.objects.get(pk=lapsed.pk)
    assert account.audience == "Unga vuxna i Testby"
    assert account.confirmed_on == timezone.localdate()


def test_bluesky_added_in_the_admin_is_recognised(page, live_server, org):  # noqa: F811
    sign_in(page, live_server, "admin")
    goto(page, live_server, "/admin/accounts/platform/add/")
    page.locator("#id_name").fill("Bluesky")
    page.locator("#id_slug").fill("bluesky")
    page.locator("#id_hosts").fill("bsky.app")
    page.locator("#id_feed_template").fill("{url}/rss")
    page.locator('input[name="_save"]').click()
    page.wait_for_url(url(live_server, "/admin/accounts/platform/"))
    assert Platform.objects.filter(slug="bluesky").exists()

    goto(page, live_server, "/register/kontrollera/")
    page.get_by_label("Adress till kontot").fill("https://bsky.app/profile/testby.se")
    page.get_by_role("button", name="Kontrollera").click()
    page.wait_for_load_state()
    assert page.get_by_text("bsky.app/profile/testby.se (Bluesky)").is_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server, "kommunikationsavdelningen")
    goto(page, live_server, "/konton/ny/")
    assert page.get_by_label("Plattform").locator("option", has_text="Bluesky").count() == 1
    assert_accessible(page)
