"""The API for monitoring tools: keys issued and revoked in the browser, items pushed
with a key, idempotent on the tool's own id, and every bad request a 4xx with a reason."""

import datetime
import hashlib
import json
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Status
from moderation import api, services, tokens
from moderation.models import Action, ApiToken, Item, Kind
from notifications.models import Notification
from organisation.models import Absence

from .factories import UserFactory, race

ITEMS = "/api/v1/items"
KEYS = "/moderering/nycklar/"
STOCKHOLM = timezone.get_fixed_timezone(60)  # CET: the pinned moment is in November
NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture
def key(org, account):
    _token, key = tokens.issue(
        org.people.kommunikationsavdelningen, account, "Bevakaren", now=timezone.now()
    )
    return key


def push(client, key, body, content_type="application/json", **headers):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    if key is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {key}")
    return client.post(ITEMS, data, content_type=content_type, **headers)


def body(**fields):
    return {
        "external_id": "fb-comment-4711",
        "kind": "fraga",
        "text": "När öppnar biblioteket på lördag?",
        "post_url": "https://www.instagram.com/p/abc123/",
        "author": "Kim Läsare",
        "posted_at": "2026-11-18T09:00:00+01:00",
    } | fields


# -- keys in the browser ---------------------------------------------------------------


def test_issuing_shows_the_key_once_and_stores_only_its_hash(client, org, account):
    client.force_login(org.people.kommunikationsavdelningen)
    response = client.post(KEYS, {"account": account.pk, "name": "Bevakaren"})
    assert (response.status_code, response["Location"]) == (302, KEYS)  # POST/redirect/GET
    response = client.get(KEYS)
    assert response["Cache-Control"].count("no-store")
    html = response.content.decode()
    key = re.search(r'value="(kk_[A-Za-z0-9_-]{43})"', html).group(1)

    token = ApiToken.objects.get()
    assert (token.account, token.name, token.created_by) == (
        account,
        "Bevakaren",
        org.people.kommunikationsavdelningen,
    )
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:10] and len(token.prefix) < len(key)
    stored = [str(v) for v in ApiToken.objects.values().get().values()]
    assert not any(key in value for value in stored)

    again = client.get(KEYS).content.decode()  # a reload: the key is gone, none is issued
    assert key not in again and ApiToken.objects.count() == 1
    assert len(re.findall(r"<h1[\s>]", again)) == 1 and len(re.findall(r"<h1[\s>]", html)) == 1
    assert f"{token.prefix}…" in again and "Bevakaren" in again and "aldrig" in again


def test_the_moderation_page_links_to_the_keys_for_curators_only(client, org, account):
    for person, shown in ((org.people.kommunikationschef, True), (org.people.medarbetare, False)):
        client.force_login(person)
        assert (KEYS in client.get("/moderering/").content.decode()) == shown


def test_issuing_needs_a_tool_name_and_an_open_account(client, org, account):
    client.force_login(org.people.kommunikationschef)
    assert client.post(KEYS, {"account": account.pk, "name": "  "}).status_code == 400
    account.status = Status.CLOSED
    account.save()
    assert client.post(KEYS, {"account": account.pk, "name": "Bevakaren"}).status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["medarbetare", "chef", "kommunikator", "arkivarie", "admin"])
def test_only_curators_issue_and_revoke(client, org, account, key, role):
    client.force_login(getattr(org.people, role))
    assert client.post(KEYS, {"account": account.pk, "name": "Egen"}).status_code == 403
    token = ApiToken.objects.get()
    assert client.post(f"{KEYS}{token.pk}/aterkalla/").status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.active().count() == 1


def test_revoking_is_recorded_and_the_key_then_gets_401(client, org, account, key):
    curator = org.people.kommunikationschef
    token = ApiToken.objects.get()
    client.force_login(curator)
    response = client.post(f"{KEYS}{token.pk}/aterkalla/", follow=True)
    assert "är återkallad" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == curator and token.revoked_at is not None

    again = client.post(f"{KEYS}{token.pk}/aterkalla/", follow=True)
    assert "redan återkallad" in again.content.decode()
    assert ApiToken.objects.get().revoked_at == token.revoked_at
    assert client.post(f"{KEYS}999999/aterkalla/").status_code == 404

    response = push(Client(), key, body())
    assert response.status_code == 401
    assert response.json() == {"error": "Nyckeln är återkallad.", "fields": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Item.objects.exists()


# -- pushing items -------------------------------------------------------------------


def test_a_push_creates_an_item_with_the_deadline_and_the_responsible_person(
    client, org, account, key
):
    with time_machine.travel(NOW, tick=False):
        response = push(client, key, body())
    assert response.status_code == 201, response.content
    data = response.json()
    item = Item.objects.get()
    posted = datetime.datetime(2026, 11, 18, 8, 0, tzinfo=datetime.UTC)
    assert item.posted_at == posted and item.noticed_at == NOW
    assert item.due_at == posted + datetime.timedelta(seconds=172_800)
    assert data == {
        "id": item.pk,
        "external_id": "fb-comment-4711",
        "kind": "fraga",
        "due_at": "2026-11-20T09:00:00+01:00",
        "url": f"http://testserver/moderering/{item.pk}/",
        "created": True,
    }
    assert response["Location"] == data["url"]
    assert (item.account, item.kind, item.author) == (account, Kind.QUESTION, "Kim Läsare")
    assert item.assignee == account.responsible == org.people.medarbetare
    assert (item.source, item.external_id, item.created_by) == (
        "Bevakaren",
        "fb-comment-4711",
        None,
    )
    assert list(item.events.values_list("action", "actor")) == [(Action.CREATED, None)]
    assert Notification.objects.get().recipient == org.people.medarbetare
    assert ApiToken.objects.get().last_used_at == NOW


def test_without_posted_at_the_deadline_runs_from_noticed_at(client, account, key):
    noticed = "2026-11-18T10:30:00+01:00"
    with time_machine.travel(NOW, tick=False):
        response = push(client, key, body(posted_at=None, noticed_at=noticed, external_id="x"))
        assert push(client, key, body(posted_at=None, noticed_at=None)).status_code == 201
    assert response.status_code == 201
    first, second = Item.objects.order_by("id")
    assert first.due_at == datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
    assert second.due_at == NOW + datetime.timedelta(hours=48)


def test_on_working_days_the_deadline_skips_the_weekend(client, org, account, key):
    org.kommun.moderation_working_days = True
    org.kommun.save()
    friday = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(friday, tick=False):
        response = push(client, key, body(posted_at=friday.isoformat()))
    item = Item.objects.get(pk=response.json()["id"])
    assert item.due_at == services.deadline(friday, org.kommun)
    assert item.due_at - friday >= datetime.timedelta(days=4)


def test_during_an_absence_the_substitute_handles_a_pushed_item(client, org, account, key):
    stand_in = UserFactory(username="vikarie", unit=org.bibliotek)
    Absence.objects.create(
        user=org.people.medarbetare,
        substitute=stand_in,
        starts_on=datetime.date(2026, 11, 16),
        ends_on=datetime.date(2026, 11, 22),
        created_at=NOW,
    )
    with time_machine.travel(NOW, tick=False):
        assert push(client, key, body()).status_code == 201
        item = Item.objects.get()
        assert services.handler(item, timezone.now()) == stand_in
    assert item.assignee == org.people.medarbetare  # back at work, it is theirs again
    assert Notification.objects.get().recipient == stand_in


def test_the_same_external_id_twice_gives_one_item(client, org, account, key):
    with time_machine.travel(NOW, tick=False):
        first = push(client, key, body())
        second = push(client, key, body(text="Ändrad text", kind="ovrigt"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json() | {"created": False}
    item = Item.objects.get()
    assert item.text == "När öppnar biblioteket på lördag?" and item.kind == Kind.QUESTION
    assert item.events.count() == 1 and Notification.objects.count() == 1

    # The same id from a tool on another account is another item.
    other = org.people.kommunikationschef
    _token, other_key = tokens.issue(other, _other_account(org), "Bevakaren", now=timezone.now())
    with time_machine.travel(NOW, tick=False):
        assert push(client, other_key, body()).status_code == 201
    assert Item.objects.count() == 2


def _other_account(org):
    from .factories import AccountFactory

    return AccountFactory(unit=org.skolan, responsible=org.people.outsider)


def test_a_closed_account_takes_no_items(client, account, key):
    account.status = Status.CLOSED
    account.save()
    response = push(client, key, body())
    assert response.status_code == 403 and "avslutat" in response.json()["error"]
    assert not Item.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_pushes_of_one_external_id_give_one_item(org, account, key):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrent transactions")
    results = race(8, lambda i: push(Client(), key, body()).status_code)
    assert sorted(results) == [200] * 7 + [201], results
    assert Item.objects.count() == 1
    assert Item.objects.get().events.count() == 1


# -- bad requests --------------------------------------------------------------------

LONG = "x" * 20_001


@pytest.mark.parametrize(
    ("case", "request_kwargs", "status", "field"),
    [
        ("fel typ av innehåll", {"content_type": "text/plain"}, 415, None),
        ("formulär", {"content_type": "application/x-www-form-urlencoded"}, 415, None),
        ("annan teckenkodning", {"content_type": "application/json; charset=latin-1"}, 415, None),
        ("trasig JSON", {"body": b'{"external_id": '}, 400, None),
        ("tom kropp", {"body": b"", "CONTENT_TYPE": "application/json"}, 400, None),
        ("inte UTF-8", {"body": b'{"text": "\xe5"}'}, 400, None),
        ("NaN", {"body": b'{"external_id": NaN}'}, 400, None),
        ("djup nästling", {"body": b"[" * 100_000 + b"]" * 100_000}, 400, None),
        ("lista", {"body": [body()]}, 400, None),
        ("sträng", {"body": '"hej"'}, 400, None),
        ("för stor", {"body": body(text="å" * 200_000)}, 413, None),
        ("okänd typ", {"body": body(kind="spam")}, 400, "kind"),
        ("typ saknas", {"body": body(kind=None)}, 400, "kind"),
        (
            "id saknas",
            {"body": {k: v for k, v in body().items() if k != "external_id"}},
            400,
            "external_id",
        ),
        ("tomt id", {"body": body(external_id="   ")}, 400, "external_id"),
        ("id som tal", {"body": body(external_id=4711)}, 400, "external_id"),
        ("för långt id", {"body": body(external_id="i" * 201)}, 400, "external_id"),
        ("för lång text", {"body": body(text=LONG)}, 400, "text"),
        ("för lång avsändare", {"body": body(author="a" * 201)}, 400, "author"),
        ("nolltecken", {"body": body(text="hej\x00då")}, 400, "text"),
        (
            "ensamt surrogat",
            {"body": b'{"external_id": "\\ud800", "kind": "fraga", "text": "x"}'},
            400,
            "external_id",
        ),
        ("radbrytning i id", {"body": body(external_id="a\nb")}, 400, "external_id"),
        ("ogiltig länk", {"body": body(post_url="javascript:alert(1)")}, 400, "post_url"),
        ("för lång länk", {"body": body(post_url="https://x.se/" + "a" * 2000)}, 400, "post_url"),
        ("varken text eller länk", {"body": body(text="", post_url=None)}, 400, "text"),
        ("okänt fält", {"body": body(posted="2026-11-18")}, 400, "posted"),
        ("datum utan tidszon", {"body": body(posted_at="2026-11-18T09:00:00")}, 400, "posted_at"),
        ("inget datum", {"body": body(posted_at="i går")}, 400, "posted_at"),
        ("datum som tal", {"body": body(posted_at=1763456400)}, 400, "posted_at"),
        ("omöjligt datum", {"body": body(posted_at="2026-02-30T10:00:00+01:00")}, 400, "posted_at"),
        ("år 1", {"body": body(posted_at="0001-01-01T00:00:00+14:00")}, 400, "posted_at"),
        ("framtid", {"body": body(posted_at="2026-11-18T12:00:00+01:00")}, 400, "posted_at"),
        (
            "upptäckt i framtiden",
            {"body": body(noticed_at="2027-01-01T00:00:00Z")},
            400,
            "noticed_at",
        ),
        (
            "upptäckt före publicering",
            {"body": body(noticed_at="2026-11-18T08:00:00+01:00")},
            400,
            "noticed_at",
        ),
        ("ingen nyckel", {"key": None}, 401, None),
        ("okänd nyckel", {"key": "kk_" + "A" * 43}, 401, None),
        ("basic i stället för bearer", {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, 401, None),
        ("nyckel med mellanslag", {"HTTP_AUTHORIZATION": "Bearer a b"}, 401, None),
    ],
    ids=lambda v: v if isinstance(v, str) and not v.isdigit() else None,
)
def test_bad_requests_get_a_4xx_with_a_reason_and_save_nothing(
    client, account, key, case, request_kwargs, status, field
):
    kwargs = dict(request_kwargs)
    sent_body = kwargs.pop("body", body())
    sent_key = kwargs.pop("key", key)
    with time_machine.travel(NOW, tick=False):
        response = push(client, sent_key, sent_body, **kwargs)
    assert response.status_code == status, response.content[:300]
    data = response.json()
    assert set(data) == {"error", "fields"} and data["error"]
    if field:
        assert field in data["fields"], data
    assert not Item.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_only_post_is_allowed(client, key, method):
    response = getattr(client, method)(ITEMS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "error" in response.json()


def test_the_api_ignores_the_session_and_csrf(org, account, key):
    """A browser session is no key, and a tool needs no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.kommunikationschef)
    assert push(client, None, body()).status_code == 401
    with time_machine.travel(NOW, tick=False):
        assert push(client, key, body()).status_code == 201


def test_errors_are_in_swedish_whatever_the_browser_asks_for(client, account, key):
    response = push(client, key, body(kind="spam"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["fields"]["kind"].startswith("Okänd typ")


# -- fuzzing -------------------------------------------------------------------------

# Any code point, lone surrogates (JSON can carry them as \ud800) and NUL included;
# st.text() would all but drop the surrogates, so the strings are joined from lists.
ANY_CHAR = (
    st.characters(exclude_categories=())
    | st.characters(categories=["Cs"])
    | st.sampled_from(["\x00", "\n", "\u202e", "\ufeff", " "])
)


def any_text(min_size=0, max_size=30):
    """Mostly ordinary text with a few odd characters at random places."""
    ordinary = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=max_size)
    odd = st.lists(ANY_CHAR, max_size=3)
    return st.builds(_sprinkle, ordinary, odd, st.randoms()).filter(
        lambda v: min_size <= len(v) <= max_size + 3
    )


def _sprinkle(text, odd, random):
    for char in odd:
        at = random.randint(0, len(text))
        text = text[:at] + char + text[at:]
    return text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
bad_values = {
    "external_id": json_values.filter(lambda v: not (isinstance(v, str) and v.strip())),
    "kind": json_values.filter(lambda v: v not in Kind.values),
    "posted_at": json_values.filter(lambda v: v is not None),
    "noticed_at": any_text(max_size=40) | st.integers() | st.lists(st.none()),
    "post_url": any_text(1, 40).filter(lambda v: v.strip() and "://" not in v),
    "text": st.just("\x00") | st.integers() | st.text(max_size=5).map(lambda v: v + LONG),
    "author": any_text(1).map(lambda v: v + "\x07") | st.floats(),
}


@st.composite
def bad_bodies(draw):
    """A body that must be refused: a valid one with one field spoiled, an unknown field,
    no object at all, or bytes that are not JSON."""
    choice = draw(st.sampled_from(["field", "unknown", "missing", "not_object", "bytes"]))
    if choice == "field":
        name = draw(st.sampled_from(sorted(bad_values)))
        return json.dumps(body(**{name: draw(bad_values[name])}))
    if choice == "unknown":
        extra = draw(any_text(1, 20).filter(lambda k: k not in api.FIELDS))
        return json.dumps(body() | {extra: draw(json_values)})
    if choice == "missing":
        name = draw(st.sampled_from(["external_id", "kind"]))
        return json.dumps({k: v for k, v in body().items() if k != name})
    if choice == "not_object":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict))))
    return draw(st.binary(max_size=200).filter(lambda b: not b.strip().startswith(b"{")))


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(data=bad_bodies())
def test_fuzzed_bodies_never_give_a_500_or_an_item(client, account, key, data):
    with time_machine.travel(NOW, tick=False):
        response = push(client, key, data)
    assert 400 <= response.status_code < 500, (data, response.content[:300])
    assert set(response.json()) == {"error", "fields"}
    assert not Item.objects.exists()


nasty_text = any_text()
any_bodies = st.fixed_dictionaries(
    {"external_id": nasty_text, "kind": st.sampled_from(Kind.values) | nasty_text},
    optional={
        "text": st.none() | nasty_text,
        "author": st.none() | nasty_text,
        "post_url": st.none() | st.just("https://www.instagram.com/p/abc/") | nasty_text,
        "posted_at": st.none()
        | st.just("2026-11-18T09:00:00+01:00")
        | st.datetimes(timezones=st.just(datetime.UTC)).map(datetime.datetime.isoformat)
        | nasty_text,
    },
)


@FUZZ
@given(data=any_bodies)
def test_fuzzed_values_are_stored_as_sent_or_refused(client, account, key, data):
    """Odd characters anywhere (control characters, lone surrogates, NUL): either the
    item is saved with exactly what was sent, or it is refused and nothing is saved."""
    before = Item.objects.count()
    with time_machine.travel(NOW, tick=False):
        response = push(client, key, data)
    assert response.status_code in (200, 201, 400), (data, response.content[:300])
    if response.status_code == 400:
        assert Item.objects.count() == before
        return
    item = Item.objects.get(pk=response.json()["id"])
    assert Item.objects.count() == before + (response.status_code == 201)
    assert item.external_id == data["external_id"].strip()
    if response.status_code == 201:
        for name in ("kind", "text", "author", "post_url"):
            assert getattr(item, name) == (data.get(name) or "").strip(), name


@FUZZ
@given(
    authorization=st.none() | st.text(max_size=80) | st.just("Bearer ").map(lambda s: s + "kk_"),
    content_type=st.text(max_size=40) | st.sampled_from(["application/json", "text/json"]),
    data=st.binary(max_size=100) | st.just(json.dumps(body())),
)
def test_fuzzed_headers_never_give_a_500(client, account, key, authorization, content_type, data):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    with time_machine.travel(NOW, tick=False):
        response = client.post(ITEMS, data, content_type=content_type, **headers)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert not Item.objects.exists()


# -- the OpenAPI document ------------------------------------------------------------


def test_the_openapi_document_describes_the_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/api/v1/items"]["post"]
    assert {"200", "201", "400", "401", "405", "413", "415"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["ItemIn"]
    assert set(schema["properties"]) == set(api.FIELDS)
    assert schema["required"] == ["external_id", "kind"]
    # A tool classifies what it pushes: "ny_kommentar" is the triage state of delivered
    # comments (moderation.intake), never taken from the API.
    assert schema["properties"]["kind"]["enum"] == [k for k in Kind.values if k != "ny_kommentar"]
    assert document["components"]["securitySchemes"]["nyckel"]["scheme"] == "bearer"
    assert client.post("/api/v1/openapi.json").status_code == 405
