"""The period page's package panel in a real browser: each state passes axe, and the
small script follows the build until the download link is there."""

import datetime

import pytest
from django.utils import timezone

from archive import builds
from archive.models import PackageBuild, State
from archive.periods import last_ended

from .factories import AccountFactory
from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
    url,
)
from .test_browser_csp import _snapshot
from .test_browser_moderation import shots  # noqa: F401 (a fixture used by name)

pytestmark = pytest.mark.browser


def test_the_package_panel_in_each_state_passes_axe_and_follows_the_build(
    page,  # noqa: F811
    live_server,
    org,
    account,
    settings,
    tmp_path,
    shots,  # noqa: F811
):
    settings.MEDIA_ROOT = tmp_path
    key = last_ended(timezone.now()).key
    other = AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
    _snapshot(account, key, State.SEALED)
    _snapshot(other, key, State.DUE)
    period_path = f"/arkiv/period/{key}/"
    panel = page.locator("#paket")

    sign_in(page, live_server, "arkivarie")
    goto(page, live_server, period_path)  # not built
    assert "Paketet är inte byggt än." in panel.inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Bygg leveranspaket").click()  # queued
    page.wait_for_url(url(live_server, period_path + "#paket"))
    assert "Paketet väntar på att byggas." in panel.inner_text()
    assert panel.get_by_role("link", name="Uppdatera sidan").is_visible()
    assert_accessible(page)

    # The worker's progress, as it writes it: the script shows it without a reload.
    build = PackageBuild.objects.get()
    now = timezone.now()
    PackageBuild.objects.filter(pk=build.pk).update(
        started_at=now, claimed_until=now + datetime.timedelta(hours=1), done=1, total=2
    )
    page.get_by_text("Paketet byggs: 1 av 2 ögonblicksbilder.").wait_for()
    bar = panel.locator("[data-package-progress]")
    assert bar.get_attribute("aria-valuenow") == "50"
    assert "w-pct-50" in bar.locator(".progress-bar").get_attribute("class")
    assert_accessible(page)
    page.screenshot(path=str(shots / "archive-package-building.png"), full_page=True)

    # Built: the script loads the page again, which links the download.
    PackageBuild.objects.filter(pk=build.pk).update(claimed_until=None, started_at=None)
    assert builds.build_requested(build.pk, now=timezone.now()) is not None
    download = page.get_by_role("link", name="Ladda ned leveranspaket (FGS/E-ARK)")
    download.wait_for()
    assert_accessible(page)
    with page.expect_download() as downloaded:
        download.click()
    assert downloaded.value.suggested_filename.endswith("-v1.zip")

    # Stale: a snapshot sealed since; the panel offers a new build.
    third = AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
    _snapshot(third, key, State.SEALED)
    goto(page, live_server, period_path)
    assert "Periodens innehåll har ändrats sedan version 1 byggdes." in panel.inner_text()
    assert_accessible(page)

    # Failed: the reason, and a way to try again.
    page.get_by_role("button", name="Bygg leveranspaket").click()
    page.wait_for_url(url(live_server, period_path + "#paket"))
    PackageBuild.objects.filter(package__isnull=True).update(error="En fil saknas.")
    goto(page, live_server, period_path)
    assert "Paketet kunde inte byggas: En fil saknas." in panel.inner_text()
    assert panel.get_by_role("button", name="Försök igen").is_visible()
    assert_accessible(page)
