"""Signing in with the kommun's account in real Chromium, through the provider's own
login form (tests/oidc/provider.mjs, a real OpenID provider on 127.0.0.1): the person
lands on "Att göra" with the role their group maps to, sign-out ends the provider's
session too, and once the group is gone the next sign-in demotes them. A tampered
answer ends on a Swedish page. The Content-Security-Policy is on, as in production,
with the provider's origin among the form-action sources (sign-out goes on there).

Fixtures and helpers come from tests/test_browser.py.
"""

import re

import pytest

from identity import provider
from identity.models import GroupMapping
from organisation.models import PersonEvent, Role, UnmappedSignIn, User

from .oidc_helpers import CLIENT_SECRET, OidcProvider
from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    url,
)

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}")


@pytest.fixture
def tab(page):  # noqa: F811 - the browser page of tests/test_browser.py
    return page


@pytest.fixture(scope="module")
def oidc(live_server):
    started = OidcProvider([live_server.url])
    yield started
    started.stop()


@pytest.fixture
def kommun(oidc, settings, org):
    oidc.configure(settings)
    GroupMapping.objects.create(group="g-chef", role=Role.CHEF, unit=org.bibliotek, note="Chefer")
    org.kommun.oidc_unmapped = UnmappedSignIn.MEDARBETARE
    org.kommun.save()
    oidc.set_account(
        "anna",
        preferred_username="anna.berg",
        given_name="Anna",
        family_name="Berg",
        groups=["g-chef"],
        department="Biblioteket",
    )
    yield org
    provider.forget()


def through_the_provider(tab, oidc, login):
    """On the provider's own login form: type the account and any password."""
    tab.wait_for_url(re.compile(re.escape(oidc.issuer) + "/interaction/.*"))
    tab.get_by_placeholder("Enter any login").fill(login)
    tab.get_by_placeholder("and password").fill("any password")
    tab.get_by_role("button", name="Sign-in").click()


def assert_no_secrets(tab):
    html = tab.content()
    assert CLIENT_SECRET not in html and not JWT.search(html)


def test_sign_in_with_the_kommuns_account_and_demotion_when_the_group_is_gone(
    tab, live_server, kommun, oidc
):
    goto(tab, live_server, "/logga-in/")
    assert_accessible(tab)
    first = tab.get_by_role("link", name="Logga in med kommunens konto")
    expect(first).to_be_visible()
    first.click()
    through_the_provider(tab, oidc, "anna")
    tab.wait_for_url(url(live_server, "/att-gora/"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Att göra")
    expect(tab.locator(".signed-in-name")).to_contain_text("Anna Berg")
    assert_no_secrets(tab)
    anna = User.objects.get(username="anna.berg")
    assert set(anna.role_assignments.values_list("role", "unit__name")) == {
        (Role.CHEF, "Biblioteket")
    }

    # Sign-out ends the provider's session as well: it asks, then sends us back.
    tab.get_by_role("button", name=re.compile("Logga ut")).click()
    tab.wait_for_url(re.compile(re.escape(oidc.issuer) + "/session/end.*"))
    tab.get_by_role("button", name=re.compile("Yes, sign me out")).click()
    tab.wait_for_url(url(live_server, "/logga-in/"))

    # The group is removed in the directory: the next sign-in (the provider asks for the
    # login again) makes her medarbetare of the unit her account names.
    oidc.set_account("anna", preferred_username="anna.berg", groups=[], department="Biblioteket")
    tab.get_by_role("link", name="Logga in med kommunens konto").click()
    through_the_provider(tab, oidc, "anna")
    tab.wait_for_url(url(live_server, "/att-gora/"))
    assert set(anna.role_assignments.values_list("role", "unit__name")) == {
        (Role.MEDARBETARE, "Biblioteket")
    }
    removed = PersonEvent.objects.get(person=anna, action=PersonEvent.Action.ROLE_REMOVED)
    assert removed.comment.startswith("inloggning via OIDC, grupp g-chef (Chefer)")


def tamper_sign_in(tab, live_server, change):
    """Change the sign-in this browser has under way, as kept in its session."""
    from importlib import import_module

    from django.conf import settings

    cookie = next(
        c for c in tab.context.cookies(live_server.url) if c["name"] == settings.SESSION_COOKIE_NAME
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    states = store["oidc_states"]
    for entry in states.values():
        change(entry)
    store["oidc_states"] = states
    store.save()


def expire(entry):
    entry["added_on"] -= 3600


def other_nonce(entry):
    entry["nonce"] = "not-the-nonce-that-was-sent"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (expire, "Inloggningen tog för lång tid och har gått ut. Börja om."),
        (other_nonce, "Svaret från kommunens inloggningstjänst kunde inte verifieras. Börja om."),
    ],
    ids=["expired state", "tampered nonce"],
)
def test_an_expired_or_tampered_sign_in_is_refused_on_a_swedish_page(
    tab, live_server, kommun, oidc, change, reason
):
    goto(tab, live_server, "/logga-in/")
    tab.get_by_role("link", name="Logga in med kommunens konto").click()
    tab.wait_for_url(re.compile(re.escape(oidc.issuer) + "/interaction/.*"))
    tamper_sign_in(tab, live_server, change)
    through_the_provider(tab, oidc, "anna")
    tab.wait_for_url(re.compile(re.escape(live_server.url) + "/oidc/callback/.*"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Inloggningen gick inte igenom")
    expect(tab.get_by_role("alert")).to_have_text(reason)
    assert_accessible(tab)
    assert_no_secrets(tab)
    assert not User.objects.filter(username="anna.berg").exists()
    tab.get_by_role("link", name="Till inloggningssidan").click()
    tab.wait_for_url(url(live_server, "/logga-in/"))
