"""What each sweep costs in statements: with nothing due a handful (≤ 5) whatever the
size, and with work a number per batch that does not grow with the rows due. Each test
runs its sweep on a few due rows, again (nothing due), on three times as many new due
rows, and again; bench/sweeps.py measures the same on a large kommun."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import jobs as accounts_jobs
from activityplans import jobs as plan_jobs
from activityplans.models import Evaluation, Plan, State
from archive import jobs as archive_jobs
from archive.models import Snapshot
from archive.models import State as SnapshotState
from moderation import jobs as moderation_jobs
from moderation import services as moderation_services
from notifications.jobs import deliver_pending
from notifications.models import Notification, Reminder

from .factories import AccountFactory

NOW = datetime.datetime(2026, 11, 4, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
DAY = datetime.timedelta(days=1)
IDLE = 5  # statements of a sweep with nothing due
SMALL, LARGE = 2, 6


def _accounts(org, n, **fields):
    return [
        AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare, **fields)
        for _ in range(n)
    ]


def coverage(org, n):
    # No substitute and no other administrators, never a credentials check: 4 reminders.
    _accounts(org, n, substitute=None, created_at=NOW - 400 * DAY)


def passive(org, n):
    _accounts(org, n, last_activity_on=NOW.date() - 200 * DAY, created_at=NOW - 400 * DAY)


def unwatched(org, n):
    _accounts(org, n, created_at=NOW - 30 * DAY)


def uploads(org, n):
    for account in _accounts(org, n):
        Snapshot.objects.create(
            account=account,
            state=SnapshotState.NEEDS_UPLOAD,
            due_at=NOW - 20 * DAY,
            needs_upload_since=NOW - 8 * DAY,
            created_at=NOW - 20 * DAY,
        )


def evaluations(org, n):
    person = org.people.medarbetare
    for account in _accounts(org, n):
        plan = Plan.objects.create(
            state=State.ESTABLISHED,
            state_changed_at=NOW - 300 * DAY,
            created_by=person,
            applicant=person,
            unit=org.bibliotek,
            account=account,
            created_at=NOW - 300 * DAY,
            updated_at=NOW - 300 * DAY,
            established_at=NOW - 300 * DAY,
        )
        Evaluation.objects.create(plan=plan, due_on=NOW.date() + 5 * DAY)


def deadlines(org, n):
    for account in _accounts(org, 1):
        for _ in range(n):
            moderation_services.create_item(
                None,
                account,
                {"kind": "fraga", "text": "Öppet i dag?", "posted_at": NOW - 40 * HOUR},
                now=NOW - 40 * HOUR,
            )


def outbox(org, n):
    for _ in range(n):
        Notification.objects.create(
            recipient=org.people.medarbetare,
            kind="account_coverage",
            subject="Påminnelse",
            body_text="Text",
            rendered_at=NOW,
            created_at=NOW,
            due_at=NOW,
        )


HOUR = datetime.timedelta(hours=1)


def run_deadlines(now):
    moderation_jobs.remind_deadlines(now)
    return moderation_jobs.send_unsent(now)


SWEEPS = {
    "accounts.remind_coverage": (accounts_jobs.remind_coverage, coverage, 4),
    "accounts.remind_passive": (accounts_jobs.remind_passive, passive, 1),
    "moderation.remind_unwatched": (moderation_jobs.remind_unwatched, unwatched, 1),
    "archive.remind_uploads": (archive_jobs.remind_uploads, uploads, 1),
    "activityplans.remind_evaluations": (plan_jobs.remind_evaluations, evaluations, 1),
    "moderation.remind_deadlines": (run_deadlines, deadlines, 1),
    "notifications.deliver_pending": (deliver_pending, outbox, 1),
}


def statements(job):
    with CaptureQueriesContext(connection) as ctx:
        result = job(timezone.now())
    return result, len(ctx.captured_queries)


@pytest.mark.parametrize("name", list(SWEEPS))
def test_a_sweep_costs_a_handful_of_statements_idle_and_per_batch_with_work(
    org, name, django_assert_max_num_queries
):
    job, make, per_row = SWEEPS[name]
    with time_machine.travel(NOW, tick=False):
        make(org, SMALL)
        sent, small = statements(job)
        assert sent == SMALL * per_row
        with django_assert_max_num_queries(IDLE):
            assert job(timezone.now()) == 0

        make(org, LARGE)
        sent, large = statements(job)
        assert sent == LARGE * per_row
        # Three times the rows due, the same statements: none of them is per row.
        assert large <= small, (small, large)
        with django_assert_max_num_queries(IDLE):
            assert job(timezone.now()) == 0


def test_a_reminder_once_sent_is_not_selected_again(org):
    """The sweep's selection leaves out what was sent: a second run writes nothing and
    tries no INSERT (it does not lean on the unique constraint)."""
    with time_machine.travel(NOW, tick=False):
        coverage(org, 3)
        assert accounts_jobs.remind_coverage(timezone.now()) == 12
        assert Reminder.objects.count() == 12
        with CaptureQueriesContext(connection) as ctx:
            assert accounts_jobs.remind_coverage(timezone.now()) == 0
        assert not [q for q in ctx.captured_queries if "INSERT" in q["sql"]]


@pytest.mark.parametrize(
    "make, job",
    [
        (evaluations, plan_jobs.remind_evaluations),
        (coverage, accounts_jobs.remind_coverage),
        (uploads, archive_jobs.remind_uploads),
        (unwatched, moderation_jobs.remind_unwatched),
    ],
)
def test_the_outbox_renders_and_sends_swept_reminders_in_statements_per_batch(org, make, job):
    """What the sweeps wrote unrendered is rendered by kind (one loader query per kind)
    and sent: the statements do not grow with the notifications."""
    with time_machine.travel(NOW, tick=False):
        make(org, SMALL)
        job(timezone.now())
        sent, small = statements(deliver_pending)
        assert sent == Notification.objects.count() and sent >= SMALL
        make(org, LARGE)
        job(timezone.now())
        sent, large = statements(deliver_pending)
        assert sent >= LARGE
        assert large <= small, (small, large)
        assert not Notification.objects.filter(sent_at__isnull=True).exists()
        assert not Notification.objects.filter(subject="").exists()
