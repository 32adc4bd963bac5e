import logging

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification, Reminder

log = logging.getLogger(__name__)


def notify(recipient, kind, context=None, url=""):
    """Write a notification in the current transaction; enqueue its delivery on commit.

    `kind` names the templates notifications/email/<kind>.subject.txt, .txt and .html.
    """
    from django.conf import settings

    context = {
        **(context or {}),
        "recipient": recipient,
        "url": url,
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"notifications/email/{kind}.subject.txt", context)
        body_text = render_to_string(f"notifications/email/{kind}.txt", context)
        body_html = render_to_string(f"notifications/email/{kind}.html", context)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=" ".join(subject.split())[:200],
        body_text=body_text.strip(),
        body_html=body_html.strip(),
        url=url,
    )
    transaction.on_commit(lambda: enqueue(notification.pk))
    return notification


def notify_once(subject, stage, recipients, kind, context=None, url=""):
    """Send a reminder to `recipients` unless (subject, stage) was already sent.

    The unique Reminder row is the claim: of two racing sweeps one inserts it and
    notifies in the same transaction; the other hits the constraint and sends nothing.
    Returns True if this call sent it. Must run inside the caller's transaction.
    """
    people = {r.pk: r for r in recipients if r is not None}
    if not people:
        return False  # nobody to tell: not recorded as sent, so a later run can send it
    try:
        with transaction.atomic():
            Reminder.objects.create(subject=subject, stage=stage)
    except IntegrityError:
        return False
    for recipient in people.values():
        notify(recipient, kind, context, url)
    return True


def enqueue(notification_id):
    """Hand delivery to a worker. If the broker is down, the outbox sweep delivers later."""
    from .tasks import deliver

    try:
        deliver.apply_async((notification_id,), retry=False)
    except Exception:  # noqa: BLE001 - any broker failure leaves the row for the sweep
        log.warning("Broker unavailable; notification %s left for the sweep", notification_id)


@transaction.atomic
def mark_read(user, notification_ids=None):
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
