"""The demo kommun works on the day it is seeded: mostly active accounts with recent
activity, a few problems on purpose, the last half-year mostly archived, and the first
sweeps send single reminders, never a reminder and the next stage at once."""

import datetime
import os
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts import jobs as account_jobs
from accounts import lifecycle
from accounts.models import Account, Status
from activityplans.models import Plan
from activityplans.models import State as PlanState
from archive import jobs as archive_jobs
from archive.models import Snapshot, State
from archive.periods import last_ended
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SEEDED = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def test_the_demo_kommun_works_on_the_day_it_is_seeded(settings, media):
    settings.KANALKOLL_DEV = True
    with time_machine.travel(SEEDED, tick=False):
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        now = timezone.now()
        today = timezone.localdate(now)
        open_accounts = Account.objects.open()
        statuses = Counter(open_accounts.values_list("status", flat=True))
        assert statuses[Status.ACTIVE] >= 0.8 * open_accounts.count()
        # Recent activity, with dates relative to the day: at most a few passive.
        passive = lifecycle.passive_accounts(today)
        assert 1 <= len(passive) <= 3
        recent = open_accounts.filter(last_activity_on__gte=today - datetime.timedelta(days=30))
        assert recent.count() >= 0.8 * open_accounts.count()
        assert all(
            today - datetime.timedelta(days=5 * 366) < day <= today
            for day in open_accounts.exclude(opened_on=None).values_list("opened_on", flat=True)
        )
        assert lifecycle.credentials_lapsed(today).count() <= 4
        # An overdue evaluation belongs to a plan established about a year ago, not
        # today, and the account it established has been kept since.
        for plan in Plan.objects.filter(state=PlanState.ESTABLISHED):
            established = timezone.localdate(plan.state_changed_at)
            for evaluation in plan.evaluations.all():
                assert evaluation.due_on >= established + datetime.timedelta(days=300)
            assert plan.account.last_activity_on >= today - datetime.timedelta(days=30)
            assert not Account.objects.filter(pk=plan.account_id).with_problem("any").exists()
        # The half-year that ended last is mostly archived.
        period = last_ended(now)
        states = Counter(
            Snapshot.objects.filter(period_key=period.key, version=1).values_list(
                "state", flat=True
            )
        )
        assert states[State.SEALED] >= 0.8 * sum(states.values())
        # The first sweeps: reminders only, no proposal to close "despite a reminder".
        assert account_jobs.remind_passive(now) == len(passive)
        assert not Notification.objects.filter(kind="account_passive_close").exists()
        # One yearly confirmation lapsed on purpose: reminded, not escalated at once.
        assert account_jobs.remind_confirmation(now) == 1
        assert not Notification.objects.filter(kind="account_confirm_escalate").exists()
        archive_jobs.remind_uploads(now)
        assert not Notification.objects.filter(kind="snapshot_upload_escalation").exists()


def test_the_demo_inbox_holds_the_last_day_not_the_kommuns_past(settings, media):
    """The walk of December 2026: the kommunikatör had 14 unread notifications, back to
    roles given in 2024, and a first worker would have e-mailed all 114 at once. What
    the seed's past notified about was sent and read then; the day's work still waits."""
    settings.KANALKOLL_DEV = True
    with time_machine.travel(SEEDED, tick=False):
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        day_ago = timezone.now() - datetime.timedelta(days=1)
    old = Notification.objects.filter(created_at__lt=day_ago)
    assert old.exists()
    assert not old.filter(read_at=None).exists() and not old.filter(sent_at=None).exists()
    waiting = Notification.objects.filter(read_at=None, sent_at=None)
    subjects = list(
        waiting.filter(recipient__username="kommunikator").values_list("subject", flat=True)
    )
    assert "Johan Falk har slutat: utse efterträdare" in subjects, subjects
    # The dataskyddsombud is asked about the one version that waits, not about the twelve
    # assessments signed off before (they were signed off, and notified, two months ago).
    officer = list(
        waiting.filter(recipient__username="dataskyddsombud").values_list("subject", flat=True)
    )
    assert officer == ["Dataskyddsbedömning att godkänna: Facebook-sida v2"], officer
    assert waiting.count() <= 40
