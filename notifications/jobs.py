import datetime
import logging
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F

from core import registry

from .models import Notification
from .rendering import render_pending

log = logging.getLogger(__name__)

CLAIM_FOR = datetime.timedelta(minutes=10)
MAX_BACKOFF = datetime.timedelta(hours=6)
BATCH = 100


def deliver_one(notification_id, now) -> bool:
    """Claim one unsent notification and send it. True if this call sent it.

    The claim is a conditional UPDATE: of two workers racing for the same row exactly
    one changes it, and only that one sends. A notification that a sweep wrote
    unrendered is rendered (and stored) first.
    """
    claimed = (
        Notification.objects.pending(now)
        .filter(pk=notification_id)
        .update(claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        render_pending([notification], now)
    except Exception as exc:  # noqa: BLE001 - a template or a context at fault; retry later
        return _retry_later(notification, now, exc, "Rendering")
    address = notification.recipient.email
    if address and notification.recipient.is_active:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=f"{notification.body_text}\n",
            from_email=sender(),
            to=[address],
            # Which notification this is: a mail log (or the production smoke test)
            # can tell a resend from another notification with the same subject.
            headers={"X-Kanalkoll-Notification": str(notification.pk)},
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - the SMTP server's fault; retry later
            return _retry_later(notification, now, exc, "Sending")
        error = ""
    else:
        error = "Ingen aktiv e-postadress: visas bara i Kanalkoll."
    Notification.objects.filter(pk=notification_id).update(
        sent_at=now, claimed_until=None, last_error=error
    )
    return True


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


def deliver_many(notification_ids, now) -> int:
    """Send these notifications (a sweep's batch): render the unrendered ones together,
    then claim and send each as deliver_one does. Returns how many this call sent."""
    try:
        render_pending(
            Notification.objects.filter(pk__in=notification_ids, rendered_at__isnull=True)
            .select_related("recipient")
            .order_by(),
            now,
        )
    except Exception:  # noqa: BLE001 - deliver_one renders each again and records why
        log.exception("Rendering %s notifications together failed", len(notification_ids))
    return sum(deliver_one(pk, now) for pk in notification_ids)


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
