import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Notification, Reminder
from .rendering import render


def notify(recipient, kind, context=None, url="", *, now):
    """Write a notification in the current transaction; enqueue its delivery on commit.

    `now` is the caller's time (the change that causes the notification): it is when the
    row was created, rendered and first due. `kind` names the templates notifications/email/<kind>.subject.txt, .txt and .html,
    rendered at once with `context` (see notifications.rendering).
    """
    subject, body_text, body_html = render(kind, context or {}, recipient, url)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        url=url,
        rendered_at=now,
        created_at=now,
        due_at=now,
    )
    transaction.on_commit(lambda: enqueue(notification.pk))
    return notification


def notify_once(subject, stage, recipients, kind, context=None, url="", *, now):
    """Send a reminder to `recipients` unless (subject, stage) was already sent.

    The unique Reminder row is the claim: of two racing sweeps one inserts it and
    notifies in the same transaction; the other hits the constraint and sends nothing.
    Returns True if this call sent it. Must run inside the caller's transaction.
    """
    # Someone who has left is not reminded; the handover names who takes over.
    people = {r.pk: r for r in recipients if r is not None and r.is_active}
    if not people:
        return False  # nobody to tell: not recorded as sent, so a later run can send it
    try:
        with transaction.atomic():
            Reminder.objects.create(subject=subject, stage=stage, created_at=now)
    except IntegrityError:
        return False
    for recipient in people.values():
        notify(recipient, kind, context, url, now=now)
    return True


def sent_reminders(keys):
    """Those of the (subject, stage) keys whose Reminder row exists: one query."""
    keys = set(keys)
    if not keys:
        return set()
    subjects = {subject for subject, _stage in keys}
    return keys & set(Reminder.objects.filter(subject__in=subjects).values_list("subject", "stage"))


def claim_reminders(keys, now, known=None):
    """Insert the Reminder rows of these (subject, stage) keys that do not exist yet;
    return the keys this call inserted, in the order given: the set-based notify_once.

    One SELECT of the existing keys and one INSERT of the rest. If a concurrent caller
    committed one of the same keys in between, the INSERT fails on the unique
    constraint (PostgreSQL waits for the other transaction first); it is rolled back to
    its savepoint and tried again without what the other inserted, so each key is
    claimed once. `known`: the keys the caller found sent just before, in place of the
    first SELECT. Must run inside the caller's transaction."""
    keys = list(dict.fromkeys(keys))
    while keys:
        existing = sent_reminders(keys) if known is None else known
        known = None
        new = [key for key in keys if key not in existing]
        try:
            with transaction.atomic():
                Reminder.objects.bulk_create(
                    Reminder(subject=subject, stage=stage, created_at=now) for subject, stage in new
                )
        except IntegrityError:
            keys = new
            continue
        return new
    return []


def write_unrendered(rows, now):
    """Write (recipient id, kind, url, context) rows as unsent, unrendered notifications
    in one INSERT; return their ids. They are rendered before they are sent or shown
    (notifications.rendering, with the loader registered for the kind). The caller
    enqueues them (enqueue_many) on commit."""
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=recipient,
            kind=kind,
            url=url,
            context=context,
            subject="",
            body_text="",
            created_at=now,
            due_at=now,
        )
        for recipient, kind, url, context in rows
    )
    return [n.pk for n in created]


def unsent(queryset, subject, stage):
    """The rows of `queryset` whose reminder (subject, stage) has not been sent: a
    NOT EXISTS probe of the unique Reminder index per row. `subject` is an expression
    of the row (e.g. Concat of a prefix and the pk), `stage` a value or expression; the
    subject is also annotated as `reminder_subject`. A sweep selects only these, so a
    reminder once sent is never tried again."""
    sent = Reminder.objects.filter(subject=OuterRef("reminder_subject"), stage=stage)
    return queryset.annotate(reminder_subject=subject).filter(~Exists(sent))


def followed_up_since(subject, earlier_stage, now, *, after):
    """May the stage after `earlier_stage` go out now? An expression, true where the
    row's reminder `subject` had `earlier_stage` sent on a day at least `after` (whole
    days) before today, in the kommun's time: two consecutive stages of a reminder never
    go out at once, and the later one ("despite the reminder") is true when it says so."""
    today = timezone.localdate(now)
    before = timezone.make_aware(
        datetime.datetime.combine(today - after + datetime.timedelta(days=1), datetime.time(0))
    )
    return Exists(
        Reminder.objects.filter(subject=subject, stage=earlier_stage, created_at__lt=before)
    )


class Reminders:
    """The reminders of one sweep, sent together: a handful of statements per batch of
    BATCH reminders, none per reminder.

    add() what is due; send() claims each (subject, stage) once (claim_reminders),
    writes the notifications of those it claimed unrendered, with a `context` of ids
    that the kind's loader turns into objects (notifications.rendering), and enqueues
    them on commit. As notify_once: someone who has left is not reminded, and a
    reminder with nobody to tell is not recorded, so a later run can send it.

    Reminders added with the same `together` value (and the same kind and url) keep
    their own (subject, stage) rows, but those claimed in the same send() go out as one
    notification per recipient: its context is the first one's, each list in it
    extended by the lists of the others (e.g. an account's problems). They are never
    split between batches."""

    BATCH = 1000

    def __init__(self, now, *, unsent_only=False):
        """`unsent_only`: the caller's query selected only reminders whose Reminder row
        does not exist (`unsent`, or its own NOT EXISTS), so send() does not ask again;
        one that a concurrent sweep sent meanwhile is still refused by the unique
        index when claimed (claim_reminders)."""
        self.now = now
        self.unsent_only = unsent_only
        self._due = {}  # (subject, stage) -> (recipient ids, kind, url, context)

    def __len__(self):
        return len(self._due)

    def add(self, subject, stage, recipients, kind, context, url="", *, together=None):
        ids = [getattr(r, "pk", r) for r in recipients]
        self._due.setdefault(
            (subject, stage), ([i for i in ids if i is not None], kind, url, context, together)
        )

    def send(self):
        """Send what was added, a batch per transaction; returns how many were sent
        (reminders, however many of them went out together)."""
        sent = 0
        for part in self._batches():
            part = dict(part)
            known = set() if self.unsent_only else sent_reminders(part)
            part = {key: value for key, value in part.items() if key not in known}
            if part:
                # A transaction per batch when the sweep runs on its own; inside a
                # caller's transaction no savepoint (nothing here catches a failure).
                with transaction.atomic(savepoint=False):
                    sent += self._send(part, known)
        return sent

    def _batches(self):
        """What was added, in batches of at most BATCH reminders (or one `together`
        group, if larger), a group never split between two."""
        groups = {}
        for key, value in self._due.items():
            together = value[4]
            groups.setdefault(key if together is None else (together,), []).append((key, value))
        self._due = {}
        batch = []
        for group in groups.values():
            if batch and len(batch) + len(group) > self.BATCH:
                yield batch
                batch = []
            batch.extend(group)
        if batch:
            yield batch

    def _send(self, due, known):
        everyone = {pk for ids, *_rest in due.values() for pk in ids}
        active = set(
            get_user_model()
            .objects.filter(pk__in=everyone, is_active=True)
            .values_list("pk", flat=True)
        )
        wanted = {key: value for key, value in due.items() if active & set(value[0])}
        claimed = claim_reminders(list(wanted), self.now, known=known)
        notices = {}  # (reminder or group, recipient id) -> context
        for key in claimed:
            ids, kind, url, context, together = wanted[key]
            group = key if together is None else (together, kind, url)
            for pk in dict.fromkeys(ids):
                if pk not in active:
                    continue
                notice = notices.get((group, pk))
                if notice is None:
                    notices[(group, pk)] = (kind, url, dict(context))
                else:
                    merged = notice[2]
                    for name, value in context.items():
                        if isinstance(value, list):
                            merged[name] = merged[name] + value
        rows = [(pk, kind, url, context) for (_group, pk), (kind, url, context) in notices.items()]
        ids = write_unrendered(rows, self.now)
        transaction.on_commit(lambda: enqueue_many(ids))
        return len(claimed)


def link_format(viewname):
    """The URL of `viewname` (one integer argument) with "{}" for the argument:
    reverse() once for a sweep's many rows, then str.format per row."""
    from django.urls import reverse

    return reverse(viewname, args=[987654321]).replace("987654321", "{}")


def enqueue(notification_id):
    """Hand delivery to a worker. If the broker is down, the outbox sweep delivers later."""
    from config.celery import enqueue as to_worker

    from .tasks import deliver

    to_worker(deliver, notification_id)


def enqueue_many(notification_ids):
    """Hand the delivery of many notifications to a worker as one task (a sweep's
    batch). If the broker is down, the outbox sweep delivers them later."""
    from config.celery import enqueue as to_worker

    from .tasks import deliver_many

    if notification_ids:
        to_worker(deliver_many, list(notification_ids))


@transaction.atomic
def mark_read(user, notification_ids=None, *, now):
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=now)
