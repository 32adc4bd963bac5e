"""The archive's sweeps: make the half-year's snapshots, capture what is due, remind
about uploads. Each takes `now`, is idempotent and safe in parallel processes."""

import datetime

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from accounts.models import Account
from notifications.models import Reminder
from notifications.rendering import loader
from notifications.services import Reminders, followed_up_since, link_format
from organisation.deputies import Deputies
from organisation.models import RoleHolders, ids_up

from . import builds, services
from .models import Snapshot, State

UPLOAD_REMINDER = datetime.timedelta(days=7)
UPLOAD_ESCALATION = datetime.timedelta(days=14)


def create_semiannual(now):
    return services.create_semiannual(now)


def due_ids(now, limit=None):
    qs = (
        Snapshot.objects.filter(state=State.DUE, due_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    return list(qs[:limit] if limit else qs)


def capture_due(now, limit=50):
    """Capture due snapshots here, one after the other (cron / run_jobs)."""
    done = 0
    for snapshot_id in due_ids(now, limit):
        if services.capture_one(snapshot_id, now=now) is not None:
            done += 1
    return done


UPLOAD_KINDS = ("snapshot_upload_reminder", "snapshot_upload_escalation")
upload_contexts = loader(
    snapshot=Snapshot.objects.all(), account=Account.objects.select_related("responsible")
)


def build_waiting_packages(now):
    """Build the asked-for packages that no worker holds (a broker that was down when
    they were asked for, a worker that died); one after the other."""
    built = 0
    for build_id in builds.waiting_builds(now):
        if builds.build_requested(build_id, now=now) is not None:
            built += 1
    return built


def remind_uploads(now):
    """A capture that needs an uploaded screenshot: the responsible person is reminded
    after 7 days, the förvaltningskommunikatör told after 14, a week after the
    reminder and never with it.

    One query finds the stages due and not sent (by the unique Reminder index); the
    reminders go out together (Reminders)."""
    key = Concat(Value("snapshot:"), Cast("pk", CharField()))
    subject = OuterRef("reminder_subject")
    waiting = Snapshot.objects.filter(
        state=State.NEEDS_UPLOAD, needs_upload_since__lte=now - UPLOAD_REMINDER
    ).annotate(reminder_subject=key)
    due = (
        waiting.annotate(
            remind=~Exists(Reminder.objects.filter(subject=subject, stage="7d")),
            escalate=Q(needs_upload_since__lte=now - UPLOAD_ESCALATION)
            & followed_up_since(subject, "7d", now, after=UPLOAD_ESCALATION - UPLOAD_REMINDER)
            & ~Exists(Reminder.objects.filter(subject=subject, stage="14d")),
        )
        .filter(Q(remind=True) | Q(escalate=True))
        .values_list(
            "pk",
            "account_id",
            "account__responsible_id",
            "account__unit__path",
            "account__unit__forvaltning_id",
            "remind",
            "escalate",
        )
    )
    due = list(due)
    reminders = Reminders(now, unsent_only=True)
    snapshot_url = link_format("archive:snapshot")  # services.snapshot_url, once
    if due:
        deputies, roles = Deputies.at(now), RoleHolders()  # whoever does their work today
        roles.load({u for row in due if row[6] for u in ids_up(row[3])})  # one query
    for pk, account, responsible, path, forvaltning, remind, escalate in due:
        context = {"snapshot": pk, "account": account}
        url = snapshot_url.format(pk)
        if remind:
            reminders.add(
                f"snapshot:{pk}",
                "7d",
                [deputies.acting_for_id(responsible)],
                "snapshot_upload_reminder",
                context,
                url,
            )
        if escalate:
            communicator = roles.communicator_of(ids_up(path), forvaltning)
            reminders.add(
                f"snapshot:{pk}",
                "14d",
                [deputies.acting_for_id(communicator)],
                "snapshot_upload_escalation",
                context,
                url,
            )
    return reminders.send()
