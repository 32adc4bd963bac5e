import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F

from .models import Notification

log = logging.getLogger(__name__)

CLAIM_FOR = datetime.timedelta(minutes=10)
MAX_BACKOFF = datetime.timedelta(hours=6)
BATCH = 100


def deliver_one(notification_id, now) -> bool:
    """Claim one unsent notification and send it. True if this call sent it.

    The claim is a conditional UPDATE: of two workers racing for the same row exactly
    one changes it, and only that one sends.
    """
    claimed = (
        Notification.objects.pending(now)
        .filter(pk=notification_id)
        .update(claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    address = notification.recipient.email
    if address and notification.recipient.is_active:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=f"{notification.body_text}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - the SMTP server's fault; retry later
            backoff = min(datetime.timedelta(minutes=2**notification.attempts), MAX_BACKOFF)
            Notification.objects.filter(pk=notification_id).update(
                claimed_until=None, due_at=now + backoff, last_error=str(exc)[:2000]
            )
            log.warning("Sending notification %s failed: %s", notification_id, exc)
            return False
        error = ""
    else:
        error = "Ingen aktiv e-postadress: visas bara i Kanalkoll."
    Notification.objects.filter(pk=notification_id).update(
        sent_at=now, claimed_until=None, last_error=error
    )
    return True


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
        for pk in ids:
            sent += deliver_one(pk, now)
