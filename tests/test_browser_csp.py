"""Browser tests of the Content-Security-Policy: Chromium enforces it on the app's pages,
the watch in tests/test_browser.py sees what it refuses, the Django admin works under it,
the archive's progress bars keep their width without style attributes, and a locked-out
sign-in says so in Swedish. Screenshots go to $KANALKOLL_SCREENSHOTS if set."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from archive.models import Method, Reason, Snapshot, State
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
from .test_browser_moderation import shots  # noqa: F401 (a fixture used by name)

pytestmark = pytest.mark.browser


def test_the_browser_enforces_the_policy_and_the_watch_sees_it(page, browser, live_server, org):  # noqa: F811
    response = goto(page, live_server, "/register/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert_accessible(page)  # axe runs although inline script is refused
    assert browser.csp.take() == []

    # What an injected inline script, handler or style would try: all refused.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
          document.body.insertAdjacentHTML("beforeend", '<img src="/static/x" onerror="window.injected = true">');
          document.body.setAttribute("style", "background: red");
        }"""
    )
    page.wait_for_function("() => document.querySelectorAll('img[onerror]').length === 1")
    assert page.evaluate("() => window.injected") is None
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    )
    page.wait_for_timeout(0)  # let the console events arrive
    refused = browser.csp.take()
    assert any("script-src" in line for line in refused), refused
    assert any("style-src" in line for line in refused), refused


def test_the_admin_works_under_the_policy(page, live_server, org, account, shots):  # noqa: F811
    sign_in(page, live_server, "admin")
    for path in (
        "/admin/",
        "/admin/accounts/account/",
        f"/admin/accounts/account/{account.pk}/history/",
    ):
        goto(page, live_server, path)
    # Accounts are read-only in the admin, and a person's form has plain, labelled
    # selects (axe); a group mapping's form has an autocomplete widget for its unit.
    goto(page, live_server, "/admin/identity/groupmapping/add/")
    # The admin's own scripts ran: the autocomplete widgets are built.
    assert page.locator("#id_unit + .select2-container").count() == 1
    page.locator("#id_unit + .select2-container").click()
    page.locator(".select2-container--open .select2-search__field").fill("Bibl")
    page.locator(".select2-results__option", has_text="Biblioteket").first.wait_for()
    page.screenshot(path=str(shots / "admin-groupmapping-add.png"))
    # The changelist filter and the search run too.
    goto(page, live_server, "/admin/accounts/account/?q=Biblioteket")
    assert page.locator("#result_list tbody tr").count() == 1


def test_the_admin_deactivates_a_person_under_the_policy(page, live_server, org, account, shots):  # noqa: F811
    """The user list's action (organisation.services.deactivate_user), with the admin's
    own actions script running: ticking a row counts it."""
    leaver = org.people.medarbetare
    sign_in(page, live_server, "admin")
    goto(page, live_server, "/admin/organisation/user/")
    page.locator(f"#result_list input.action-select[value='{leaver.pk}']").check()
    page.locator(".action-counter", has_text="1 av").wait_for()
    page.locator("select[name='action']").select_option("deactivate")
    page.locator("button[name='index']").click()
    page.locator(".messagelist", has_text="1 person avaktiverad.").wait_for()
    page.screenshot(path=str(shots / "admin-user-deactivated.png"))
    leaver.refresh_from_db()
    assert not leaver.is_active and leaver.handovers.get().created_by == org.people.admin


def _snapshot(account, key, state):
    due = timezone.now() - datetime.timedelta(days=1)
    period = Snapshot(
        account=account,
        period_key=key,
        reason=Reason.SEMIANNUAL,
        state=state,
        method=Method.AUTOMATIC,
        due_at=due,
        created_at=due,
    )
    if state == State.SEALED:
        body = b"%PDF-1.7\n%%EOF\n"
        period.captured_at = period.sealed_at = timezone.now()
        period.sha256 = hashlib.sha256(body).hexdigest()
        period.pdf.save("snapshot.pdf", ContentFile(body), save=False)
    period.save()
    return period


def test_progress_bars_keep_their_width_without_style_attributes(
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
    others = [AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare) for _ in "ab"]
    _snapshot(account, key, State.SEALED)
    for other in others:
        _snapshot(other, key, State.DUE)
    sign_in(page, live_server, "arkivarie")
    for path in ("/arkiv/", f"/arkiv/period/{key}/"):
        goto(page, live_server, path)
        bar = page.locator(".progress-bar").first
        assert bar.inner_text().strip() == "33 %"
        ratio = page.evaluate(
            "(bar) => bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width",
            bar.element_handle(),
        )
        assert abs(ratio - 0.33) < 0.01, (path, ratio)
        assert_accessible(page)
    page.screenshot(path=str(shots / "archive-period.png"), full_page=True)


def test_a_locked_out_sign_in_is_told_in_swedish(page, live_server, org, shots):  # noqa: F811
    goto(page, live_server, "/logga-in/")
    for _ in range(5):
        page.get_by_label("Användarnamn").fill("medarbetare")
        page.get_by_label("Lösenord").fill("fel-lösenord")
        with page.expect_response(url(live_server, "/logga-in/")) as answer:
            page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()
    assert answer.value.status == 429
    alert = page.get_by_role("alert")
    assert "För många misslyckade inloggningsförsök" in alert.inner_text()
    assert "15 minuter, till klockan" in alert.inner_text()
    assert page.get_by_label("Användarnamn").input_value() == "medarbetare"
    assert_accessible(page)
    page.screenshot(path=str(shots / "login-locked-out.png"), full_page=True)
    # The right password changes nothing now.
    page.get_by_label("Lösenord").fill("test-password")
    with page.expect_response(url(live_server, "/logga-in/")) as answer:
        page.get_by_role("button", name="Logga in").click()
    assert answer.value.status == 429
    assert page.url == url(live_server, "/logga-in/")
