"""The archive's sweeps: make the half-year's snapshots, capture what is due, remind
about uploads. Each takes `now`, is idempotent and safe in parallel processes."""

import datetime

from django.db import transaction
from django.db.models import Q

from notifications.services import followed_up, notify_once
from organisation.deputies import Deputies
from organisation.models import communicator_of

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
    after 7 days, the förvaltningskommunikatör told after 14."""
    sent = 0
    waiting = Snapshot.objects.filter(
        state=State.NEEDS_UPLOAD, needs_upload_since__lte=now - UPLOAD_REMINDER
    )
    deputies = Deputies.at(now)  # each told through whoever does their work today
    for snapshot in waiting.select_related("account", "account__responsible", "account__unit"):
        responsible = deputies.acting_for(snapshot.account.responsible)
        stages = [("7d", [responsible], "snapshot_upload_reminder")]
        if snapshot.needs_upload_since <= now - UPLOAD_ESCALATION and followed_up(
            f"snapshot:{snapshot.pk}", "7d", now, after=UPLOAD_ESCALATION - UPLOAD_REMINDER
        ):  # a week after the reminder, never with it
            communicator = deputies.acting_for(communicator_of(snapshot.account.unit))
            stages.append(("14d", [communicator], "snapshot_upload_escalation"))
        for stage, recipients, kind in stages:
            with transaction.atomic():
                if notify_once(
                    f"snapshot:{snapshot.pk}",
                    stage,
                    recipients,
                    kind,
                    {"snapshot": snapshot, "account": snapshot.account},
                    services.snapshot_url(snapshot),
                    now=now,
                ):
                    sent += 1
    return sent
