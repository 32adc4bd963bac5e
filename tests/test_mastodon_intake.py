"""The second platform through the same adapter interface: a Mastodon instance's
notifications, polled (a fake instance on 127.0.0.1 behind the address guard)."""

import datetime

import pytest

from moderation.intake import mastodon
from moderation.models import Item, Kind, PlatformEvent

from .factories import AccountFactory
from .intake_helpers import FakeServer, loopback_only
from .netguard_helpers import Internet

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)
INSTANCE = "mastodon.test.example"
TOKEN = "test-mastodon-token"


def status(status_id, content, created, edited=None):
    return {
        "id": status_id,
        "created_at": created,
        "edited_at": edited,
        "content": content,
        "url": f"https://{INSTANCE}/@kim/{status_id}",
        "account": {"id": "42", "acct": "kim@example.social"},
    }


NOTIFICATIONS = [
    {
        "id": "901",
        "type": "mention",
        "created_at": "2026-11-18T08:00:00.000Z",
        "status": status("1101", "<p>@bibliotek Öppet på lördag?</p>", "2026-11-18T08:00:00.000Z"),
    },
    {
        "id": "902",
        "type": "update",
        "created_at": "2026-11-18T08:10:00.000Z",
        "status": status(
            "1101",
            "<p>@bibliotek Öppet på lördag &amp; söndag?</p>",
            "2026-11-18T08:00:00.000Z",
            "2026-11-18T08:10:00.000Z",
        ),
    },
    {"id": "903", "type": "favourite", "created_at": "2026-11-18T08:11:00.000Z"},
]


@pytest.fixture
def instance(monkeypatch):
    boundary = loopback_only(monkeypatch)
    with FakeServer({"/api/v1/notifications": NOTIFICATIONS}) as server:
        internet = Internet()
        internet.add(INSTANCE, ("127.0.0.1", server.port))
        monkeypatch.setattr(mastodon, "GUARD", internet.guard)
        yield server
    assert not boundary.refused


@pytest.fixture
def bibliotek(org, settings):
    """The library's Mastodon account, its id recorded and its token configured."""
    settings.MASTODON_TOKENS = {"109876": TOKEN}
    return AccountFactory(
        platform="mastodon",
        url=f"http://{INSTANCE}/@bibliotek",
        platform_page_id="109876",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
    )


def test_mentions_and_edits_become_an_item_with_two_versions(instance, org, bibliotek):
    account = bibliotek
    results = mastodon.poll_account(account, now=NOW)
    assert [r.outcome for r in results] == ["arende", "version"]
    item = Item.objects.get()
    assert item.kind == Kind.NEW_COMMENT and item.assignee == org.people.medarbetare
    assert item.text == "@bibliotek Öppet på lördag?" and item.author == "kim@example.social"
    assert list(item.versions.values_list("verb", "text")) == [
        ("add", "@bibliotek Öppet på lördag?"),
        ("edited", "@bibliotek Öppet på lördag & söndag?"),
    ]
    (request,) = instance.requests
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["query"]["types[]"] == ["mention", "update"]
    # The next poll resumes after the newest notification stored, and stores nothing twice.
    again = mastodon.poll_account(account, now=NOW)
    assert [r.stored for r in again] == [False, False]
    assert instance.requests[1]["query"]["since_id"] == ["902"]
    assert PlatformEvent.objects.count() == 2


def test_an_account_without_a_token_is_not_polled(instance, org):
    account = AccountFactory(
        platform="mastodon",
        url=f"http://{INSTANCE}/@x",
        platform_page_id="1",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
    )
    assert mastodon.poll_account(account, now=NOW) == []
    assert not instance.requests


def test_the_sweep_polls_the_accounts_with_a_token(instance, bibliotek):
    from config.sweeps import SWEEPS
    from moderation import jobs

    assert "moderation.jobs.poll_platforms" in {sweep.job for sweep in SWEEPS}
    assert jobs.poll_platforms(NOW) == 2
    assert jobs.poll_platforms(NOW) == 0  # a second run stores nothing twice
    assert Item.objects.count() == 1
