"""Sign-in through the kommun's identity provider (identity/), against a real OpenID
provider on 127.0.0.1 (tests/oidc/provider.mjs, the npm package oidc-provider): the
authorization code flow with PKCE and a nonce, roles from groups at every sign-in and
recorded in the person's history, refusals on Swedish pages, passwords only for
nödkonton, sign-out at the provider too, and no secret in logs or pages. The browser
version is tests/test_browser_oidc.py."""

import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from identity import provider
from identity.models import GroupMapping
from organisation.models import PersonEvent, Role, UnmappedSignIn, User

from .csp import assert_unique_ids
from .oidc_helpers import CLIENT_SECRET, OidcProvider, ProviderBrowser, free_port, provider_log

JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}")


@pytest.fixture(scope="module")
def oidc():
    started = OidcProvider(["http://testserver"])
    yield started
    started.stop()


@pytest.fixture
def kommun(oidc, settings, org):
    """The provider configured; its groups g-chef (chef of Biblioteket) and g-komm
    (communicator of the förvaltning) mapped."""
    oidc.configure(settings)
    GroupMapping.objects.create(group="g-chef", role=Role.CHEF, unit=org.bibliotek, note="Chefer")
    GroupMapping.objects.create(group="G-KOMM", role=Role.KOMMUNIKATOR, unit=org.kultur)
    oidc.set_account(
        "anna",
        preferred_username="anna.berg@testby.example",
        given_name="Anna",
        family_name="Berg",
        email="anna.berg@testby.example",
        groups=["g-chef", "other-group"],
        department="Biblioteket",
    )
    yield org
    provider.forget()


def start(client):
    answer = client.get("/oidc/logga-in/")
    assert answer.status_code == 302, answer.content[:300]
    return answer["Location"]


def sign_in(client, oidc, login="anna"):
    back = ProviderBrowser(oidc).sign_in(start(client), login)
    return client.get(back)


def roles_of(user):
    return set(user.role_assignments.values_list("role", "unit__name"))


def signed_in_as(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def test_the_authorization_request_uses_pkce_and_a_nonce(client, kommun, oidc):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["nonce"] and query["state"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert "code_verifier" not in query


def test_first_sign_in_creates_the_person_with_the_role_their_group_maps_to(client, kommun, oidc):
    answer = sign_in(client, oidc)
    assert answer.status_code == 302 and answer["Location"] == "/att-gora/"
    anna = signed_in_as(client)
    assert anna.username == "anna.berg@testby.example"
    assert (anna.first_name, anna.last_name, anna.unit) == ("Anna", "Berg", kommun.bibliotek)
    assert anna.oidc_subject == "anna" and not anna.has_usable_password()
    assert roles_of(anna) == {(Role.CHEF, "Biblioteket")}
    history = {(e.action, e.comment) for e in PersonEvent.objects.filter(person=anna)}
    assert (
        PersonEvent.Action.ROLE_GRANTED,
        "inloggning via OIDC, grupp g-chef (Chefer)",
    ) in history
    assert {a for a, _c in history} == {
        PersonEvent.Action.LINKED,
        PersonEvent.Action.UNIT_CHANGED,
        PersonEvent.Action.ROLE_GRANTED,
    }
    todo = client.get("/att-gora/")
    assert todo.status_code == 200 and "Att göra" in todo.content.decode()


def test_an_existing_person_is_linked_by_user_name_and_keeps_roles_given_by_hand(
    client, kommun, oidc
):
    person = User.objects.create_user("anna.berg@testby.example", password="old-password")
    person.role_assignments.create(role=Role.ARKIVARIE, unit=kommun.kommun)
    sign_in(client, oidc)
    person.refresh_from_db()
    assert signed_in_as(client) == person
    assert roles_of(person) == {(Role.CHEF, "Biblioteket"), (Role.ARKIVARIE, "Testby kommun")}
    assert not person.has_usable_password()


def test_groups_are_matched_in_any_letter_case_and_the_next_sign_in_follows_them(
    client, settings, kommun, oidc
):
    sign_in(client, oidc)
    anna = signed_in_as(client)
    client.post("/logga-ut/")
    oidc.set_account(
        "anna",
        preferred_username="anna.berg@testby.example",
        groups=["g-komm"],
        department="Biblioteket",
    )
    assert sign_in(client, oidc).status_code == 302
    assert roles_of(anna) == {(Role.KOMMUNIKATOR, "Kultur- och fritidsförvaltningen")}
    removed = PersonEvent.objects.get(person=anna, action=PersonEvent.Action.ROLE_REMOVED)
    assert removed.comment == (
        "inloggning via OIDC, grupp g-chef (Chefer) finns inte längre bland personens grupper"
    )
    assert removed.data == {"role": "chef", "unit": kommun.bibliotek.pk, "unit_name": "Biblioteket"}
    # A third sign-in with the same groups changes and records nothing.
    count = PersonEvent.objects.filter(person=anna).count()
    client.post("/logga-ut/")
    sign_in(client, oidc)
    assert PersonEvent.objects.filter(person=anna).count() == count


def test_without_a_mapped_group_the_kommun_may_let_them_in_as_medarbetare(client, kommun, oidc):
    kommun.kommun.oidc_unmapped = UnmappedSignIn.MEDARBETARE
    kommun.kommun.save()
    sign_in(client, oidc)
    anna = signed_in_as(client)
    client.post("/logga-ut/")
    oidc.set_account(
        "anna", preferred_username="anna.berg@testby.example", groups=[], department="skolan"
    )
    assert sign_in(client, oidc)["Location"] == "/att-gora/"
    assert roles_of(anna) == {(Role.MEDARBETARE, "Skolan")}
    anna.refresh_from_db()
    assert anna.unit == kommun.skolan
    granted = PersonEvent.objects.filter(person=anna, action=PersonEvent.Action.ROLE_GRANTED).last()
    assert granted.comment == (
        "inloggning via OIDC, ingen mappad grupp: medarbetare i enheten Skolan"
    )


def test_without_a_mapped_group_or_a_known_unit_the_refusal_says_why(client, kommun, oidc):
    kommun.kommun.oidc_unmapped = UnmappedSignIn.MEDARBETARE
    kommun.kommun.save()
    oidc.set_account("nils", preferred_username="nils", groups=["x"], department="Okänd enhet")
    answer = sign_in(client, oidc, "nils")
    assert answer.status_code == 403
    html = answer.content.decode()
    assert "enheten ”Okänd enhet” som ditt konto anger finns inte i Kanalkoll" in html
    assert '<html lang="sv">' in html
    assert not User.objects.filter(username="nils").exists()
    assert signed_in_as(client) is None


def test_by_default_a_person_without_a_mapped_group_is_refused_and_demoted(client, kommun, oidc):
    sign_in(client, oidc)
    anna = signed_in_as(client)
    client.post("/logga-ut/")
    oidc.set_account("anna", preferred_username="anna.berg@testby.example", groups=["x"])
    answer = sign_in(client, oidc)
    assert answer.status_code == 403
    assert "Ingen av dina grupper i kommunens katalog ger behörighet till Kanalkoll" in (
        answer.content.decode()
    )
    assert_unique_ids(answer)
    assert signed_in_as(client) is None
    assert roles_of(anna) == set()
    assert PersonEvent.objects.filter(person=anna, action=PersonEvent.Action.ROLE_REMOVED).exists()


def test_a_tampered_or_replayed_state_is_refused(client, kommun, oidc):
    back = ProviderBrowser(oidc).sign_in(start(client), "anna")
    tampered = re.sub(r"state=[^&]+", "state=forged", back)
    answer = client.get(tampered)
    assert answer.status_code == 400
    assert "hör inte till en inloggning som pågår i den här webbläsaren" in answer.content.decode()
    assert client.post(back).status_code == 405  # the provider answers with a GET only
    assert client.get(back).status_code == 302  # the real answer still works, once
    client.post("/logga-ut/")
    replay = client.get(back)
    assert replay.status_code == 400 and signed_in_as(client) is None


def test_an_expired_state_is_refused(client, kommun, oidc):
    back = ProviderBrowser(oidc).sign_in(start(client), "anna")
    session = client.session
    for entry in session["oidc_states"].values():
        entry["added_on"] = time.time() - 601
    session.save()
    answer = client.get(back)
    assert answer.status_code == 400
    assert "Inloggningen tog för lång tid och har gått ut" in answer.content.decode()
    assert signed_in_as(client) is None


def test_a_tampered_nonce_is_refused(client, kommun, oidc, caplog):
    back = ProviderBrowser(oidc).sign_in(start(client), "anna")
    session = client.session
    for entry in session["oidc_states"].values():
        entry["nonce"] = "not-the-one-sent"
    session.save()
    with caplog.at_level(logging.WARNING, logger="identity"):
        answer = client.get(back)
    assert answer.status_code == 400
    assert "kunde inte verifieras" in answer.content.decode()
    assert "Nonce" in caplog.text
    assert signed_in_as(client) is None and not User.objects.filter(oidc_subject="anna").exists()


def test_an_error_from_the_provider_is_a_swedish_page(client, kommun, oidc):
    start(client)
    state = next(iter(client.session["oidc_states"]))
    answer = client.get(f"/oidc/callback/?error=access_denied&state={state}")
    assert answer.status_code == 400
    assert "Inloggningen avbröts hos kommunens inloggningstjänst" in answer.content.decode()


def test_a_provider_that_cannot_be_reached_is_a_swedish_page(client, settings, org):
    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    settings.OIDC_RP_CLIENT_ID = "kanalkoll"
    provider.forget()
    answer = client.get("/oidc/logga-in/")
    assert answer.status_code == 502
    assert "Kommunens inloggningstjänst gick inte att nå" in answer.content.decode()
    provider.forget()


def test_endpoints_off_the_issuers_origin_or_without_tls_are_refused(settings):
    settings.OIDC_ISSUER = "https://login.microsoftonline.com/tenant/v2.0"
    assert provider.check_url("https://login.microsoftonline.com/tenant/oauth2/v2.0/token")
    for url in (
        "https://evil.example/token",
        "http://login.microsoftonline.com/tenant/token",
        "https://login.microsoftonline.com:8443/token",
        "",
    ):
        with pytest.raises(provider.ProviderError):
            provider.check_url(url)
    settings.OIDC_ISSUER = "https://adfs.kommun.example/adfs/.well-known/openid-configuration"
    assert provider.issuer() == "https://adfs.kommun.example/adfs"


def test_passwords_only_for_nodkonton_and_never_after_the_kommuns_account(client, kommun, oidc):
    people = kommun.people

    def password_sign_in(username):
        client.post("/logga-in/", {"username": username, "password": "test-password"})
        who = signed_in_as(client)
        client.post("/logga-ut/")
        return who

    assert password_sign_in("medarbetare") is None
    people.admin.is_break_glass = True
    people.admin.save()
    assert password_sign_in("admin") == people.admin
    # A nödkonto does not sign in through the provider.
    oidc.set_account("admin-idp", preferred_username="admin", groups=["g-chef"])
    answer = sign_in(client, oidc, "admin-idp")
    assert answer.status_code == 403 and "nödkonto" in answer.content.decode()
    # Once signed in through the provider, never with a password, also with it off.
    sign_in(client, oidc)
    anna = signed_in_as(client)
    anna.set_password("test-password")
    anna.is_break_glass = True
    anna.save()
    assert password_sign_in(anna.username) is None
    kommun_off = {"OIDC_ISSUER": "", "OIDC_RP_CLIENT_ID": ""}
    from django.test import override_settings

    with override_settings(**kommun_off):
        assert password_sign_in(anna.username) is None
        assert password_sign_in("medarbetare") == people.medarbetare


def test_sign_in_page_offers_the_kommuns_account_first(client, kommun, oidc):
    html = client.get("/logga-in/").content.decode()
    assert html.index("Logga in med kommunens konto") < html.index('name="password"')
    assert "Nödinloggning med lösenord" in html


def test_without_a_provider_the_page_is_as_before_and_the_oidc_urls_are_404(client, org):
    html = client.get("/logga-in/").content.decode()
    assert "kommunens konto" not in html and 'name="password"' in html
    assert client.get("/oidc/logga-in/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_sign_out_ends_the_providers_session_too(client, kommun, oidc):
    sign_in(client, oidc)
    answer = client.post("/logga-ut/")
    assert signed_in_as(client) is None
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oidc.issuer}/session/end"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/logga-in/"]
    assert "id_token_hint" not in query
    # A nödkonto's sign-out stays here.
    kommun.people.admin.is_break_glass = True
    kommun.people.admin.save()
    client.post("/logga-in/", {"username": "admin", "password": "test-password"})
    assert client.post("/logga-ut/")["Location"] == "/logga-in/"


def test_no_token_code_or_secret_in_logs_or_pages(client, kommun, oidc, caplog):
    caplog.set_level(logging.DEBUG)
    back = ProviderBrowser(oidc).sign_in(start(client), "anna")
    code = parse_qs(urlsplit(back).query)["code"][0]
    pages = [client.get(back, follow=True), client.get("/admin/")]
    for answer in pages:
        html = answer.content.decode()
        assert CLIENT_SECRET not in html and code not in html and not JWT.search(html)
    session = dict(client.session.items())
    assert not JWT.search(str(session)) and CLIENT_SECRET not in str(session)
    assert CLIENT_SECRET not in caplog.text and code not in caplog.text
    assert not JWT.search(caplog.text), caplog.text
    assert "OIDC sign-in: anna.berg@testby.example" in caplog.text
    assert "ready" in provider_log(oidc)


def test_the_lockout_still_guards_the_nodkonto_beside_the_kommuns_account(client, kommun, oidc):
    kommun.people.admin.is_break_glass = True
    kommun.people.admin.save()
    for _attempt in range(5):
        answer = client.post("/logga-in/", {"username": "admin", "password": "fel"})
    assert answer.status_code == 429
    html = answer.content.decode()
    assert "För många misslyckade inloggningsförsök" in html
    assert html.index("Logga in med kommunens konto") < html.index('<details class="mt-4" open>')
    right = client.post("/logga-in/", {"username": "admin", "password": "test-password"})
    assert right.status_code == 429 and signed_in_as(client) is None
    # The kommun's account is not locked by it.
    assert sign_in(client, oidc)["Location"] == "/att-gora/"
