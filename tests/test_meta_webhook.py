"""Comments straight from Meta: the webhook's handshake and signatures, each event stored
once, items in triage on the right desk, versions, the Graph API callback, and no
request that leaves 127.0.0.1."""

import datetime
import json
import logging
import threading
import time
import urllib.error
import urllib.request

import pytest
import time_machine
from django.urls import reverse

from core.netguard import Guard
from moderation import services
from moderation.intake import meta
from moderation.models import (
    CommentVersion,
    Item,
    ItemEvent,
    Kind,
    PendingReminder,
    PlatformEvent,
    Received,
)
from moderation.workflow import TRIAGE, state_of

from .factories import AccountFactory
from .intake_helpers import (
    GRAPH_NAME,
    INSTAGRAM_ID,
    PAGE_ID,
    PERMALINK,
    SECRET,
    VERIFY_TOKEN,
    FakeServer,
    body_of,
    loopback_only,
    payload,
    signed_headers,
)
from .netguard_helpers import Internet

NOW = datetime.datetime(2025, 11, 18, 10, 0, tzinfo=datetime.UTC)
URL = "/api/v1/meta/webhook"
POST_ID = "106123456789012_122145678901234567"
COMMENT_ID = "122145678901234567_1234567890123456"


@pytest.fixture
def boundary(monkeypatch):
    """Every connection the test makes must stay on loopback."""
    guard = loopback_only(monkeypatch)
    yield guard
    assert not guard.refused, guard.refused


@pytest.fixture
def graph(settings, monkeypatch, boundary):
    """Meta's settings, and a fake Graph API on 127.0.0.1 behind the address guard."""
    settings.META_APP_ID = "1234567890"
    settings.META_APP_SECRET = SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_URL = f"http://{GRAPH_NAME}/v21.0"
    routes = {f"/v21.0/{POST_ID}": {"id": POST_ID, "permalink_url": PERMALINK}}
    with FakeServer(routes) as server:
        internet = Internet()
        internet.add(GRAPH_NAME, ("127.0.0.1", server.port))
        monkeypatch.setattr(meta, "GUARD", internet.guard)
        yield server


@pytest.fixture
def page(org):
    p = org.people
    account = AccountFactory(
        display_name="Biblioteket på Facebook",
        url="https://www.facebook.com/testbybibliotek",
        platform_page_id=PAGE_ID,
        unit=org.bibliotek,
        responsible=p.medarbetare,
        substitute=p.chef,
    )
    account.administrators.set([p.medarbetare, p.chef, p.kommunikator])
    return account


def deliver(client, fixture, headers=None):
    body = body_of(fixture)
    headers = signed_headers(body) if headers is None else headers
    with time_machine.travel(NOW, tick=False):
        return client.post(URL, body, content_type="application/json", **headers)


# -- the handshake ------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_as_plain_text(client, graph):
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
    ],
)
def test_a_wrong_handshake_is_403_with_a_reason(client, graph, params):
    response = client.get(URL, params)
    assert response.status_code == 403
    assert response.json()["error"]


def test_without_the_settings_the_endpoint_is_not_there(client, settings, db):
    settings.META_APP_SECRET = ""
    settings.META_VERIFY_TOKEN = ""
    assert client.get(URL, {"hub.mode": "subscribe", "hub.challenge": "1"}).status_code == 404
    assert client.post(URL, b"{}", content_type="application/json").status_code == 404


# -- signatures -------------------------------------------------------------------------------


def test_a_signed_delivery_is_an_item_in_triage_on_the_responsible_persons_desk(
    client, graph, page, org
):
    response = deliver(client, "feed_comment_add.json")
    assert response.status_code == 200, response.content
    item = Item.objects.get()
    assert response.json()["items"] == [item.pk]
    assert item.account == page and item.kind == Kind.NEW_COMMENT and state_of(item) == TRIAGE
    assert item.due_at is None and not PendingReminder.objects.filter(item=item).exists()
    assert item.assignee == org.people.medarbetare
    assert item.text == "Har biblioteket öppet på lördag?" and item.author == "Kim Lindqvist"
    assert item.source == "facebook" and item.external_id == COMMENT_ID
    # The adapter read the parent post's address from the (fake) Graph API.
    assert item.post_url == PERMALINK
    (request,) = graph.requests
    assert request["path"] == f"/v21.0/{POST_ID}"
    assert request["query"] == {"fields": ["permalink_url"]}
    assert request["headers"]["Authorization"] == f"Bearer 1234567890|{SECRET}"
    event = PlatformEvent.objects.get()
    assert event.signature_valid and event.signature.startswith("sha256=")
    assert event.received_at == NOW and event.outcome == Received.ITEM and event.item == item
    assert event.raw["value"]["comment_id"] == COMMENT_ID
    # On the desk of the responsible person, as a new comment to sort.
    client.force_login(org.people.medarbetare)
    desk = client.get(reverse("moderation:list"))
    assert desk.status_code == 200
    assert [i.pk for i in desk.context["new_comments"]] == [item.pk]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64},
        {"HTTP_X_HUB_SIGNATURE_256": "sha1=abc"},
        signed_headers(body_of("feed_comment_add.json"), secret="another-secret"),
    ],
    ids=["missing", "zeros", "wrong-scheme", "other-secret"],
)
def test_a_missing_or_bad_signature_is_403_and_nothing_is_stored(client, graph, page, headers):
    response = deliver(client, "feed_comment_add.json", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]
    assert not PlatformEvent.objects.exists() and not Item.objects.exists()
    assert not graph.requests


def test_the_signature_is_checked_before_the_body_is_parsed(client, graph, page):
    body = b"not json at all"
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 403
    response = client.post(URL, body, content_type="application/json", **signed_headers(body))
    assert response.status_code == 400 and response.json()["error"]


def test_an_oversized_body_is_413(client, graph, page):
    body = b'{"object": "page", "entry": [], "pad": "' + b"x" * (600 * 1024) + b'"}'
    response = client.post(URL, body, content_type="application/json", **signed_headers(body))
    assert response.status_code == 413
    assert not PlatformEvent.objects.exists()


def test_a_replayed_delivery_is_stored_once(client, graph, page):
    first = deliver(client, "feed_comment_add.json")
    again = deliver(client, "feed_comment_add.json")
    assert first.json()["stored"] == 1 and again.json()["stored"] == 0
    assert again.status_code == 200
    assert PlatformEvent.objects.count() == 1
    assert Item.objects.count() == 1 and CommentVersion.objects.count() == 1


def test_add_edit_remove_are_three_versions_on_one_item(client, graph, page, org):
    for name in ("feed_comment_add.json", "feed_comment_edited.json", "feed_comment_remove.json"):
        assert deliver(client, name).status_code == 200
    item = Item.objects.get()
    versions = list(item.versions.values_list("number", "verb", "text"))
    assert versions == [
        (1, "add", "Har biblioteket öppet på lördag?"),
        (2, "edited", "Har biblioteket öppet på lördag och söndag?"),
        (3, "remove", ""),
    ]
    assert list(item.events.values_list("action", flat=True)) == [
        "registrerat",
        "andrad_skribent",
        "borttagen_skribent",
    ]
    assert PlatformEvent.objects.filter(item=item).count() == 3
    client.force_login(org.people.medarbetare)
    page_html = client.get(reverse("moderation:detail", args=[item.pk])).content.decode()
    assert "Ändrad av skribenten" in page_html and "Borttagen av skribenten" in page_html
    assert "lördag och söndag" in page_html


def test_an_event_for_an_unknown_page_is_refused_stored_and_logged(client, graph, page, caplog):
    data = payload("feed_comment_add.json")
    data["entry"][0]["id"] = "999999999999999"
    with caplog.at_level(logging.WARNING, logger="moderation.intake.services"):
        response = deliver(client, data)
    assert response.status_code == 422
    assert response.json()["unknown_page"] == 1 and response.json()["error"]
    event = PlatformEvent.objects.get()
    assert event.outcome == Received.UNKNOWN_PAGE and event.account is None and event.item is None
    assert not Item.objects.exists()
    assert "unknown page '999999999999999'" in caplog.text


def test_a_reaction_is_stored_but_is_not_an_item(client, graph, page):
    assert deliver(client, "feed_reaction.json").status_code == 200
    assert PlatformEvent.objects.get().outcome == Received.IGNORED
    assert not Item.objects.exists()


def test_an_instagram_comment_goes_to_the_instagram_account(client, graph, org):
    account = AccountFactory(
        platform="instagram",
        url="https://www.instagram.com/testbybibliotek",
        platform_page_id=INSTAGRAM_ID,
        unit=org.bibliotek,
        responsible=org.people.chef,
    )
    assert deliver(client, "instagram_comment.json").status_code == 200
    item = Item.objects.get()
    assert item.account == account and item.assignee == org.people.chef
    assert item.source == "instagram" and item.text == "Vilka tider gäller i jul?"


# -- classifying and the clock --------------------------------------------------------------


def test_classifying_starts_the_48_hours(client, graph, page, org):
    deliver(client, "feed_comment_add.json")
    item = Item.objects.get()
    later = NOW + datetime.timedelta(hours=5)
    services.classify(org.people.medarbetare, item.pk, Kind.QUESTION, now=later)
    item.refresh_from_db()
    assert item.kind == Kind.QUESTION and item.due_at == later + datetime.timedelta(hours=48)
    assert PendingReminder.objects.filter(item=item).count() == 3
    assert ItemEvent.objects.filter(item=item, action="klassat").count() == 1


def test_bulk_triage_marks_each_comment_once_and_reports_a_conflict(client, graph, page, org):
    data = payload("feed_comment_add.json")
    ids = []
    for n in range(3):
        data["entry"][0]["changes"][0]["value"]["comment_id"] = f"{COMMENT_ID}{n}"
        deliver(client, data)
    ids = list(Item.objects.order_by("pk").values_list("pk", flat=True))
    services.classify(org.people.medarbetare, ids[0], Kind.QUESTION, now=NOW)
    client.force_login(org.people.medarbetare)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("moderation:bulk_triage"), {"items": ids, "text": ""})
    assert response.status_code == 302
    states = dict(Item.objects.values_list("pk", "outcome"))
    assert states == {ids[0]: "", ids[1]: "ingen_atgard", ids[2]: "ingen_atgard"}
    assert ItemEvent.objects.filter(action="ingen_atgard").count() == 2
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("2 kommentarer" in m for m in shown)
    assert any(f"Ärende {ids[0]} markerades inte" in m for m in shown)


def test_bulk_triage_without_a_choice_is_shown_again_with_400(client, graph, page, org):
    client.force_login(org.people.medarbetare)
    response = client.post(reverse("moderation:bulk_triage"), {"items": []})
    assert response.status_code == 400
    assert "Välj minst en kommentar." in response.content.decode()


# -- nothing leaves 127.0.0.1 ---------------------------------------------------------------


def test_no_request_leaves_loopback(client, settings, monkeypatch, page):
    """With Meta's real Graph address and a resolver that answers a public address, the
    callback's connection is refused at the test boundary; the item is made anyway."""
    guard = loopback_only(monkeypatch)
    settings.META_APP_SECRET = SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_URL = "http://graph.facebook.com/v21.0"
    monkeypatch.setattr(meta, "GUARD", Guard(resolve=lambda host: ["157.240.1.1"]))
    assert deliver(client, "feed_comment_add.json").status_code == 200
    assert guard.refused == [("157.240.1.1", 80)]
    assert Item.objects.get().post_url == ""


# -- fifty deliveries at once --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_deliveries_store_each_event_once(live_server, graph, page):
    """Ten comments, each delivered five times, all fifty at once to the live server."""
    bodies = []
    for n in range(10):
        data = payload("feed_comment_add.json")
        value = data["entry"][0]["changes"][0]["value"]
        value["comment_id"] = f"{COMMENT_ID}{n}"
        value["post"] = {"id": POST_ID, "permalink_url": PERMALINK}  # no callback needed
        bodies.extend([body_of(data)] * 5)
    start = threading.Barrier(len(bodies))
    statuses = []

    def send(body):
        request = urllib.request.Request(
            live_server.url + URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": meta.sign(body, SECRET),
            },
        )
        start.wait(10)
        # The test server's listen queue is short: a connection it resets is sent again,
        # as Meta resends a delivery that got no answer (at most five tries).
        for attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    statuses.append((answer.status, json.loads(answer.read())["stored"]))
                return
            except urllib.error.HTTPError as exc:
                statuses.append((exc.code, exc.read()))
                return
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2 * (attempt + 1))

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(statuses) == 50 and {status for status, _stored in statuses} == {200}
    assert sum(stored for _status, stored in statuses) == 10
    assert PlatformEvent.objects.count() == 10
    assert Item.objects.count() == 10 and CommentVersion.objects.count() == 10
    assert ItemEvent.objects.filter(action="registrerat").count() == 10


def test_a_page_id_belongs_to_one_account_per_platform(page, org):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AccountFactory(platform=page.platform, platform_page_id=PAGE_ID, unit=org.bibliotek,
                       responsible=org.people.chef)  # fmt: skip
    # The same id on another platform, and any number of accounts without one, are fine.
    AccountFactory(platform="instagram", platform_page_id=PAGE_ID, unit=org.bibliotek,
                   responsible=org.people.chef)  # fmt: skip
    AccountFactory(unit=org.bibliotek, responsible=org.people.chef)
    AccountFactory(unit=org.bibliotek, responsible=org.people.chef)


def test_the_curators_form_refuses_a_page_id_another_account_has(page, org):
    from accounts.forms import AccountForm

    other = AccountFactory(unit=org.bibliotek, responsible=org.people.chef)
    form = AccountForm(
        data={"platform": page.platform, "platform_page_id": PAGE_ID}, instance=other
    )
    form.is_valid()
    assert "Sidans id hör redan till" in " ".join(form.errors["platform_page_id"])
