"""Moderation desk: deadlines across DST and in working-days mode, the reminder
clock exactly once (reruns, parallel sweeps, a real Celery worker), absence routing and
every action with its event. Pages, uploads and exports: tests/test_moderation_views.py."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from moderation import jobs, services
from moderation.models import (
    Action,
    Item,
    ItemEvent,
    Kind,
    Outcome,
    PendingReminder,
    PreservedCopy,
    ReminderBatch,
    RemovalReason,
)
from notifications.jobs import deliver_pending
from notifications.models import Notification, Reminder
from organisation.models import Absence

from .factories import AccountFactory, UserFactory, give_role, race

STHLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC
H48 = datetime.timedelta(seconds=172_800)


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def sent(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def recipients(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def sweep(moment, job=jobs.remind_deadlines):
    """Run a sweep as beat does: at `moment`, with the clock pinned there. The deadline
    sweep hands its batches to a worker on commit; here the worker's half runs at once
    (the test's transaction never commits)."""
    with time_machine.travel(moment, tick=False):
        result = job(timezone.now())
        if job is jobs.remind_deadlines:
            jobs.send_unsent(timezone.now())
        return result


def pending(item):
    """The reminder stages still to come of an item, with when they fall due."""
    return dict(item.pending_reminders.values_list("stage", "due_at"))


@pytest.fixture
def team(org):
    """The people around a desk account: medarbetare answers for it, kollega is its
    substitute, chef is Biblioteket's chef, kommunikator administers it; vikarie stands
    in for medarbetare during an absence but is not on the account."""
    from types import SimpleNamespace

    def person(username):
        user = UserFactory(username=username, unit=org.bibliotek)
        give_role(user, "medarbetare", org.bibliotek)
        return user

    return SimpleNamespace(**vars(org.people), kollega=person("kollega"), vikarie=person("vikarie"))


@pytest.fixture
def desk(org, team):
    account = AccountFactory(
        display_name="Biblioteket på Facebook",
        unit=org.bibliotek,
        responsible=team.medarbetare,
        substitute=team.kollega,
    )
    account.administrators.set([team.medarbetare, team.kollega, team.kommunikator])
    return account


def new_item(account, now, kind=Kind.QUESTION, text="Har ni öppet på lördag?", actor=None, **data):
    item, created = services.create_item(
        actor, account, {"kind": kind, "text": text, "author": "Anna K", **data}, now=now
    )
    assert created
    return item


def events(item):
    return list(ItemEvent.objects.filter(item=item).values_list("action", flat=True))


# -- deadlines ---------------------------------------------------------------------------


def test_48_hours_are_real_seconds_across_the_autumn_dst_change(org):
    start = at(2026, 10, 24, 12, 0)  # Saturday, CEST (+02:00)
    due = services.deadline(start)
    assert (due - start).total_seconds() == 172_800
    assert due.astimezone(UTC) - start.astimezone(UTC) == H48
    # Local wall clock: the night to Sunday 25 October had 25 hours, so 11:00 on Monday.
    local = timezone.localtime(due)
    assert (local.date(), local.hour, local.minute) == (datetime.date(2026, 10, 26), 11, 0)
    assert local.utcoffset() == datetime.timedelta(hours=1)


def test_48_hours_are_real_seconds_across_the_spring_dst_change(org):
    start = at(2027, 3, 27, 12, 0)  # Saturday, CET (+01:00)
    due = services.deadline(start)
    assert due.astimezone(UTC) - start.astimezone(UTC) == H48
    # The night to Sunday 28 March had 23 hours: 13:00 on Monday, summer time.
    local = timezone.localtime(due)
    assert (local.date(), local.hour) == (datetime.date(2027, 3, 29), 13)
    assert local.utcoffset() == datetime.timedelta(hours=2)


def test_the_deadline_runs_from_posted_at_if_known_else_from_noticed_at(org, desk):
    now = at(2026, 10, 24, 12, 0)
    posted = at(2026, 10, 23, 20, 15)
    known = new_item(desk, now, posted_at=posted)
    assert known.due_at == posted.astimezone(UTC) + H48
    assert timezone.localtime(known.due_at).hour == 19  # 20:15 CEST + 48 h = 19:15 CET
    assert pending(known) == {
        1: known.due_at - datetime.timedelta(hours=12),
        2: known.due_at,
        3: known.due_at + datetime.timedelta(hours=24),
    }
    unknown = new_item(desk, now)
    assert unknown.noticed_at == now and unknown.due_at == now.astimezone(UTC) + H48
    noticed = new_item(desk, now, noticed_at=at(2026, 10, 24, 9, 0))
    assert noticed.due_at == datetime.datetime(2026, 10, 24, 7, 0, tzinfo=UTC) + H48
    with pytest.raises(ValidationError) as exc:
        new_item(desk, now, posted_at=now + datetime.timedelta(hours=1))
    assert "posted_at" in exc.value.message_dict
    assert Item.objects.count() == 3


@pytest.fixture
def working_days(org):
    org.kommun.moderation_working_days = True
    org.kommun.save()
    return org.kommun


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Friday before the autumn DST weekend: 14 h on Friday, 24 h on Monday, 10 h on Tuesday.
        (at(2026, 10, 23, 10, 0), at(2026, 10, 27, 10, 0)),
        # Skärtorsdagen 2027, before the spring DST change on påskdagen: långfredagen,
        # the weekend and annandag påsk stop the clock; the same wall-clock time on Wednesday.
        (at(2027, 3, 25, 10, 0), at(2027, 3, 31, 10, 0)),
        # Långfredagen itself: counted from Tuesday 00:00.
        (at(2027, 3, 26, 10, 0), at(2027, 4, 1, 0, 0)),
        # Before Christmas: julafton, juldagen and the weekend stop the clock.
        (at(2026, 12, 23, 10, 0), at(2026, 12, 29, 10, 0)),
        # Noticed on a Saturday: counted from Monday 00:00, so Wednesday 00:00.
        (at(2026, 10, 24, 15, 0), at(2026, 10, 28, 0, 0)),
        # An ordinary Monday: 48 hours.
        (at(2026, 11, 2, 9, 0), at(2026, 11, 4, 9, 0)),
    ],
)
def test_working_days_mode_stops_the_clock_on_weekends_and_holidays(working_days, start, due):
    assert services.deadline(start) == due
    assert timezone.localtime(services.deadline(start)).hour == due.hour


def test_working_days_mode_is_used_when_an_item_is_created(working_days, desk):
    item = new_item(desk, at(2026, 10, 23, 12, 0), posted_at=at(2026, 10, 23, 10, 0))
    assert item.due_at == at(2026, 10, 27, 10, 0)
    # Real time from Friday 10:00 CEST to Tuesday 10:00 CET: four days and an hour.
    assert item.due_at.astimezone(UTC) - item.posted_at.astimezone(UTC) == datetime.timedelta(
        days=4, hours=1
    )


# -- reminders ---------------------------------------------------------------------------


def test_each_stage_once_to_the_right_people_across_dst(team, desk):
    # Posted Friday 20:00 (CEST); due Sunday 19:00 (CET) after the DST change.
    item = new_item(desk, at(2026, 10, 23, 20, 0), posted_at=at(2026, 10, 23, 20, 0))
    assert item.due_at == at(2026, 10, 25, 19, 0)
    twelve = item.due_at - datetime.timedelta(hours=12)
    assert twelve == at(2026, 10, 25, 7, 0)  # 06:00 UTC, after the change at 01:00 UTC
    one_second = datetime.timedelta(seconds=1)

    assert sweep(twelve - one_second) == 0
    assert sweep(twelve) == 1
    assert sweep(twelve) == 0
    assert recipients("moderation_12h_left") == ["medarbetare"]

    assert sweep(item.due_at - one_second) == 0
    assert sweep(item.due_at) == 1
    assert sweep(item.due_at + datetime.timedelta(minutes=5)) == 0
    # Handler, the account's substitute and the chef; not the communicator yet.
    assert recipients("moderation_deadline") == ["chef", "kollega", "medarbetare"]

    overdue = item.due_at + datetime.timedelta(hours=24)
    assert overdue == at(2026, 10, 26, 19, 0)
    assert sweep(overdue - one_second) == 0
    assert sweep(overdue) == 1
    assert sweep(overdue) == 0
    assert sweep(at(2026, 12, 1, 12, 0)) == 0
    assert recipients("moderation_overdue_24h") == ["kommunikator"]
    assert recipients("moderation_12h_left") == ["medarbetare"]
    assert recipients("moderation_deadline") == ["chef", "kollega", "medarbetare"]

    assert pending(item) == {}
    assert sorted(Reminder.objects.values_list("stage", flat=True)) == [
        "12h_left",
        "deadline",
        "overdue_24h",
    ]
    # The sweep wrote the reminders unrendered; delivery renders them from the item.
    assert deliver_pending(at(2026, 12, 1, 12, 0)) == Notification.objects.count()
    reminder = Notification.objects.get(kind="moderation_deadline", recipient=team.chef)
    assert "Biblioteket på Facebook" in reminder.subject
    assert "25 oktober 2026 19:00" in reminder.body_text  # local time, after the change
    (email,) = [
        m for m in mail.outbox if m.subject == reminder.subject and m.to == [team.chef.email]
    ]
    assert "25 oktober 2026 19:00" in email.body


def test_spring_dst_reminders_fall_at_real_hours(team, desk):
    item = new_item(desk, at(2027, 3, 27, 12, 0))  # due Monday 13:00 CEST
    assert sweep(at(2027, 3, 29, 0, 59)) == 0  # 12 h before in real time is 01:00 CEST
    assert sweep(at(2027, 3, 29, 1, 0)) == 1
    assert sweep(item.due_at) == 1
    assert sweep(at(2027, 3, 30, 13, 0)) == 1
    assert Reminder.objects.count() == 3


def test_a_handled_item_is_not_reminded(team, desk):
    item = new_item(desk, at(2026, 11, 2, 9, 0))
    services.answer(team.medarbetare, item.pk, "Ja, 10–14.", now=at(2026, 11, 3, 8, 0))
    assert sweep(at(2026, 11, 10, 9, 0)) == 0
    assert not Reminder.objects.exists()
    assert pending(item) == {}


def test_an_item_registered_late_gets_only_its_latest_due_stage(team, desk):
    # Posted three days ago: at once past the deadline and 24 hours overdue. Two
    # consecutive stages never go out at once: only the 24-hour reminder is sent, the
    # warning and the deadline are recorded as skipped (issue 13).
    now = at(2026, 11, 5, 9, 0)
    item = new_item(desk, now, posted_at=now - datetime.timedelta(days=3))
    assert sweep(now) == 1
    assert sweep(now) == 0
    assert sent(team.medarbetare, "moderation_12h_left") == 0
    assert sent(team.medarbetare, "moderation_deadline") == 0
    assert sent(team.kommunikator, "moderation_overdue_24h") == 1
    (batch,) = ReminderBatch.objects.all()
    assert batch.pairs() == [(item.pk, 3)]
    assert sorted(batch.stages()) == [
        (1, True),
        (2, True),
        (3, False),
    ]
    assert list(Reminder.objects.values_list("stage", flat=True)) == ["overdue_24h"]


def test_an_item_registered_past_its_deadline_skips_the_12_hour_warning(team, desk):
    # Posted 50 hours ago: the deadline passed 2 hours ago, the 24-hour stage is not due.
    now = at(2026, 11, 5, 9, 0)
    item = new_item(desk, now, posted_at=now - datetime.timedelta(hours=50))
    assert sweep(now) == 1
    assert sent(team.medarbetare, "moderation_12h_left") == 0
    assert sent(team.medarbetare, "moderation_deadline") == 1
    assert sorted(pending(item)) == [3]
    # A sweep that was down for a day: the deadline stage (due 22 hours ago) would have
    # gone out with the 24-hour one; only the later is sent.
    assert sweep(item.due_at + datetime.timedelta(hours=24)) == 1
    assert sent(team.kommunikator, "moderation_overdue_24h") == 1


def test_after_a_sweep_outage_only_the_latest_stage_goes_out(team, desk):
    """The deadline warning and the 24-hour reminder of an item entered in time never
    go out in the same sweep when the sweeps stopped for longer than a day."""
    now = at(2026, 11, 2, 9, 0)
    item = new_item(desk, now, posted_at=now)
    assert sweep(item.due_at - datetime.timedelta(hours=12)) == 1
    with time_machine.travel(item.due_at + datetime.timedelta(hours=25), tick=False):
        assert jobs.remind_deadlines(timezone.now()) == 1
        jobs.send_unsent(timezone.now())
    assert sent(team.medarbetare, "moderation_deadline") == 0
    assert sent(team.kommunikator, "moderation_overdue_24h") == 1
    assert sorted(ReminderBatch.objects.latest("pk").stages()) == [
        (2, True),
        (3, False),
    ]


@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_send_each_stage_once(team, desk):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    start = at(2026, 10, 23, 20, 0)
    items = [new_item(desk, start, text=f"Fråga {n}") for n in range(30)]
    due = items[0].due_at

    twelve = due - datetime.timedelta(hours=12)
    results = race(6, lambda i: jobs.remind_deadlines(twelve))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    # The worker's half, four at once on the claimed batches: each reminder once.
    assert ReminderBatch.objects.filter(sent_at__isnull=True).exists()
    results = race(4, lambda i: jobs.send_unsent(twelve))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    assert race(2, lambda i: jobs.send_unsent(twelve)) == [0, 0]

    results = race(6, lambda i: jobs.remind_deadlines(due))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    results = race(6, lambda i: jobs.remind_deadlines(due + datetime.timedelta(hours=24)))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    assert not PendingReminder.objects.exists()
    # No worker took those batches: three sweeps at once a week later claim nothing new
    # and send them, each reminder once.
    assert ReminderBatch.objects.filter(sent_at__isnull=True).exists()
    assert race(3, lambda i: jobs.remind_deadlines(due + datetime.timedelta(days=9))) == [0] * 3
    assert not ReminderBatch.objects.filter(sent_at__isnull=True).exists()

    assert Reminder.objects.count() == 90
    assert sent(team.medarbetare, "moderation_12h_left") == 30
    for person in (team.medarbetare, team.kollega, team.chef):
        assert sent(person, "moderation_deadline") == 30
    assert sent(team.kommunikator, "moderation_overdue_24h") == 30
    assert (
        Notification.objects.filter(kind__startswith="moderation_")
        .exclude(kind="moderation_new")
        .count()
        == 30 + 90 + 30
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_once(team, desk):
    """moderation.tasks.remind_deadlines through the configured broker (Redis in CI) and
    a real Celery worker, three times: the first run claims the reminder and hands its
    batch to the worker (moderation.tasks.send_batch), which writes and delivers the
    notification; the other runs claim nothing."""
    import time

    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app
    from moderation.tasks import remind_deadlines

    now = timezone.now()
    item = new_item(desk, now, posted_at=now - datetime.timedelta(hours=40))  # 8 h left
    before = Notification.objects.count()
    runs = []

    def record(sender=None, retval=None, **kwargs):
        if sender is not None and sender.name == "moderation.tasks.remind_deadlines":
            runs.append(retval)

    def wait_for(condition):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return False

    task_postrun.connect(record, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            for _ in range(3):
                remind_deadlines.delay()
            assert wait_for(lambda: len(runs) == 3), runs
            # The reminder's delivery was enqueued on commit and sent by the same worker.
            assert wait_for(
                lambda: Notification.objects.filter(
                    kind="moderation_12h_left", sent_at__isnull=False
                ).exists()
            )
    finally:
        task_postrun.disconnect(record)
    assert runs == [1, 0, 0]
    assert Reminder.objects.filter(subject=f"item:{item.pk}").count() == 1
    assert Notification.objects.count() - before == 1
    assert sent(team.medarbetare, "moderation_12h_left") == 1
    assert sorted(pending(item)) == [2, 3]
    (batch,) = ReminderBatch.objects.all()
    assert batch.sent_at is not None and batch.pairs() == [(item.pk, 1)]


# -- assignment, absence and reassignment --------------------------------------------------


def test_an_absent_assignee_is_replaced_by_their_substitute(team, desk):
    Absence.objects.create(
        user=team.medarbetare,
        substitute=team.vikarie,
        starts_on=datetime.date(2026, 11, 2),
        ends_on=datetime.date(2026, 11, 6),
        created_at=at(2026, 11, 2, 8, 0),
    )
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, actor=team.kommunikator)
    assert item.assignee == team.medarbetare  # the record names who answers for it
    assert services.handler(item, now) == team.vikarie
    assert recipients("moderation_new") == ["vikarie"]
    assert services.may_handle(team.vikarie, item, now)
    assert not services.may_handle(team.vikarie, item, at(2026, 11, 9, 9, 0))

    # The reminder goes to the substitute; the deadline also to the account's substitute.
    assert sweep(item.due_at - datetime.timedelta(hours=12)) == 1
    assert recipients("moderation_12h_left") == ["vikarie"]
    assert sweep(item.due_at) == 1
    assert recipients("moderation_deadline") == ["chef", "kollega", "vikarie"]

    services.answer(team.vikarie, item.pk, "Ja, 10–14.", now=at(2026, 11, 5, 10, 0))
    event = ItemEvent.objects.get(item=item, action=Action.ANSWERED)
    assert event.actor == team.vikarie


def test_a_substitute_of_an_absent_substitute_takes_over(team, desk):
    days = {
        "starts_on": datetime.date(2026, 11, 2),
        "ends_on": datetime.date(2026, 11, 6),
        "created_at": at(2026, 11, 2, 8, 0),
    }
    Absence.objects.create(user=team.medarbetare, substitute=team.vikarie, **days)
    Absence.objects.create(user=team.vikarie, substitute=team.kollega, **days)
    item = new_item(desk, at(2026, 11, 3, 9, 0), actor=team.kommunikator)
    assert services.handler(item, at(2026, 11, 3, 9, 0)) == team.kollega
    assert recipients("moderation_new") == ["kollega"]


def test_reassign_only_within_the_accounts_team(team, desk):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, actor=team.medarbetare)
    assert not Notification.objects.exists()  # registered by the handler: nobody to tell
    for person in (team.outsider, team.vikarie, team.chef):
        with pytest.raises(ValidationError):
            services.reassign(team.medarbetare, item.pk, person, now=now)
    item.refresh_from_db()
    assert item.assignee == team.medarbetare and events(item) == [Action.CREATED]
    services.reassign(team.medarbetare, item.pk, team.kollega, now=now)
    item.refresh_from_db()
    assert item.assignee == team.kollega
    assert events(item) == [Action.CREATED, Action.REASSIGNED]
    assert recipients("moderation_new") == ["kollega"]
    # The reminders follow the new assignee.
    assert sweep(item.due_at - datetime.timedelta(hours=12)) == 1
    assert recipients("moderation_12h_left") == ["kollega"]


def test_outsiders_may_not_act(team, desk):
    item = new_item(desk, at(2026, 11, 3, 9, 0))
    for person in (team.outsider, team.kommunikator2, team.arkivarie):
        with pytest.raises(PermissionDenied):
            services.answer(person, item.pk, "Hej", now=timezone.now())
        with pytest.raises(PermissionDenied):
            services.preserve(person, item.pk, "kopia", now=timezone.now())
    assert events(item) == [Action.CREATED] and not PreservedCopy.objects.exists()


# -- actions -----------------------------------------------------------------------------


def test_removal_is_refused_until_a_copy_is_preserved(team, desk):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, kind=Kind.INAPPROPRIATE, text="[hets mot folkgrupp]")
    with pytest.raises(ValidationError) as exc:
        services.remove(team.medarbetare, item.pk, RemovalReason.AGITATION, now=now)
    assert "kopia" in str(exc.value)
    item.refresh_from_db()
    assert item.is_open and item.removed_at is None and item.removal_reason == ""
    assert events(item) == [Action.CREATED]

    later = now + datetime.timedelta(hours=1)
    copy = services.preserve(team.medarbetare, item.pk, "  [hets mot folkgrupp]  ", now=later)
    assert copy.text == "[hets mot folkgrupp]" and copy.created_by == team.medarbetare
    removed_at = later - datetime.timedelta(minutes=10)
    services.remove(
        team.medarbetare, item.pk, RemovalReason.AGITATION, removed_at, "Polisanmäls", now=later
    )
    item.refresh_from_db()
    assert item.outcome == Outcome.REMOVED and item.resolved_at == later
    assert item.removal_reason == RemovalReason.AGITATION and item.bbs_obliged
    assert item.removed_at == removed_at and pending(item) == {}
    assert events(item) == [Action.CREATED, Action.PRESERVED, Action.REMOVED]
    assert ItemEvent.objects.get(item=item, action=Action.REMOVED).comment == "Polisanmäls"


@pytest.mark.parametrize(
    ("reason", "obliged"),
    [
        (RemovalReason.AGITATION, True),
        (RemovalReason.COPYRIGHT, True),
        (RemovalReason.VIOLENCE, True),
        (RemovalReason.CHILD_PORNOGRAPHY, True),
        (RemovalReason.THREAT, True),
        (RemovalReason.PERSONAL_DATA, False),
        (RemovalReason.PORNOGRAPHY, False),  # the law names barnpornografibrott only
        (RemovalReason.PERSONAL_ATTACK, False),
        (RemovalReason.OBSCENE, False),
        (RemovalReason.ADVERTISING, False),
    ],
)
def test_the_bbs_obligation_is_recorded_per_reason(team, desk, reason, obliged):
    item = new_item(desk, at(2026, 11, 3, 9, 0), kind=Kind.INAPPROPRIATE)
    services.preserve(team.medarbetare, item.pk, item.text, now=timezone.now())
    services.remove(team.medarbetare, item.pk, reason, now=timezone.now())
    item.refresh_from_db()
    assert item.bbs_obliged is obliged and item.removal_reason == reason


def test_removal_time_cannot_be_in_the_future(team, desk):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, kind=Kind.INAPPROPRIATE)
    services.preserve(team.medarbetare, item.pk, item.text, now=now)
    with pytest.raises(ValidationError):
        services.remove(
            team.medarbetare,
            item.pk,
            RemovalReason.OBSCENE,
            now + datetime.timedelta(hours=1),
            now=now,
        )
    item.refresh_from_db()
    assert item.is_open and item.removed_at is None


def test_a_reason_outside_the_policy_list_is_refused(team, desk):
    item = new_item(desk, at(2026, 11, 3, 9, 0), kind=Kind.INAPPROPRIATE)
    services.preserve(team.medarbetare, item.pk, item.text, now=timezone.now())
    with pytest.raises(ValidationError):
        services.remove(team.medarbetare, item.pk, "tycker_inte_om", now=timezone.now())
    item.refresh_from_db()
    assert item.is_open


ACTIONS = {
    "answer": lambda who, pk, now: services.answer(who, pk, "Ja, 10–14.", now=now),
    "answer_link": lambda who, pk, now: services.answer(
        who, pk, link="https://www.facebook.com/svar/1", now=now
    ),
    "register": lambda who, pk, now: services.register(
        who, pk, "KS 2026/123", "Kultur- och fritidsnämnden", now=now
    ),
    "refer": lambda who, pk, now: services.refer(
        who, pk, "Kontakta oss via e-post så hjälper vi dig.", now=now
    ),
    "no_action": lambda who, pk, now: services.no_action(
        who, pk, "Ett tack, inget att svara", now=now
    ),
}
EXPECTED = {
    "answer": (Outcome.ANSWERED, Action.ANSWERED, "Ja, 10–14.", ""),
    "answer_link": (Outcome.ANSWERED, Action.ANSWERED, "", "https://www.facebook.com/svar/1"),
    "register": (
        Outcome.REGISTERED,
        Action.REGISTERED,
        "KS 2026/123 → Kultur- och fritidsnämnden",
        "",
    ),
    "refer": (Outcome.REFERRED, Action.REFERRED, "Kontakta oss via e-post så hjälper vi dig.", ""),
    "no_action": (Outcome.NO_ACTION, Action.NO_ACTION, "Ett tack, inget att svara", ""),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_closes_the_item_with_its_event(team, desk, name):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, kind=Kind.CRITICISM if name == "register" else Kind.QUESTION)
    when = now + datetime.timedelta(hours=3)
    ACTIONS[name](team.kollega, item.pk, when)
    item.refresh_from_db()
    outcome, action, text, link = EXPECTED[name]
    assert item.outcome == outcome and item.resolved_at == when
    assert pending(item) == {}
    event = item.events.last()
    assert (event.action, event.actor, event.at, event.comment, event.link) == (
        action,
        team.kollega,
        when,
        text,
        link,
    )
    if name == "register":
        assert (item.diarienummer, item.forwarded_to) == (
            "KS 2026/123",
            "Kultur- och fritidsnämnden",
        )


SECOND = dict(
    ACTIONS,
    remove=lambda who, pk, now: services.remove(who, pk, RemovalReason.OBSCENE, now=now),
    reassign=lambda who, pk, now: services.reassign(who, pk, who, now=now),
)


@pytest.mark.parametrize("second", sorted(SECOND))
def test_a_second_action_on_a_handled_item_is_a_conflict_and_changes_nothing(team, desk, second):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now)
    services.preserve(team.medarbetare, item.pk, item.text, now=now)
    services.answer(team.medarbetare, item.pk, "Ja, 10–14.", now=now)
    before = Item.objects.filter(pk=item.pk).values().get()
    count = ItemEvent.objects.count()
    notifications = Notification.objects.count()
    with pytest.raises(services.ItemConflict) as exc:
        SECOND[second](team.kollega, item.pk, now + datetime.timedelta(hours=1))
    assert "redan hanterat (besvarad)" in str(exc.value)
    assert Item.objects.filter(pk=item.pk).values().get() == before
    assert ItemEvent.objects.count() == count and Notification.objects.count() == notifications


@pytest.mark.parametrize(
    ("call", "fields"),
    [
        (lambda who, pk: services.answer(who, pk, "  ", "", now=timezone.now()), {"text"}),
        (
            lambda who, pk: services.register(who, pk, " ", "", now=timezone.now()),
            {"diarienummer", "forwarded_to"},
        ),
        (lambda who, pk: services.refer(who, pk, "", now=timezone.now()), {"text"}),
        (lambda who, pk: services.no_action(who, pk, " ", now=timezone.now()), {"text"}),
        (lambda who, pk: services.preserve(who, pk, "", now=timezone.now()), {"text"}),
    ],
)
def test_an_empty_action_is_refused_and_changes_nothing(team, desk, call, fields):
    item = new_item(desk, at(2026, 11, 3, 9, 0))
    with pytest.raises(ValidationError) as exc:
        call(team.medarbetare, item.pk)
    assert set(exc.value.message_dict) == fields
    item.refresh_from_db()
    assert item.is_open and events(item) == [Action.CREATED]


def test_a_possible_crime_notifies_the_chef_and_keeps_a_copy(team, desk):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, kind=Kind.CRIME, text="Jag vet var du bor.")
    services.flag_crime(team.kollega, item.pk, "Hot mot personal", now=now)
    item.refresh_from_db()
    assert item.crime_flagged and item.is_open
    copy = item.copies.get()
    assert copy.text == "Jag vet var du bor." and copy.created_by == team.kollega
    assert events(item) == [Action.CREATED, Action.PRESERVED, Action.CRIME]
    assert item.events.last().comment == "Hot mot personal"
    assert recipients("moderation_crime") == ["chef"]
    body = Notification.objects.get(kind="moderation_crime").body_text
    assert "möjligt brott" in body and str(team.kollega) in body

    with pytest.raises(services.ItemConflict):
        services.flag_crime(team.kollega, item.pk, now=now)
    assert recipients("moderation_crime") == ["chef"] and item.copies.count() == 1

    # The copy is a record: it stays when the post is removed afterwards.
    services.remove(team.kollega, item.pk, RemovalReason.PERSONAL_ATTACK, now=now)
    assert item.copies.count() == 1


def test_a_crime_flag_on_a_handled_item_with_a_copy_keeps_that_copy(team, desk):
    now = at(2026, 11, 3, 9, 0)
    item = new_item(desk, now, kind=Kind.INAPPROPRIATE)
    services.preserve(team.medarbetare, item.pk, "Skärmbildens text", now=now)
    services.remove(team.medarbetare, item.pk, RemovalReason.PERSONAL_ATTACK, now=now)
    services.flag_crime(team.medarbetare, item.pk, now=now)
    item.refresh_from_db()
    assert item.crime_flagged and item.outcome == Outcome.REMOVED
    assert list(item.copies.values_list("text", flat=True)) == ["Skärmbildens text"]
    assert recipients("moderation_crime") == ["chef"]


def test_items_events_and_copies_are_never_deleted(team, desk):
    from accounts.models import RecordsAreKept

    item = new_item(desk, at(2026, 11, 3, 9, 0))
    copy = services.preserve(team.medarbetare, item.pk, "kopia", now=timezone.now())
    for thing in (item, copy, item.events.first()):
        with pytest.raises(RecordsAreKept):
            thing.delete()
    with pytest.raises(RecordsAreKept):
        Item.objects.all().delete()
    with pytest.raises(RecordsAreKept):
        PreservedCopy.objects.update(text="ändrad")
    copy.text = "ändrad"
    with pytest.raises(RecordsAreKept):
        copy.save()


def test_a_monitoring_tools_second_push_returns_the_first_item(team, desk):
    now = at(2026, 11, 3, 9, 0)
    data = {"kind": Kind.QUESTION, "text": "Öppet i helgen?"}
    first, created = services.create_item(None, desk, data, "bevakning", "abc-1", now=now)
    again, created_again = services.create_item(None, desk, data, "bevakning", "abc-1", now=now)
    assert created and not created_again and again.pk == first.pk
    assert Item.objects.count() == 1 and recipients("moderation_new") == ["medarbetare"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_give_one_transition(team, desk):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    item = new_item(desk, timezone.now())
    people = [team.medarbetare, team.kollega, team.kommunikator, team.kommunikationschef]
    results = race(
        4, lambda i: services.answer(people[i], item.pk, f"Svar {i}", now=timezone.now())
    )
    assert sum(isinstance(r, Item) for r in results) == 1, results
    assert sum(isinstance(r, services.ItemConflict) for r in results) == 3, results
    assert ItemEvent.objects.filter(item=item, action=Action.ANSWERED).count() == 1


def test_check_in_records_tillsyn(team, desk):
    check = services.check_in(team.medarbetare, desk, now=at(2026, 11, 3, 9, 0))
    assert check.account == desk and check.at == at(2026, 11, 3, 9, 0)
    assert desk.check_ins.count() == 1


def test_the_sweep_writes_what_notify_would_write(org, team):
    """The sweep writes its notifications unrendered; delivery renders them from the
    item, and the result is what notify() renders for each recipient, escaping
    included."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation

    account = AccountFactory(
        display_name="Bibliotek & Café <Ung>",
        unit=org.bibliotek,
        responsible=team.medarbetare,
        substitute=team.kollega,
    )
    team.kollega.first_name = ""  # greeted by username
    team.kollega.save()
    item = new_item(account, at(2026, 10, 23, 20, 0), kind=Kind.CRITICISM)
    for moment in (
        item.due_at - datetime.timedelta(hours=12),
        item.due_at,
        item.due_at + datetime.timedelta(hours=24),
    ):
        assert sweep(moment) == 1
    notifications = Notification.objects.exclude(kind="moderation_new")
    assert notifications.count() == 5
    for unrendered in notifications:
        assert unrendered.rendered_at is None and unrendered.context == {"item": item.pk}
        assert unrendered.subject == unrendered.body_text == unrendered.body_html == ""
    # moderation_new too: notify() wrote it due when the item was registered.
    assert deliver_pending(item.due_at + datetime.timedelta(days=2)) == Notification.objects.count()
    notifications = notifications.all()  # as delivery rendered and stored them
    item.refresh_from_db()
    for n in notifications:
        context = {
            "item": item,
            "recipient": n.recipient,
            "url": f"/moderering/{item.pk}/",
            "site_url": settings.SITE_URL,
        }
        with translation.override(settings.LANGUAGE_CODE):
            expected = [
                render_to_string(f"notifications/email/{n.kind}.{ext}", context)
                for ext in ("subject.txt", "txt", "html")
            ]
        assert n.subject == " ".join(expected[0].split())[:200]
        assert n.body_text == expected[1].strip()
        assert n.body_html == expected[2].strip()
        assert n.url == f"/moderering/{item.pk}/"
    assert "Bibliotek &amp; Café &lt;Ung&gt;" in notifications.first().body_html
    assert "Hej kollega!" in notifications.get(recipient=team.kollega).body_text


def test_the_sweep_finds_chef_and_communicator_up_the_tree(org, team):
    """A unit without a chef of its own: the chef above; the communicator of the
    förvaltning, or of the kommun if the förvaltning has none."""
    from organisation.models import Role, Unit, chef_of_unit, communicator_of

    hylla = Unit.objects.create(name="Hyllan", kind=Unit.Kind.ENHET, parent=org.bibliotek)
    skolan_konto = AccountFactory(unit=org.skolan, responsible=team.outsider)
    kommunens = UserFactory(username="kommunens-kommunikator", unit=org.kommun)
    give_role(kommunens, Role.KOMMUNIKATOR, org.kommun)
    org.people.kommunikator2.role_assignments.all().delete()  # Utbildning has none now
    hyllans = AccountFactory(unit=hylla, responsible=team.medarbetare, substitute=None)
    now = at(2026, 11, 2, 9, 0)
    for account in (hyllans, skolan_konto):
        new_item(account, now, posted_at=now - datetime.timedelta(hours=60))
    assert sweep(now) == 2  # the deadlines, 12 hours ago
    assert sweep(now + datetime.timedelta(hours=12)) == 2  # 24 hours overdue
    for account in (hyllans, skolan_konto):
        item = account.moderation_items.get()
        subject = f"/moderering/{item.pk}/"
        deadline = set(
            Notification.objects.filter(kind="moderation_deadline", url=subject).values_list(
                "recipient", flat=True
            )
        )
        chef = chef_of_unit(account.unit)
        expected = {account.responsible_id} | ({chef.pk} if chef else set())
        expected |= {account.substitute_id} - {None}
        assert deadline == expected
        overdue = Notification.objects.get(kind="moderation_overdue_24h", url=subject)
        assert overdue.recipient == communicator_of(account.unit)
    assert (
        Notification.objects.get(
            kind="moderation_overdue_24h",
            url=f"/moderering/{skolan_konto.moderation_items.get().pk}/",
        ).recipient
        == kommunens
    )


# -- lazy rendering: the sweep records, delivery and the list render ---------------------


def swept_deadline_reminders(desk, count):
    """`count` new items on the desk, the only notifications so far; returns the
    deadline, when a sweep tells handler, substitute and chef (3 per item)."""
    start = at(2026, 11, 2, 9, 0)
    items = [new_item(desk, start, text=f"Fråga {n}") for n in range(count)]
    Notification.objects.all().delete()  # the "new item" notices: not what is tested
    return items[0].due_at


def test_a_swept_reminder_is_rendered_in_the_list_and_sent_once(
    client, team, desk, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    due = swept_deadline_reminders(desk, 4)
    with django_capture_on_commit_callbacks() as callbacks:
        assert sweep(due) == 4
    # One task for the claimed batch, one delivery task for its notifications: not one
    # per row.
    assert len(callbacks) == 2
    assert not Notification.objects.filter(rendered_at__isnull=False).exists()

    # The chef opens the list before any worker has sent them: all four are shown with
    # their text, rendered together (the query count does not grow with the rows).
    client.force_login(team.chef)
    with django_assert_max_num_queries(12):
        page = client.get("/aviseringar/").content.decode()
    mine = Notification.objects.filter(recipient=team.chef)
    assert mine.count() == 4 and not mine.filter(rendered_at__isnull=True).exists()
    for n in mine:
        assert n.subject.startswith("Tidsfristen har gått ut") and n.subject in page
        assert f"Hej {team.chef.first_name or team.chef.username}!" in n.body_text
        assert n.sent_at is None
    rendered = {n.pk: (n.subject, n.body_text, n.body_html, n.rendered_at) for n in mine}

    # Delivery sends what the list showed, once; the others are rendered on the way.
    assert deliver_pending(due) == 12
    assert deliver_pending(due) == 0
    assert len(mail.outbox) == 12
    assert {(m.to[0], m.subject) for m in mail.outbox} == {
        (n.recipient.email, n.subject) for n in Notification.objects.all()
    }
    for n in mine.all():
        assert (n.subject, n.body_text, n.body_html, n.rendered_at) == rendered[n.pk]
    assert not Notification.objects.filter(subject="").exists()


def test_the_batch_tasks_send_each_reminder_once(team, desk, django_capture_on_commit_callbacks):
    """The sweep hands its batch to moderation.tasks.send_batch on commit; that task
    writes the notifications and hands them to notifications.tasks.deliver_many on
    commit. Run each task twice, as a redelivered message would, then the outbox sweep:
    each reminder is written once and sent once."""
    from unittest import mock

    from moderation import tasks as moderation_tasks
    from notifications import tasks

    due = swept_deadline_reminders(desk, 3)
    with time_machine.travel(due, tick=False):
        with mock.patch.object(moderation_tasks.send_batch, "apply_async") as hand_off:
            with django_capture_on_commit_callbacks(execute=True):
                assert jobs.remind_deadlines(timezone.now()) == 3
        ((args,), _kwargs) = hand_off.call_args
        (batch_id,) = args
        assert hand_off.call_count == 1 and not Notification.objects.exists()
        with mock.patch.object(tasks.deliver_many, "apply_async") as apply_async:
            with django_capture_on_commit_callbacks(execute=True):
                assert moderation_tasks.send_batch(batch_id) == 3
                assert moderation_tasks.send_batch(batch_id) == 0
        ((args,), _kwargs) = apply_async.call_args
        (ids,) = args
        assert apply_async.call_count == 1
        assert sorted(ids) == sorted(Notification.objects.values_list("pk", flat=True))
        assert len(ids) == 9
        assert tasks.deliver_many(ids) == 9
        assert tasks.deliver_many(ids) == 0
    assert deliver_pending(due) == 0
    assert len(mail.outbox) == 9
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team.medarbetare.email, team.kollega.email, team.chef.email] * 3
    )
    assert all("Biblioteket på Facebook" in m.subject for m in mail.outbox)


def test_with_the_broker_down_the_sweep_is_quick_and_a_later_sweep_sends(
    team, desk, broker_down, django_capture_on_commit_callbacks
):
    import time

    due = swept_deadline_reminders(desk, 5)
    started = time.monotonic()
    # The callbacks run when the block ends, after the pinned clock (the broker
    # client's timeouts need a running one).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with time_machine.travel(due, tick=False):
            assert jobs.remind_deadlines(timezone.now()) == 5
    assert len(callbacks) == 1 and time.monotonic() - started < 10  # one failed hand-off
    assert not Notification.objects.exists()  # the claimed batch waits in the database
    # Within SEND_WITHIN a worker may still take it; after that the sweep sends it.
    later = due + jobs.SEND_WITHIN - datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert jobs.remind_deadlines(timezone.now()) == 0
    assert not Notification.objects.exists()
    later = due + jobs.SEND_WITHIN + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):  # its hand-off fails too
        with time_machine.travel(later, tick=False):
            assert jobs.remind_deadlines(timezone.now()) == 0
    assert Notification.objects.count() == 15
    assert not ReminderBatch.objects.filter(sent_at__isnull=True).exists()
    assert deliver_pending(later) == 15
    assert deliver_pending(later) == 0
    assert len(mail.outbox) == 15 and all(m.subject for m in mail.outbox)


def test_a_notification_that_cannot_be_rendered_is_retried_and_holds_up_nothing(team, desk):
    due = swept_deadline_reminders(desk, 1)
    assert sweep(due) == 1
    broken = Notification.objects.create(
        recipient=team.chef, kind="no_such_kind", created_at=due, due_at=due
    )
    assert broken.rendered_at is None
    assert deliver_pending(due + datetime.timedelta(minutes=1)) == 3
    broken.refresh_from_db()
    assert broken.sent_at is None and broken.rendered_at is None
    assert "no_such_kind" in broken.last_error and broken.due_at > due
    assert len(mail.outbox) == 3


def test_a_stage_claimed_before_the_item_was_handled_is_not_sent(team, desk):
    """The sweep claimed the 12-hour warning; the item is answered before a worker
    sends the batch: nothing goes out and nothing is recorded as sent."""
    item = new_item(desk, at(2026, 11, 2, 9, 0))
    twelve = item.due_at - datetime.timedelta(hours=12)
    with time_machine.travel(twelve, tick=False):
        assert jobs.remind_deadlines(timezone.now()) == 1
    services.answer(team.medarbetare, item.pk, "Ja, 10–14.", now=twelve)
    assert pending(item) == {}
    assert jobs.send_unsent(twelve) == 0
    assert not ReminderBatch.objects.filter(sent_at__isnull=True).exists()
    assert not Reminder.objects.exists()
    assert sent(team.medarbetare, "moderation_12h_left") == 0


def test_a_batch_that_fails_is_rolled_back_and_holds_up_no_other(team, desk, monkeypatch):
    """Two batches left unsent; sending the first fails half-way (its notifications
    already written): it is rolled back whole, the second is sent, and the first goes
    out on a later try."""
    first = new_item(desk, at(2026, 11, 2, 9, 0))
    second = new_item(desk, at(2026, 11, 2, 9, 5))  # claimed within SEND_WITHIN of the first
    for item in (first, second):
        with time_machine.travel(item.due_at - datetime.timedelta(hours=12), tick=False):
            assert jobs.remind_deadlines(timezone.now()) == 1
    Notification.objects.all().delete()  # the "new item" notices
    real = jobs.enqueue_many

    def fail_for_the_first(ids):
        if Notification.objects.filter(pk__in=ids, context={"item": first.pk}).exists():
            raise RuntimeError("broken")
        return real(ids)

    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn: fn())
    monkeypatch.setattr(jobs, "enqueue_many", fail_for_the_first)
    later = second.due_at
    assert jobs.send_unsent(later) == 1
    assert recipients("moderation_12h_left") == ["medarbetare"]
    assert Notification.objects.get().context == {"item": second.pk}
    assert ReminderBatch.objects.filter(sent_at__isnull=True).count() == 1
    assert not Reminder.objects.filter(subject=f"item:{first.pk}").exists()
    monkeypatch.setattr(jobs, "enqueue_many", real)
    assert jobs.send_unsent(later) == 1
    assert sent(team.medarbetare, "moderation_12h_left") == 2
