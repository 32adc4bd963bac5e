import datetime
import logging
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F

from core import registry

from .models import Notification
from .rendering import render_pending

log = logging.getLogger(__name__)

CLAIM_FOR = datetime.timedelta(minutes=10)
MAX_BACKOFF = datetime.timedelta(hours=6)
BATCH = 500  # per SMTP connection; sent well within CLAIM_FOR


def deliver_one(notification_id, now) -> bool:
    """Claim one unsent notification and send it. True if this call sent it."""
    return deliver_many([notification_id], now) == 1


def _message(notification, connection, from_email):
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=f"{notification.body_text}\n",
        from_email=from_email,
        to=[notification.recipient.email],
        # Which notification this is: a mail log (or the production smoke test)
        # can tell a resend from another notification with the same subject.
        headers={"X-Kanalkoll-Notification": str(notification.pk)},
        connection=connection,
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    return message


def sender():
    """DEFAULT_FROM_EMAIL, with "<kommun> – Kanalkoll" as its display name unless the
    setting names one itself."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name or not address:
        return settings.DEFAULT_FROM_EMAIL
    kommun = next((found for hook in registry.sender_names if (found := hook())), None)
    name = f"{kommun} – Kanalkoll" if kommun else "Kanalkoll"
    return str(Address(display_name=name, addr_spec=address))  # quoted where it must be


def _retry_later(notification, now, exc, what):
    """Release the claim; the next attempt waits 2, 4, 8 … minutes (at most 6 hours)."""
    backoff = min(datetime.timedelta(minutes=2**notification.attempts), MAX_BACKOFF)
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=None, due_at=now + backoff, last_error=str(exc)[:2000]
    )
    log.warning("%s notification %s failed: %s", what, notification.pk, exc)
    return False


def _claim(notification_ids, now):
    """Claim those of these notifications that are pending: their rows locked
    skip-locked and marked claimed in one UPDATE, so of two workers racing for a row
    exactly one takes it, and only that one sends. Returns the claimed rows."""
    with transaction.atomic():
        ids = list(
            Notification.objects.pending(now)
            .filter(pk__in=notification_ids)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1
        )
    return list(Notification.objects.filter(pk__in=ids).select_related("recipient").order_by("pk"))


def _render(notifications, now):
    """Render the unrendered ones together; if that fails, each alone, and those that
    cannot be rendered are retried later. Returns the rendered notifications."""
    try:
        render_pending(notifications, now)
        return notifications
    except Exception:  # noqa: BLE001 - one template or context at fault; find which
        log.exception("Rendering %s notifications together failed", len(notifications))
    rendered = []
    for notification in notifications:
        try:
            render_pending([notification], now)
        except Exception as exc:  # noqa: BLE001 - a template or a context at fault
            _retry_later(notification, now, exc, "Rendering")
            continue
        rendered.append(notification)
    return rendered


def deliver_many(notification_ids, now) -> int:
    """Send these notifications (a worker's task or a sweep's batch): claim them
    together, render the unrendered ones together, send them over one SMTP connection
    and mark them sent together: a handful of statements for the batch, none per
    notification unless it fails. A notification to someone without an active address
    is marked sent with the reason (it is shown only in Kanalkoll). Returns how many
    this call sent."""
    notifications = _render(_claim(notification_ids, now), now)
    if not notifications:
        return 0
    sent, unreachable = [], []
    from_email = sender()
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - the SMTP server's fault; retry later
        for notification in notifications:
            _retry_later(notification, now, exc, "Sending")
        return 0
    try:
        for notification in notifications:
            recipient = notification.recipient
            if not (recipient.email and recipient.is_active):
                unreachable.append(notification.pk)
                continue
            try:
                _message(notification, connection, from_email).send()
            except Exception as exc:  # noqa: BLE001 - the SMTP server's fault; retry later
                _retry_later(notification, now, exc, "Sending")
                continue
            sent.append(notification.pk)
    finally:
        connection.close()
    Notification.objects.filter(pk__in=sent).update(sent_at=now, claimed_until=None, last_error="")
    Notification.objects.filter(pk__in=unreachable).update(
        sent_at=now, claimed_until=None, last_error=UNREACHABLE
    )
    return len(sent) + len(unreachable)


UNREACHABLE = "Ingen aktiv e-postadress: visas bara i Kanalkoll."


def deliver_pending(now) -> int:
    """The outbox sweep: send everything that is due and not being sent elsewhere.

    Every row it touches leaves the pending set (sent, claimed by another worker, or
    pushed back by a failure), so the loop ends.
    """
    sent = 0
    while True:
        ids = list(
            Notification.objects.pending(now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return sent
        sent += deliver_many(ids, now)
