"""The deadline sweep's claim (moderation.jobs._claim through remind_deadlines): the due
reminder stages locked, deleted and returned in one DELETE … RETURNING
(core.returning.delete_returning) and written as a ReminderBatch. Runs on whichever
database DATABASE_URL names (PostgreSQL in CI, SQLite for `make run`); the test of row
locks between two transactions needs PostgreSQL."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import NotSupportedError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.returning import delete_returning
from moderation import jobs, services
from moderation.models import PendingReminder, ReminderBatch

from .factories import AccountFactory

NOW = datetime.datetime(2026, 11, 4, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
HOUR = datetime.timedelta(hours=1)


class Rollback(Exception):
    pass


def items(org, *hours_ago):
    """An item posted `h` hours before NOW for each h; returns them."""
    account = AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
    made = []
    for n, hours in enumerate(hours_ago):
        posted = NOW - hours * HOUR
        item, created = services.create_item(
            None,
            account,
            {"kind": "fraga", "text": f"Fråga {n}", "author": "Anna K", "posted_at": posted},
            now=posted,
        )
        assert created
        made.append(item)
    return made


def due_rows(now=NOW):
    """(item id, stage, due_at) of the due stages, in the order they fell due."""
    return list(
        PendingReminder.objects.filter(due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("item_id", "stage", "due_at")
    )


def test_the_claim_is_one_statement_that_takes_the_due_stages_in_the_order_they_fell_due(org):
    # 40 h ago: the 12-hour warning is due; 50 h: the deadline (the warning too, skipped);
    # 80 h: 24 hours overdue (both earlier stages skipped); 10 h: nothing due yet.
    with time_machine.travel(NOW, tick=False):
        made = items(org, 40, 50, 80, 10, 45)
        due = due_rows()
        assert len(due) == 1 + 2 + 3 + 1  # and at 45 h the warning of the fifth
        later = set(PendingReminder.objects.exclude(due_at__lte=NOW).values_list("pk", "due_at"))
        with CaptureQueriesContext(connection) as ctx:
            with transaction.atomic():
                assert jobs._claim(NOW)[0] == len(due)
        claims = [q["sql"] for q in ctx.captured_queries if "pendingreminder" in q["sql"]]
    # One statement touches the pending rows: the DELETE … RETURNING, its subquery
    # locking them skip-locked where the backend has row locks.
    assert len(claims) == 1
    (sql,) = claims
    assert sql.startswith("DELETE FROM") and " RETURNING " in sql
    assert ("FOR UPDATE SKIP LOCKED" in sql) == connection.features.has_select_for_update
    (batch,) = ReminderBatch.objects.all()
    assert [(item, stage) for item, stage, _skipped in batch.entries] == [
        (item, stage) for item, stage, _at in due
    ]
    assert sorted(batch.pairs()) == sorted(
        [(made[0].pk, 1), (made[1].pk, 2), (made[2].pk, 3), (made[4].pk, 1)]
    )
    # What was not due is left as it was.
    assert set(PendingReminder.objects.values_list("pk", "due_at")) == later


def test_delete_returning_gives_the_values_as_the_orm_reads_them(org):
    with time_machine.travel(NOW, tick=False):
        items(org, 40, 50)
        due = due_rows()
        queryset = PendingReminder.objects.filter(due_at__lte=NOW).order_by("due_at", "pk")
        with transaction.atomic():
            rows = delete_returning(queryset, ["item", "stage", "due_at"])
    # SQLite gives its datetimes as text; they come back converted, aware, equal.
    assert sorted(rows, key=lambda row: row[2]) == due
    assert all(isinstance(at, datetime.datetime) and at.tzinfo for _i, _s, at in rows)
    assert not PendingReminder.objects.filter(due_at__lte=NOW).exists()
    assert PendingReminder.objects.count() == 2 + 1  # the stages to come of both items


def test_delete_returning_of_nothing_runs_no_statement(org, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        items(org, 40)
        with django_assert_num_queries(0):
            assert delete_returning(PendingReminder.objects.none(), ["stage"]) == []
    assert PendingReminder.objects.count() == 3


def test_without_returning_the_claim_is_a_clear_error_and_changes_nothing(org, monkeypatch):
    # An SQLite older than 3.35 (Django 5.2 accepts 3.31) cannot say RETURNING.
    with time_machine.travel(NOW, tick=False):
        items(org, 40, 50)
        monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
        with pytest.raises(NotSupportedError, match="SQLite 3.35"), transaction.atomic():
            jobs.remind_deadlines(NOW)
    assert PendingReminder.objects.filter(due_at__lte=NOW).count() == 3
    assert not ReminderBatch.objects.exists()


def test_a_claim_takes_at_most_a_batch_and_the_sweep_takes_the_rest(org, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH", 2)
    with time_machine.travel(NOW, tick=False):
        items(org, 40, 41, 42, 43, 44)
        due = due_rows()
        assert jobs.remind_deadlines(NOW) == 5
    batches = [batch.entries for batch in ReminderBatch.objects.order_by("pk")]
    assert [len(entries) for entries in batches] == [2, 2, 1]
    # The earliest first, each stage once.
    assert [(i, s) for entries in batches for i, s, _skipped in entries] == [
        (i, s) for i, s, _at in due
    ]
    assert not PendingReminder.objects.filter(due_at__lte=NOW).exists()


def test_a_claim_rolled_back_loses_nothing(org):
    with time_machine.travel(NOW, tick=False):
        items(org, 40, 50, 80)
        before = set(PendingReminder.objects.values_list("pk", "item_id", "stage", "due_at"))
        with pytest.raises(Rollback), transaction.atomic():
            assert jobs.remind_deadlines(NOW) == 3
            assert not PendingReminder.objects.filter(due_at__lte=NOW).exists()
            raise Rollback
        assert set(PendingReminder.objects.values_list("pk", "item_id", "stage", "due_at")) == (
            before
        )
        assert not ReminderBatch.objects.exists()
        # A later sweep claims the same stages.
        assert jobs.remind_deadlines(NOW) == 3


class HeldLock:
    """In another thread and transaction, the row locks of `queryset` held until the
    block ends (a second sweep claiming them, or an item being handled)."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                list(self.queryset.select_for_update().values_list("pk"))
                self.held.set()
                self.release.wait(timeout=20)
        finally:
            connection.close()

    def still_held(self):
        return not self.release.is_set() and self.thread.is_alive()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(timeout=20)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_stage_locked_by_another_transaction_is_skipped_not_waited_for(org):
    """Another transaction holds the row lock of one due stage: the claim takes the
    others without waiting and leaves that one; a later sweep takes it once the lock
    is released."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    with time_machine.travel(NOW, tick=False):
        first, second, third = items(org, 40, 41, 42)
    with HeldLock(PendingReminder.objects.filter(item=second, due_at__lte=NOW)) as lock:
        with transaction.atomic():
            claimed = jobs._claim(NOW)[0]
        assert lock.still_held()
    assert claimed == 2
    (batch,) = ReminderBatch.objects.all()
    assert sorted(batch.pairs()) == [(first.pk, 1), (third.pk, 1)]
    assert list(PendingReminder.objects.filter(due_at__lte=NOW).values_list("item", "stage")) == [
        (second.pk, 1)
    ]
    with transaction.atomic():
        assert jobs._claim(NOW)[0] == 1
    assert ReminderBatch.objects.latest("pk").pairs() == [(second.pk, 1)]


@pytest.mark.django_db(transaction=True)
def test_handling_an_item_skips_the_stage_a_sweep_is_claiming(org):
    """moderation.workflow.close removes the item's stages to come in one statement as
    well, skipping (not waiting for) the one a sweep holds; that sweep's worker drops it
    (the item is handled)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    with time_machine.travel(NOW, tick=False):
        (item,) = items(org, 40)
        with HeldLock(PendingReminder.objects.filter(item=item, stage=1)) as lock:
            services.answer(org.people.medarbetare, item.pk, "Ja, 10–14.", now=NOW)
            assert lock.still_held()
    assert list(PendingReminder.objects.values_list("item", "stage")) == [(item.pk, 1)]
