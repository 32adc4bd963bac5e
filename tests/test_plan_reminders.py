"""Aktivitetsplan: Swedish working days, reminders sent once, evaluations."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from activityplans import jobs, services
from activityplans.models import Action, Duration, Evaluation, Outcome, State
from config.sweeps import SWEEPS, beat_schedule
from notifications.models import Notification, Reminder
from notifications.services import notify_once
from organisation.workdays import add_working_days, is_working_day

from .factories import advance, make_plan, race, render_unrendered

STHLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def sent(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def sweep(moment, job=jobs.remind_waiting_plans):
    """Run a sweep the way beat does: at `moment`, with the clock pinned there. A
    sweep writes its reminders unrendered; they are rendered here, as delivery would."""
    with time_machine.travel(moment, tick=False):
        result = job(timezone.now())
        render_unrendered(timezone.now())
        return result


# -- working days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2026, 10, 23), True),  # Friday
        (datetime.date(2026, 10, 24), False),  # Saturday
        (datetime.date(2026, 10, 25), False),  # Sunday, DST ends
        (datetime.date(2026, 1, 6), False),  # trettondedag jul
        (datetime.date(2026, 4, 3), False),  # långfredagen
        (datetime.date(2026, 4, 6), False),  # annandag påsk
        (datetime.date(2026, 5, 1), False),  # första maj
        (datetime.date(2026, 5, 14), False),  # Kristi himmelsfärds dag
        (datetime.date(2026, 5, 15), True),  # the Friday after (klämdag, but a working day)
        (datetime.date(2026, 6, 19), False),  # midsommarafton
        (datetime.date(2026, 12, 24), False),  # julafton
        (datetime.date(2026, 12, 25), False),  # juldagen
        (datetime.date(2026, 12, 31), False),  # nyårsafton
        (datetime.date(2027, 1, 1), False),  # nyårsdagen
        (datetime.date(2027, 6, 4), True),  # Friday before nationaldagen (a Sunday in 2027)
        (datetime.date(2028, 6, 6), False),  # nationaldagen on a Tuesday
        (datetime.date(2026, 12, 23), True),
    ],
)
def test_swedish_working_days(day, working):
    assert is_working_day(day) is working


def test_add_working_days_keeps_the_wall_clock_across_dst():
    start = at(2026, 10, 22, 9, 30)  # Thursday, CEST (+02:00)
    five = add_working_days(start, 5)
    assert five == at(2026, 10, 29, 9, 30)  # Thursday, CET (+01:00)
    assert five.utcoffset() == datetime.timedelta(hours=1)
    # One real hour longer than a week (aware datetimes in one zone subtract as wall time).
    assert five.astimezone(UTC) - start.astimezone(UTC) == datetime.timedelta(days=7, hours=1)
    assert add_working_days(start, 10) == at(2026, 11, 5, 9, 30)
    # Into summer time: Thursday 26 March 2026 (CET) to Thursday 2 April (CEST).
    spring = add_working_days(at(2026, 3, 26, 8, 0), 5)
    assert spring == at(2026, 4, 2, 8, 0) and spring.utcoffset() == datetime.timedelta(hours=2)
    # A UTC moment is counted in Swedish time: 23:30 UTC on Thursday is Friday 00:30 here.
    assert add_working_days(datetime.datetime(2026, 10, 22, 22, 30, tzinfo=UTC), 1) == at(
        2026, 10, 26, 0, 30
    )


def test_add_working_days_skips_holidays():
    # Across Kristi himmelsfärd: Monday 11 May 2026 + 5 is Tuesday 19 May, not Monday 18.
    assert add_working_days(at(2026, 5, 11, 10, 0), 5) == at(2026, 5, 19, 10, 0)
    # Across Christmas and New Year: 23, 28, 29, 30 December and 4 January.
    assert add_working_days(at(2026, 12, 22, 10, 0), 5) == at(2027, 1, 4, 10, 0)
    # ...and trettondedag jul on 6 January.
    assert add_working_days(at(2026, 12, 22, 10, 0), 10) == at(2027, 1, 12, 10, 0)
    # Across midsommar: Thursday 18 June + 1 is Monday 22 June.
    assert add_working_days(at(2026, 6, 18, 15, 0), 1) == at(2026, 6, 22, 15, 0)


def test_a_moment_on_a_closed_day_counts_from_the_next_working_day():
    saturday = add_working_days(at(2026, 10, 24, 10, 0), 5)
    # Counted from Monday 26 October 00:00: five whole working days, Monday to Friday.
    assert saturday == at(2026, 11, 2, 0, 0)
    # Never earlier than for a moment before it (late on Friday).
    assert saturday >= add_working_days(at(2026, 10, 23, 23, 59), 5)
    assert add_working_days(at(2026, 12, 24, 12, 0), 1) == at(2026, 12, 29, 0, 0)
    for hours in range(0, 24 * 14, 5):
        earlier = at(2026, 12, 18, 0, 0) + datetime.timedelta(hours=hours)
        later = earlier + datetime.timedelta(hours=5)
        assert add_working_days(earlier, 5) <= add_working_days(later, 5), earlier


# -- reminders ---------------------------------------------------------------------------


def test_reminded_after_five_working_days_across_dst_and_told_the_communicator_after_ten(org, plan):
    p = org.people
    with time_machine.travel(at(2026, 10, 22, 9, 30), tick=False):
        plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert plan.remind_at == at(2026, 10, 29, 9, 30)
    assert plan.escalate_at == at(2026, 11, 5, 9, 30)

    # Exactly seven days of 24 hours is still too early: the DST change adds an hour.
    assert sweep(at(2026, 10, 22, 9, 30).astimezone(UTC) + datetime.timedelta(days=7)) == 0
    assert sweep(at(2026, 10, 29, 9, 29, 59)) == 0
    assert sent(p.chef, "plan_reminder") == 0
    assert sweep(at(2026, 10, 29, 9, 30)) == 1
    assert sent(p.chef, "plan_reminder") == 1
    assert sweep(at(2026, 10, 29, 9, 31)) == 0
    assert sweep(at(2026, 11, 4, 12, 0)) == 0
    assert sent(p.kommunikator, "plan_escalation") == 0

    assert sweep(at(2026, 11, 5, 9, 30)) == 1
    assert sweep(at(2026, 11, 5, 9, 30)) == 0
    assert sweep(at(2026, 11, 20, 9, 30)) == 0
    assert sent(p.chef, "plan_reminder") == 1
    assert sent(p.kommunikator, "plan_escalation") == 1
    assert sent(p.chef, "plan_escalation") == 0
    reminder = Notification.objects.get(kind="plan_reminder")
    assert plan.title in reminder.subject + reminder.body_text


def test_a_holiday_postpones_the_reminder(org, plan):
    p = org.people
    with time_machine.travel(at(2026, 5, 11, 10, 0), tick=False):  # Monday before Ascension
        services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert sweep(at(2026, 5, 18, 10, 0)) == 0  # five working days if 14 May counted
    assert sweep(at(2026, 5, 19, 9, 59)) == 0
    assert sweep(at(2026, 5, 19, 10, 0)) == 1
    assert sent(p.chef, "plan_reminder") == 1


def test_a_return_and_resubmission_is_a_new_passage_with_its_own_reminder(org, plan):
    p = org.people
    with time_machine.travel(at(2026, 10, 22, 9, 30), tick=False):
        services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert sweep(at(2026, 10, 29, 9, 30)) == 1
    with time_machine.travel(at(2026, 10, 29, 10, 0), tick=False):
        services.decide(
            p.chef,
            plan.pk,
            State.SUBMITTED,
            services.RETURN,
            "Komplettera målen.",
            now=timezone.now(),
        )
    # A returned plan waits for nobody: its old escalation is gone.
    assert sweep(at(2026, 11, 5, 9, 30)) == 0
    with time_machine.travel(at(2026, 11, 5, 10, 0), tick=False):
        plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert plan.remind_at == at(2026, 11, 12, 10, 0)
    assert sweep(at(2026, 11, 12, 9, 59)) == 0
    assert sweep(at(2026, 11, 12, 10, 0)) == 1
    assert sent(p.chef, "plan_reminder") == 2
    assert Reminder.objects.filter(stage="remind").count() == 2

    # The next step has its own reminder, to the communicator.
    with time_machine.travel(at(2026, 11, 12, 11, 0), tick=False):
        services.decide(p.chef, plan.pk, State.SUBMITTED, services.APPROVE, now=timezone.now())
    assert sweep(at(2026, 11, 19, 11, 0)) == 1
    assert sent(p.kommunikator, "plan_reminder") == 1
    assert sent(p.chef, "plan_reminder") == 2


def test_a_plan_waiting_for_the_communicator_escalates_to_the_kommunikationschef(org, plan):
    p = org.people
    with time_machine.travel(at(2026, 11, 2, 8, 0), tick=False):
        plan = advance(plan, State.CHEF_APPROVED)
    # The sweep did not run for two weeks: reminder and escalation come together, once.
    assert sweep(at(2026, 11, 16, 8, 0)) == 2
    assert sweep(at(2026, 11, 16, 8, 15)) == 0
    assert sent(p.kommunikator, "plan_reminder") == 1
    assert sent(p.kommunikationschef, "plan_escalation") == 1
    assert sent(p.kommunikator, "plan_escalation") == 0


def test_established_rejected_and_withdrawn_plans_are_not_reminded(org, colleague):
    p = org.people
    with time_machine.travel(at(2026, 10, 22, 9, 30), tick=False):
        done = make_plan(p.medarbetare, colleague, state=State.ESTABLISHED)
        gone = make_plan(p.medarbetare, colleague, state=State.SUBMITTED)
        services.withdraw(p.medarbetare, gone.pk, now=timezone.now())
        draft = make_plan(p.medarbetare, colleague)
    assert sweep(at(2026, 12, 1, 9, 30)) == 0
    assert not Reminder.objects.exists()
    assert done.remind_at is None and draft.remind_at is None


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(org, colleague):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    p = org.people
    submitted = at(2026, 10, 22, 9, 30)
    plans = [make_plan(p.medarbetare, colleague) for _ in range(3)]
    for plan in plans:
        services.submit(p.medarbetare, plan.pk, now=submitted)
    now = at(2026, 11, 5, 9, 30)  # both the reminder and the escalation are due
    results = race(4, lambda i: jobs.remind_waiting_plans(now))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 6
    assert sent(p.chef, "plan_reminder") == 3
    assert sent(p.kommunikator, "plan_escalation") == 3
    assert Reminder.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_racing_claims_of_one_reminder_send_once(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    p = org.people

    def claim(i):
        with transaction.atomic():
            return notify_once(
                "plan:test:inskickad",
                "remind",
                [p.chef],
                "absence_substitute",
                {},
                now=timezone.now(),
            )

    results = race(8, claim)
    assert sorted(results) == [False] * 7 + [True]
    assert Notification.objects.filter(recipient=p.chef).count() == 1


def test_run_jobs_runs_the_plan_sweeps(org, plan):
    names = {s.name for s in SWEEPS}
    assert {"activityplans.remind_waiting_plans", "activityplans.remind_evaluations"} <= names
    schedule = beat_schedule()
    assert schedule["activityplans.remind_waiting_plans"]["task"] == (
        "activityplans.tasks.remind_waiting_plans"
    )
    from config.celery import app

    app.loader.import_default_modules()
    for s in SWEEPS:
        assert s.task in app.tasks, s.task

    with time_machine.travel(at(2026, 10, 22, 9, 30), tick=False):
        services.submit(org.people.medarbetare, plan.pk, now=timezone.now())
    out = io.StringIO()
    with time_machine.travel(at(2026, 10, 29, 9, 30), tick=False):
        call_command("run_jobs", stdout=out)
        call_command("run_jobs", "activityplans.remind_waiting_plans", stdout=out)
    lines = out.getvalue().splitlines()
    assert "activityplans.remind_waiting_plans: 1" in lines
    assert "activityplans.remind_waiting_plans: 0" in lines
    assert "activityplans.remind_evaluations: 0" in lines
    assert sent(org.people.chef, "plan_reminder") == 1


# -- evaluations -------------------------------------------------------------------------


def test_an_established_plan_is_evaluated_a_year_later_and_reminded_once_per_stage(
    client, org, colleague
):
    p = org.people
    # Drafted then too, so that its events are in order whatever day the suite runs on.
    with time_machine.travel(at(2026, 3, 10, 10, 0), tick=False):
        plan = make_plan(p.medarbetare, colleague, state=State.ESTABLISHED)
    evaluation = Evaluation.objects.get(plan=plan)
    assert evaluation.due_on == datetime.date(2027, 3, 10) and evaluation.submitted_at is None

    remind = jobs.remind_evaluations
    assert sweep(at(2027, 2, 23, 23, 59), remind) == 0
    assert sweep(at(2027, 2, 24, 0, 1), remind) == 1  # 14 days before
    assert sweep(at(2027, 2, 24, 9, 0), remind) == 0
    assert sweep(at(2027, 3, 10, 23, 59), remind) == 0  # due today: not yet overdue
    assert sent(p.medarbetare, "evaluation_due") == 1
    assert sent(p.medarbetare, "evaluation_overdue") == 0

    assert sweep(at(2027, 3, 11, 0, 1), remind) == 1
    assert sweep(at(2027, 3, 20, 0, 0), remind) == 0
    assert sent(p.medarbetare, "evaluation_overdue") == 1

    with time_machine.travel(at(2027, 3, 11, 9, 0), tick=False):
        client.force_login(p.medarbetare)
        assert f"Utvärdera uppdraget: {plan.title}" in client.get("/att-gora/").content.decode()
        client.force_login(p.kommunikator)
        page = client.get("/konton/efterlevnad/").content.decode()
        assert "Utvärdering av uppdraget är försenad" in page
        assert plan.title in page and "skulle lämnas 2027-03-10" in page
        client.force_login(p.kommunikator2)
        assert "skulle lämnas 2027-03-10" not in client.get("/konton/efterlevnad/").content.decode()

        with pytest.raises(PermissionDenied):
            services.submit_evaluation(p.kommunikator, evaluation.pk, {}, now=timezone.now())
        services.submit_evaluation(
            p.medarbetare,
            evaluation.pk,
            {
                "goals_met": "Ja, 600 följare.",
                "reach": "12 000 visningar i månaden",
                "questions_handling": "Alla frågor besvarade inom ett dygn.",
                "outcome": Outcome.CONTINUE,
            },
            now=timezone.now(),
        )
        with pytest.raises(services.PlanConflict):
            services.submit_evaluation(p.medarbetare, evaluation.pk, {}, now=timezone.now())
        client.force_login(p.kommunikator)
        assert "skulle lämnas 2027-03-10" not in client.get("/konton/efterlevnad/").content.decode()

    evaluation.refresh_from_db()
    assert evaluation.submitted_by == p.medarbetare and evaluation.goals_met == "Ja, 600 följare."
    assert sent(p.kommunikator, "plan_evaluation") == 1
    assert plan.events.last().action == Action.EVALUATED
    # The next evaluation is due a year after this one: 10 March 2028 (2028 is a leap year).
    assert list(Evaluation.objects.pending().values_list("due_on", flat=True)) == [
        datetime.date(2028, 3, 10)
    ]


def test_a_time_limited_activity_is_evaluated_when_it_ends(org, colleague):
    p = org.people
    with time_machine.travel(at(2026, 3, 10, 10, 0), tick=False):
        plan = make_plan(
            p.medarbetare,
            colleague,
            duration=Duration.LIMITED,
            ends_on=datetime.date(2026, 9, 30),
            state=State.ESTABLISHED,
        )
    evaluation = Evaluation.objects.get(plan=plan)
    assert evaluation.due_on == datetime.date(2026, 9, 30)
    assert sweep(at(2026, 9, 16, 12, 0), jobs.remind_evaluations) == 1
    with time_machine.travel(at(2026, 10, 1, 10, 0), tick=False):
        services.submit_evaluation(
            p.medarbetare,
            evaluation.pk,
            {"outcome": Outcome.CONTINUE, "goals_met": "Ja"},
            now=timezone.now(),
        )
    assert not Evaluation.objects.pending().exists()  # the activity has ended


def test_closing_after_the_evaluation_schedules_no_next_one(org, plan):
    with time_machine.travel(at(2026, 3, 10, 10, 0), tick=False):
        plan = advance(plan, State.ESTABLISHED)
    evaluation = plan.evaluations.get()
    services.submit_evaluation(
        org.people.medarbetare, evaluation.pk, {"outcome": Outcome.CLOSE}, now=timezone.now()
    )
    assert not Evaluation.objects.pending().exists()


def test_a_plan_established_on_a_leap_day_is_evaluated_on_28_february(org, plan):
    with time_machine.travel(at(2028, 2, 29, 10, 0), tick=False):
        plan = advance(plan, State.ESTABLISHED)
    assert plan.evaluations.get().due_on == datetime.date(2029, 2, 28)
