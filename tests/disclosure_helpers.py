"""Requests for allmänna handlingar in every state, for the disclosure tests and the
cross-cutting tables (test_workflow, test_access, test_post_redirect_get)."""

import datetime
import hashlib

from django.core.files.base import ContentFile

from archive.models import Method, Snapshot, State
from archive.services import register_data
from core.workflow import perform
from disclosure.models import Do
from disclosure.services import receive
from moderation import services as moderation


def make_registrator(org):
    """The registrator of the test org (tests/conftest.py), named as the demo's."""
    user = org.people.registrator
    user.first_name, user.last_name = "Rut", "Registrator"
    user.save(update_fields=["first_name", "last_name"])
    return user


def sealed_snapshot(account, body=b"%PDF-1.7\n% a sealed snapshot\n%%EOF\n", key="2026-H1"):
    """A sealed snapshot made as a row (rendering is tested in test_archive_pdf); needs
    MEDIA_ROOT set (the `media` fixture)."""
    sealed_at = datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)
    snapshot = Snapshot(
        account=account,
        period_key=key,
        state=State.SEALED,
        method=Method.AUTOMATIC,
        due_at=sealed_at,
        created_at=sealed_at,
        captured_at=sealed_at,
        sealed_at=sealed_at,
        register_data=register_data(account),
        sha256=hashlib.sha256(body).hexdigest(),
    )
    snapshot.pdf.save("snapshot.pdf", ContentFile(body), save=False)
    snapshot.save()
    return snapshot


def new_request(handler, now, **data):
    return receive(
        handler,
        {
            "received_at": now,
            "channel": "epost",
            "description": "Alla kommentarer på bibliotekets konto i oktober.",
            **data,
        },
        now=now,
    )


def item(account, now, text="Ring mig på 070-123 45 67, Anna Andersson"):
    return moderation.create_item(None, account, {"kind": "fraga", "text": text}, now=now)[0]


def requests_in_every_state(org, account, now):
    """[received, in review (one record reviewed, one not), decided, closed]."""
    handler = org.people.kommunikationsavdelningen
    received = new_request(handler, now)
    reviewing = new_request(handler, now)
    first, second = item(account, now), item(account, now, "Öppet på lördag?")
    perform(handler, reviewing, Do.ATTACH, expected_state=None, now=now,
            records=[("moderation.item", first.pk), ("moderation.item", second.pk)])  # fmt: skip
    perform(handler, reviewing, Do.REVIEW, expected_state=None, now=now,
            covered=reviewing.covered.get(kind="moderation.item", object_id=first.pk).pk, outcome="lamnas_ut")  # fmt: skip
    decided = new_request(handler, now)
    perform(handler, decided, Do.ATTACH, expected_state=None, now=now,
            records=[("moderation.item", second.pk)])  # fmt: skip
    perform(handler, decided, Do.REVIEW, expected_state=None, now=now,
            covered=decided.covered.get().pk, outcome="lamnas_ut")  # fmt: skip
    perform(handler, decided, Do.DECIDE, expected_state=None, now=now)
    closed = new_request(handler, now)
    perform(handler, closed, Do.CLOSE, expected_state=None, now=now, comment="Återkallad.")
    return [received, reviewing, decided, closed]
