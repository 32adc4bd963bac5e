"""Browser tests: real Chromium (Debian's) through Playwright against the live server.

They check what only a browser can: the public register's filter form, signing in,
the edit form's round trip, keyboard access, and WCAG 2.1 AA with axe-core. The app's
Content-Security-Policy is on, as in production: every context that `browser` opens
records what the policy refused (the browser's console and `securitypolicyviolation`
events), and the `page` fixture fails a test that caused any refusal. axe-core is run
through Playwright's evaluate (DevTools), not as a script tag the policy would refuse.

Playwright's sync API keeps an event loop running in the main thread, where the
test's own ORM calls happen; the module sets DJANGO_ALLOW_ASYNC_UNSAFE while it runs.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from accounts import platforms
from accounts.models import Status
from archive.capture import HEADLESS_ARGS
from notifications.services import notify
from organisation.models import Absence

from .factories import AccountFactory

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = HEADLESS_ARGS
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000


# -- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; Django then refuses ORM
    calls from it unless told this is safe (it is: the loop is Playwright's, not ours)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


# Reports each refusal by the page's Content-Security-Policy to the console, where the
# context's listener collects it (beside Chromium's own console message about it).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused ${event.blockedURI}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
}, true);
"""


class CspWatch:
    """What the Content-Security-Policy refused in the contexts it watches."""

    def __init__(self):
        self.violations = []

    def watch(self, context):
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        return context

    def _console(self, message):
        text = message.text
        if text.startswith("CSP violation") or "Content Security Policy" in text:
            self.violations.append(f"{message.location.get('url')}: {text}")

    def take(self):
        found, self.violations = self.violations, []
        return found


@pytest.fixture(scope="module")
def browser(_allow_orm_beside_playwright):
    """Debian's Chromium; every context it opens is watched for CSP refusals
    (`browser.csp.take()` returns and clears them)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        browser.csp = CspWatch()
        new_context = browser.new_context
        browser.new_context = lambda *a, **kw: browser.csp.watch(new_context(*a, **kw))
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db, settings):
    """A fresh context's page. The test fails if the Content-Security-Policy refused
    anything in any context opened meanwhile."""
    # Session and CSRF cookies are sent back over plain http.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    browser.csp.take()
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
    violations = browser.csp.take()
    assert violations == [], "Content-Security-Policy refused:\n" + "\n".join(violations)


def url(live_server, path):
    return f"{live_server.url}{path}"


def goto(page, live_server, path, status=200):
    response = page.goto(url(live_server, path))
    assert response is not None
    assert response.status == status, f"GET {path}: {response.status}"
    # The server never redirected to https or elsewhere behind our back.
    assert page.url.startswith(live_server.url), page.url
    return response


def assert_accessible(page):
    """Run axe-core on the current page; fail listing every WCAG 2.1 A/AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools in the page's own world: the page's policy still
        # governs everything the app does, and axe is not an inline script it refuses.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
    ]
    report = json.dumps(violations, indent=2, ensure_ascii=False)
    assert violations == [], f"axe-core: WCAG 2.1 AA violations on {page.url}:\n{report}"


def row_names(page):
    """Account names shown in the public register's table (first column links)."""
    return sorted(page.locator("table.register-table tbody tr td:first-child a").all_inner_texts())


def sign_in(page, live_server, username, password="test-password"):
    goto(page, live_server, "/logga-in/")
    assert_accessible(page)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(url(live_server, "/att-gora/"))


@pytest.fixture
def register_accounts(org):
    """Six active accounts on different platforms and in both förvaltningar, plus a
    closed and a planned one that the public must not see."""
    p = org.people
    common = {"responsible": p.medarbetare, "substitute": p.chef}
    accounts = {
        "Biblioteket på Facebook": AccountFactory(
            display_name="Biblioteket på Facebook",
            platform=platforms.FACEBOOK_PAGE,
            unit=org.bibliotek,
            **common,
        ),
        "Biblioteket på Instagram": AccountFactory(
            display_name="Biblioteket på Instagram",
            platform=platforms.INSTAGRAM,
            url="https://www.instagram.com/testbybibliotek",
            unit=org.bibliotek,
            **common,
        ),
        "Kulturen på YouTube": AccountFactory(
            display_name="Kulturen på YouTube",
            platform=platforms.YOUTUBE,
            url="https://www.youtube.com/@testbykultur",
            unit=org.kultur,
            **common,
        ),
        "Skolan på Instagram": AccountFactory(
            display_name="Skolan på Instagram",
            platform=platforms.INSTAGRAM,
            url="https://www.instagram.com/testbyskolan",
            unit=org.skolan,
            **common,
        ),
        "Utbildning på LinkedIn": AccountFactory(
            display_name="Utbildning på LinkedIn",
            platform=platforms.LINKEDIN,
            url="https://www.linkedin.com/company/testby-utbildning",
            unit=org.utbildning,
            **common,
        ),
        "Testby kommun på X": AccountFactory(
            display_name="Testby kommun på X",
            platform=platforms.X,
            url="https://x.com/testbykommun",
            unit=org.kommun,
            **common,
        ),
    }
    AccountFactory(
        display_name="Nedlagt Instagramkonto",
        platform=platforms.INSTAGRAM,
        url="https://www.instagram.com/testbygammalt",
        unit=org.bibliotek,
        status=Status.CLOSED,
        closed_on=datetime.date(2024, 6, 30),
        **common,
    )
    AccountFactory(
        display_name="Planerad Instagram",
        platform=platforms.INSTAGRAM,
        url="https://www.instagram.com/testbyplanerat",
        unit=org.skolan,
        status=Status.PLANNED,
        **common,
    )
    return accounts


@pytest.fixture
def curator_world(org, account):
    """What the curator's pages show: an account with problems that the curator
    answers for (on Att göra), a notification and an absence."""
    p = org.people
    curator = p.kommunikationsavdelningen
    AccountFactory(
        display_name="Kommunens TikTok",
        platform=platforms.TIKTOK,
        url="https://www.tiktok.com/@testbykommun",
        unit=org.kommun,
        responsible=curator,
        substitute=None,
        gp_contact_phone=False,
    )
    notify(
        curator,
        "account_role",
        {"account": account, "roles": ["administratör"], "actor": p.kommunikationschef},
        url=f"/konton/{account.pk}/",
        now=timezone.now(),
    )
    today = timezone.localdate()
    Absence.objects.create(
        user=curator,
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=14),
        substitute=p.kommunikationschef,
        note="Semester",
        created_at=timezone.now(),
    )
    return curator


# -- tests --------------------------------------------------------------------------


def test_public_register_filters_and_is_accessible(page, live_server, register_accounts, org):
    goto(page, live_server, "/register/")
    assert page.locator("h1").count() == 1
    assert row_names(page) == sorted(register_accounts)
    body = page.locator("main").inner_text()
    assert "Nedlagt Instagramkonto" not in body
    assert "Planerad Instagram" not in body
    assert page.get_by_text("6 officiella konton").is_visible()
    assert_accessible(page)

    # Filter by platform: the form is a GET form, so the URL carries the filter.
    page.get_by_label("Plattform").select_option(platforms.INSTAGRAM)
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**/register/?*platform=instagram*")
    assert row_names(page) == ["Biblioteket på Instagram", "Skolan på Instagram"]
    assert page.get_by_text("2 officiella konton").is_visible()
    assert page.get_by_label("Plattform").input_value() == platforms.INSTAGRAM

    # Narrow to a förvaltning: its units are included, the other förvaltning is not.
    page.get_by_label("Förvaltning").select_option(str(org.kultur.pk))
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(f"**/register/?*unit={org.kultur.pk}*")
    assert row_names(page) == ["Biblioteket på Instagram"]
    assert page.get_by_text("1 officiellt konto").is_visible()

    # Only the förvaltning: everything active below Utbildningsförvaltningen.
    page.get_by_label("Plattform").select_option("")
    page.get_by_label("Förvaltning").select_option(str(org.utbildning.pk))
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(f"**/register/?*unit={org.utbildning.pk}*")
    assert row_names(page) == ["Skolan på Instagram", "Utbildning på LinkedIn"]
    assert_accessible(page)

    # A filter that matches nothing says so, accessibly.
    page.get_by_label("Plattform").select_option(platforms.TIKTOK)
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**/register/?*platform=tiktok*")
    assert row_names(page) == []
    assert page.get_by_text("Inga konton matchar filtret.").is_visible()
    assert_accessible(page)


def test_curator_pages_are_accessible_and_edit_round_trip(
    page, live_server, org, account, curator_world
):
    sign_in(page, live_server, "kommunikationsavdelningen")
    assert page.locator("h1").inner_text() == "Att göra"
    assert page.get_by_role("link", name="Åtgärda brister på Kommunens TikTok").is_visible()
    assert_accessible(page)

    for path in (
        "/konton/",
        f"/konton/{account.pk}/",
        f"/konton/{account.pk}/andra/",
        "/konton/efterlevnad/",
        "/aviseringar/",
        "/franvaro/",
    ):
        goto(page, live_server, path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)

    # An invalid address: the form comes back with the Swedish error, nothing is saved.
    versions = account.history.count()
    goto(page, live_server, f"/konton/{account.pk}/andra/")
    address = page.get_by_label("Adress (URL)")
    address.fill("ftp://x")
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert page.url == url(live_server, f"/konton/{account.pk}/andra/")
    assert page.get_by_role("alert").filter(has_text="Formuläret har fel").is_visible()
    address = page.get_by_label("Adress (URL)")
    assert address.input_value() == "ftp://x"
    assert address.get_attribute("aria-invalid") == "true"
    url_errors = page.locator("#div_id_url .invalid-feedback")
    assert url_errors.inner_text().strip() == "Fyll i en giltig URL."
    assert_accessible(page)  # the form with its errors shown
    # An ftp address that is a valid URL meets Kanalkoll's own rule instead.
    page.get_by_label("Adress (URL)").fill("ftp://ftp.testby.example/bibliotek")
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert url_errors.inner_text().strip() == (
        "Bara webbadresser (http eller https) kan vara konton."
    )
    account.refresh_from_db()
    assert account.url == "https://www.instagram.com/testbybibliotek"
    assert account.history.count() == versions

    # A valid change is saved and shows in the history timeline.
    page.get_by_label("Adress (URL)").fill("https://www.instagram.com/testbybiblioteket")
    page.get_by_label("Målgrupp").fill("Barn och unga i Testby")
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(url(live_server, f"/konton/{account.pk}/"))
    assert page.get_by_role("status").filter(has_text="Ändringarna är sparade.").is_visible()
    account.refresh_from_db()
    assert account.url == "https://www.instagram.com/testbybiblioteket"
    assert account.audience == "Barn och unga i Testby"
    assert account.history.count() == versions + 1
    timeline = page.locator("ol.timeline > li")
    assert timeline.count() == versions + 1
    newest = timeline.first.inner_text()
    assert "Ändrat" in newest
    assert f"av {org.people.kommunikationsavdelningen}" in newest
    assert "https://www.instagram.com/testbybiblioteket" in newest
    assert "Barn och unga i Testby" in newest
    assert "Registrerat" in timeline.last.inner_text()
    assert_accessible(page)


def test_first_tab_focuses_skip_link(page, live_server, register_accounts):
    goto(page, live_server, "/register/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Hoppa till innehållet", "href": "#main-content"}
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    assert skip.is_visible()  # visually-hidden-focusable shows it once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"


def test_choosing_administrators_with_the_keyboard_keeps_every_choice(
    page, live_server, org, colleague
):
    """The people picker: the account's unit first, a filter, one click toggles one
    person, filtering never drops a choice, axe-clean; saved as chosen."""
    p = org.people
    account = AccountFactory(
        display_name="Biblioteket på TikTok",
        platform=platforms.TIKTOK,
        url="https://www.tiktok.com/@testbybibliotek",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        substitute=p.chef,
    )
    account.administrators.set([p.medarbetare, p.kommunikator])
    sign_in(page, live_server, "kommunikationsavdelningen")
    goto(page, live_server, f"/konton/{account.pk}/andra/")
    picker = page.get_by_role("group", name="Administratörer")
    # The unit's people come first, under the unit's name.
    first_group = picker.locator(".people-picker-group").first
    assert "Biblioteket" in first_group.inner_text()
    assert str(colleague) in first_group.inner_text()
    chosen = picker.locator("[data-picker-chosen]")
    assert str(p.medarbetare) in chosen.inner_text()
    assert_accessible(page)
    # Filter by typing, choose with the keyboard; the earlier choices stay.
    search = picker.get_by_label("Sök person, titel eller enhet")
    search.fill("kollega")
    search.press("Enter")  # never submits the form
    assert page.url == url(live_server, f"/konton/{account.pk}/andra/")
    assert not picker.get_by_label(str(p.medarbetare)).is_visible()
    box = picker.get_by_label(str(colleague))
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    search.fill("")
    assert picker.get_by_label(str(p.medarbetare)).is_checked()
    assert str(colleague) in chosen.inner_text() and str(p.medarbetare) in chosen.inner_text()
    # Someone from another förvaltning, found by the filter in the folded list.
    search.fill(p.outsider.last_name or p.outsider.username)
    picker.get_by_label(str(p.outsider)).check()
    search.fill("")
    assert_accessible(page)
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(url(live_server, f"/konton/{account.pk}/"))
    assert set(account.administrators.all()) == {
        p.medarbetare,
        p.kommunikator,
        colleague,
        p.outsider,
    }


def test_a_long_changed_text_opens_whole_in_the_history(page, live_server, org):
    from accounts.services import update_account

    p = org.people
    account = AccountFactory(
        display_name="Biblioteket på Threads",
        platform=platforms.THREADS,
        url="https://www.threads.com/@testbybibliotek",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        substitute=p.chef,
    )
    old, new = "Gammalt syfte. " * 12 + "SLUT1", "Nytt syfte. " * 12 + "SLUT2"
    update_account(p.kommunikationschef, account.pk, {"purpose": old}, now=timezone.now())
    update_account(p.kommunikationschef, account.pk, {"purpose": new}, now=timezone.now())
    sign_in(page, live_server, "kommunikationsavdelningen")
    goto(page, live_server, f"/konton/{account.pk}/historik/")
    newest = page.locator("details.change").first
    assert not newest.get_by_role("insertion").is_visible()
    newest.locator("summary").focus()
    page.keyboard.press("Enter")
    assert "SLUT2" in newest.get_by_role("insertion").inner_text()
    assert "SLUT1" in newest.get_by_role("deletion").inner_text()
    assert newest.get_by_role("insertion").is_visible()
    assert_accessible(page)
