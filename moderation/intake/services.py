"""What every adapter's events become: stored once, mapped to their account, and turned
into items in triage and versions of those items.

`receive(adapter, events, signature=..., signature_valid=..., now=...)` takes the
Incoming events of one delivery or one poll. Each event is stored as received
(PlatformEvent, append-only) in its own transaction; the event's unique key makes a
redelivery (or fifty parallel ones) store it once: the losers hit the constraint and
roll their transaction back, the item included. A new comment is an item of kind "Ny
kommentar" through moderation.services.create_item (the account's responsible person,
their substitute when away, as for the API); an edit, removal or hiding by the author is
a new version on the item through the workflow's system transition.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from accounts.models import Account, Status
from core.workflow import perform

from .. import services as moderation_services
from ..models import CommentVersion, Item, Kind, PlatformEvent, Received, Verb
from ..workflow import Do

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    key: str
    stored: bool  # False: this event was stored before (a redelivery)
    outcome: str  # moderation.models.Received, or "" for a redelivery
    item_id: int | None = None


def account_for(incoming):
    if not incoming.page_id:
        return None
    return (
        Account.objects.filter(
            platform__in=incoming.account_platforms, platform_page_id=incoming.page_id
        )
        .order_by("pk")
        .first()
    )


def receive(adapter, events, *, signature="", signature_valid, now):
    """Store and apply each event; returns one Result per event."""
    return [_receive_one(adapter, incoming, signature, signature_valid, now) for incoming in events]


def _receive_one(adapter, incoming, signature, signature_valid, now):
    key = incoming.key
    if PlatformEvent.objects.filter(key=key).exists():
        return Result(key, False, "")
    account = account_for(incoming)
    if account is None:
        logger.warning(
            "intake: %s event for unknown page %r (comment %s) stored, not an item",
            incoming.source,
            incoming.page_id,
            incoming.object_id,
        )
        return _store(
            incoming, key, None, None, Received.UNKNOWN_PAGE, signature, signature_valid, now
        )
    if account.status == Status.CLOSED:
        return _store(
            incoming, key, account, None, Received.CLOSED_ACCOUNT, signature, signature_valid, now
        )
    if not incoming.is_comment:
        return _store(
            incoming, key, account, None, Received.IGNORED, signature, signature_valid, now
        )
    existing = Item.objects.filter(
        account=account, source=incoming.source, external_id=incoming.object_id
    ).first()
    if existing is None and incoming.verb in (Verb.ADD, Verb.EDITED):
        return _new_item(adapter, incoming, key, account, signature, signature_valid, now)
    if existing is None:  # removed or hidden before we saw it: kept as an event only
        return _store(
            incoming, key, account, None, Received.IGNORED, signature, signature_valid, now
        )
    return _new_version(incoming, key, account, existing, signature, signature_valid, now)


def _event(incoming, key, account, item, outcome, signature, signature_valid, now):
    return PlatformEvent.objects.create(
        platform=incoming.source,
        key=key,
        page_id=incoming.page_id,
        object_id=incoming.object_id,
        verb=incoming.verb,
        occurred_at=incoming.occurred_at,
        received_at=now,
        signature=signature[:100],
        signature_valid=signature_valid,
        raw=incoming.raw,
        account=account,
        item=item,
        outcome=outcome,
    )


def _store(incoming, key, account, item, outcome, signature, signature_valid, now):
    try:
        with transaction.atomic():
            event = _event(incoming, key, account, item, outcome, signature, signature_valid, now)
    except IntegrityError:
        return Result(key, False, "")
    return Result(key, True, outcome, event.item_id)


def _new_item(adapter, incoming, key, account, signature, signature_valid, now):
    incoming = adapter.enrich(incoming)  # outside the transaction: it may wait on the network
    data = {
        "kind": Kind.NEW_COMMENT,
        "text": incoming.text,
        "author": incoming.author,
        "post_url": incoming.post_url,
        "noticed_at": now,
    }
    if incoming.occurred_at and incoming.occurred_at <= now:
        data["posted_at"] = incoming.occurred_at
    try:
        with transaction.atomic():
            item, created = moderation_services.create_item(
                None, account, data, source=incoming.source, external_id=incoming.object_id, now=now
            )
            outcome = Received.ITEM if created else Received.VERSION
            event = _event(incoming, key, account, item, outcome, signature, signature_valid, now)
            if created:
                CommentVersion.objects.create(
                    item=item,
                    event=event,
                    number=1,
                    verb=incoming.verb,
                    text=incoming.text,
                    author=incoming.author,
                    occurred_at=incoming.occurred_at,
                    received_at=now,
                )
            else:  # another event of the same comment made the item first
                _author_change(item, event, incoming, now)
    except IntegrityError:
        return Result(key, False, "")
    return Result(key, True, outcome, item.pk)


def _new_version(incoming, key, account, item, signature, signature_valid, now):
    try:
        with transaction.atomic():
            event = _event(
                incoming, key, account, item, Received.VERSION, signature, signature_valid, now
            )
            _author_change(item, event, incoming, now)
    except IntegrityError:
        return Result(key, False, "")
    return Result(key, True, Received.VERSION, item.pk)


def _author_change(item, event, incoming, now):
    perform(
        None,
        item,
        Do.AUTHOR_CHANGE,
        expected_state=None,
        now=now,
        event=event,
        text=incoming.text,
        author=incoming.author,
    )
