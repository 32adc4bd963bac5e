"""Archive: half-year periods, the sweep that makes snapshots, capture, reminders,
sealing, versions, the receipt and closing an account.

The browser is the edge of the world here: `archive.capture.capture` is monkeypatched
(tests/test_archive_capture.py drives the real one).
"""

import datetime
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from accounts.models import RecordsAreKept, Status
from archive import jobs, services
from archive.capture import CaptureFailed, CaptureRefused
from archive.models import Method, Reason, Receipt, Snapshot, State
from archive.periods import Period, last_ended
from notifications.models import Notification, Reminder

from .archive_helpers import LONG_AGO, UTC, at, opened_long_ago, screenshot, semiannual, sent
from .factories import AccountFactory, race, render_unrendered

# -- periods ---------------------------------------------------------------------------


def test_period_keys_and_turns_in_stockholm_time():
    h2 = Period.from_key("2026-H2")
    assert (h2.year, h2.half, h2.key, str(h2)) == (2026, 2, "2026-H2", "2026-H2")
    assert h2.first_day == datetime.date(2026, 7, 1)
    assert h2.last_day == datetime.date(2026, 12, 31)
    # Midnight in Stockholm: summer time (+02:00) on 1 July, winter time (+01:00) on 1 January.
    assert h2.starts_at == at(2026, 7, 1) and h2.starts_at.utcoffset() == datetime.timedelta(
        hours=2
    )
    assert h2.starts_at.astimezone(UTC) == datetime.datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert h2.ends_at == h2.due_at == at(2027, 1, 1)
    assert h2.ends_at.astimezone(UTC) == datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    h1 = Period.from_key("2027-H1")
    assert h2.next() == h1 and h1.previous() == h2
    assert h1.last_day == datetime.date(2027, 6, 30)

    # A first half-year is an hour short of its days (DST), a second one an hour longer.
    def length(period):
        return period.ends_at.astimezone(UTC) - period.starts_at.astimezone(UTC)

    assert length(h1) == datetime.timedelta(days=181, hours=-1)
    assert length(h2) == datetime.timedelta(days=184, hours=1)
    assert Period.from_key("2028-H1").last_day == datetime.date(2028, 6, 30)
    for bad in ("2026-H3", "2026H2", "26-H1", "", None, "2026-H2 "):
        with pytest.raises(ValueError):
            Period.from_key(bad)


@pytest.mark.parametrize(
    ("moment", "ended"),
    [
        (at(2026, 12, 31, 23, 59, 59), "2026-H1"),
        (at(2027, 1, 1, 0, 0, 0), "2026-H2"),
        # The same turn in UTC: 23:00 on New Year's Eve is midnight in Stockholm.
        (datetime.datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC), "2026-H1"),
        (datetime.datetime(2026, 12, 31, 23, 0, 0, tzinfo=UTC), "2026-H2"),
        # 1 July is in summer time: the turn is at 22:00 UTC on 30 June.
        (datetime.datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC), "2025-H2"),
        (datetime.datetime(2026, 6, 30, 22, 0, 0, tzinfo=UTC), "2026-H1"),
        (at(2026, 3, 29, 2, 30), "2025-H2"),  # the hour that does not exist in spring
        (at(2026, 10, 25, 2, 30), "2026-H1"),  # the hour that comes twice in autumn
    ],
)
def test_the_last_ended_period_at_the_turns(moment, ended):
    assert last_ended(moment).key == ended
    with time_machine.travel(moment, tick=False):
        assert last_ended(timezone.now()).key == ended


def test_snapshots_fall_due_at_the_turn_of_the_year_not_before(org, account):
    opened_long_ago(account)
    with time_machine.travel(at(2026, 12, 31, 23, 59, 59), tick=False):
        jobs.create_semiannual(timezone.now())
    assert list(Snapshot.objects.values_list("period_key", flat=True)) == ["2026-H1"]
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC), tick=False):
        assert jobs.create_semiannual(timezone.now()) == 1
    snapshot = Snapshot.objects.get(period_key="2026-H2")
    assert snapshot.due_at == at(2027, 1, 1)
    assert snapshot.reason == Reason.SEMIANNUAL and snapshot.state == State.DUE
    assert snapshot.version == 1 and snapshot.account_id == account.pk
    # Due now: the capture sweep sees it at the turn, not a second before.
    assert jobs.due_ids(at(2026, 12, 31, 23, 59, 59)) == [
        Snapshot.objects.get(period_key="2026-H1").pk
    ]
    assert snapshot.pk in jobs.due_ids(at(2027, 1, 1))


def test_the_july_turn_is_at_midnight_summer_time(org, account):
    opened_long_ago(account)
    with time_machine.travel(datetime.datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC), tick=False):
        jobs.create_semiannual(timezone.now())
    assert not Snapshot.objects.filter(period_key="2026-H1").exists()
    with time_machine.travel(datetime.datetime(2026, 6, 30, 22, 0, tzinfo=UTC), tick=False):
        assert jobs.create_semiannual(timezone.now()) == 1
    snapshot = Snapshot.objects.get(period_key="2026-H1")
    assert snapshot.due_at == at(2026, 7, 1)
    assert snapshot.due_at.astimezone(UTC).hour == 22


def test_which_accounts_get_a_half_year_snapshot(org):
    p = org.people

    def make(name, status=Status.ACTIVE, opened=None, closed=None):
        return AccountFactory(
            display_name=name,
            unit=org.bibliotek,
            responsible=p.medarbetare,
            status=status,
            opened_on=opened,
            closed_on=closed,
        )

    day = datetime.date
    with time_machine.travel(at(2026, 3, 1, 12, 0), tick=False):
        expected = {
            make("Hela halvåret", opened=day(2025, 1, 10)),
            make("Startat i november", opened=day(2026, 11, 20)),
            make("Startat sista dagen", opened=day(2026, 12, 31)),
            make("Avslutat i augusti", Status.CLOSED, day(2024, 5, 1), day(2026, 8, 10)),
            make("Avslutat första dagen", Status.CLOSED, day(2024, 5, 1), day(2026, 7, 1)),
            make("Pausat", Status.PAUSED, opened=day(2025, 2, 1)),
            make("Under avveckling", Status.WINDING_DOWN, opened=day(2025, 2, 1)),
        }
        left_out = {
            make("Avslutat före perioden", Status.CLOSED, day(2024, 5, 1), day(2026, 6, 30)),
            make("Startat efter perioden", opened=day(2027, 1, 1)),
            make("Planerat", Status.PLANNED),
        }
    # An active account without a start date counts from when it was registered.
    with time_machine.travel(at(2026, 12, 31, 23, 59), tick=False):
        expected.add(make("Registrerat på nyårsafton"))
    with time_machine.travel(at(2027, 1, 1, 0, 0, 1), tick=False):
        left_out.add(make("Registrerat på nyårsdagen"))

    with time_machine.travel(at(2027, 1, 1, 0, 1), tick=False):
        assert jobs.create_semiannual(timezone.now()) == len(expected)
    made = set(
        Snapshot.objects.filter(period_key="2026-H2").values_list(
            "account__display_name", flat=True
        )
    )
    assert made == {a.display_name for a in expected}
    assert not made & {a.display_name for a in left_out}


def test_the_sweep_run_twice_makes_each_snapshot_once(org, account):
    opened_long_ago(account)
    AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare, opened_on=LONG_AGO)
    now = at(2027, 1, 1, 0, 10)
    assert jobs.create_semiannual(now) == 2
    assert jobs.create_semiannual(now) == 0
    assert jobs.create_semiannual(now + datetime.timedelta(days=30)) == 0
    assert Snapshot.objects.count() == 2
    # A retaken snapshot (version 2) does not make the sweep create a second version 1.
    Snapshot.objects.filter(account=account).service_update(state=State.SEALED)
    services.new_version(org.people.medarbetare, Snapshot.objects.get(account=account).pk, now=now)
    assert jobs.create_semiannual(now) == 0
    assert Snapshot.objects.filter(account=account, version=1).count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_make_each_snapshot_once(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for i in range(40):
        AccountFactory(
            display_name=f"Konto {i:02}",
            unit=org.bibliotek,
            responsible=org.people.medarbetare,
            opened_on=LONG_AGO,
        )
    now = at(2027, 1, 1, 0, 0, 5)
    results = race(4, lambda i: jobs.create_semiannual(now))
    assert all(isinstance(r, int) for r in results), results
    assert Snapshot.objects.filter(period_key="2026-H2").count() == 40
    per_account = Snapshot.objects.values("account").distinct().count()
    assert per_account == 40
    # And again in parallel, later: nothing new.
    results = race(3, lambda i: jobs.create_semiannual(now + datetime.timedelta(hours=1)))
    assert results == [0, 0, 0]
    assert Snapshot.objects.count() == 40


# -- capture ---------------------------------------------------------------------------


def test_a_captured_snapshot_is_sealed_with_its_pdf_frozen_data_and_checksum(
    client, org, account, fake_capture
):
    p = org.people
    opened_long_ago(account)
    moment = at(2027, 1, 1, 0, 5)  # still 2026 in UTC
    with time_machine.travel(moment, tick=False):
        jobs.create_semiannual(timezone.now())
        snapshot = Snapshot.objects.get()
        assert services.capture_one(snapshot.pk, now=timezone.now()) == State.SEALED
    assert fake_capture.calls == ["https://www.instagram.com/testbybibliotek"]

    snapshot.refresh_from_db()
    assert snapshot.state == State.SEALED and snapshot.is_sealed
    assert snapshot.method == Method.AUTOMATIC and snapshot.captured_by is None
    assert snapshot.captured_at == snapshot.sealed_at == moment
    assert snapshot.claimed_until is None and snapshot.attempts == 1
    with snapshot.pdf.open("rb") as fh:
        stored = fh.read()
    assert stored.startswith(b"%PDF-")
    assert snapshot.sha256 == hashlib.sha256(stored).hexdigest()
    with snapshot.image.open("rb") as fh:
        assert fh.read() == fake_capture.outcome
    assert snapshot.register_data == {
        "name": "Biblioteket i Testby",
        "platform": "Instagram",
        "url": "https://www.instagram.com/testbybibliotek",
        "handle": account.handle,
        "unit": org.bibliotek.label,
        "responsible": str(p.medarbetare),
        "responsible_title": p.medarbetare.title,
        "purpose": account.purpose,
        "audience": account.audience,
        "status": "Aktivt",
        "opened_on": "2025-01-01",
        "plan_reference": "",
    }
    frozen = dict(snapshot.register_data)

    # The register changes afterwards; the snapshot does not.
    account_services.update_account(
        p.kommunikationschef,
        account.pk,
        {"display_name": "Stadsbiblioteket", "purpose": "Något annat", "responsible": p.chef},
        now=timezone.now(),
    )
    snapshot.refresh_from_db()
    assert snapshot.register_data == frozen
    with snapshot.pdf.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == snapshot.sha256

    # The archived date is the Stockholm date of the capture, shown publicly.
    account.refresh_from_db()
    assert account.last_snapshot_on == datetime.date(2027, 1, 1)
    rows = client.get("/register.json").json()["results"]
    assert [r["last_archived_on"] for r in rows] == ["2027-01-01"]
    page = client.get("/register/").content.decode()
    assert "Stadsbiblioteket" in page and "2027-01-01" in page
    assert client.get("/register.csv").getvalue().decode().count("2027-01-01") == 1


def test_an_earlier_capture_does_not_move_the_archived_date_back(org, account, fake_capture):
    account.last_snapshot_on = datetime.date(2027, 3, 1)
    account.save()
    snapshot = semiannual(account)
    services.capture_one(snapshot.pk, now=at(2027, 1, 2, 9, 0))
    account.refresh_from_db()
    assert account.last_snapshot_on == datetime.date(2027, 3, 1)


@pytest.mark.parametrize(
    "error",
    [
        CaptureRefused("Adressen får inte fångas automatiskt."),
        CaptureFailed("Sidan svarade inte inom 30 sekunder."),
    ],
)
def test_a_refused_or_failed_capture_asks_the_responsible_person_for_an_upload(
    org, account, fake_capture, error
):
    fake_capture.outcome = error
    snapshot = semiannual(account)
    now = at(2027, 1, 1, 3, 0)
    assert services.capture_one(snapshot.pk, now=now) == State.NEEDS_UPLOAD
    snapshot.refresh_from_db()
    assert snapshot.state == State.NEEDS_UPLOAD
    assert snapshot.capture_error == str(error)
    assert snapshot.needs_upload_since == now and snapshot.claimed_until is None
    assert not snapshot.pdf and not snapshot.image and not snapshot.sha256
    notice = Notification.objects.get(kind="snapshot_upload")
    assert notice.recipient == org.people.medarbetare
    assert notice.url == f"/arkiv/bild/{snapshot.pk}/"
    assert "Biblioteket i Testby" in notice.body_text and str(error) in notice.body_text
    account.refresh_from_db()
    assert account.last_snapshot_on is None
    # It is not captured again by the sweep: it waits for the upload.
    assert services.capture_one(snapshot.pk, now=now + datetime.timedelta(hours=1)) is None
    assert jobs.capture_due(now + datetime.timedelta(days=1)) == 0
    assert len(fake_capture.calls) == 1
    assert Notification.objects.filter(kind="snapshot_upload").count() == 1


def _without_the_browser_package(monkeypatch):
    """As in a production install without playwright: importing archive.capture fails."""
    import sys

    import archive

    monkeypatch.delattr(archive, "capture")
    monkeypatch.delitem(sys.modules, "archive.capture")
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    monkeypatch.setitem(sys.modules, "playwright.async_api", None)


def _crashing_browser(monkeypatch):
    def crash(url):
        raise RuntimeError("Chromium exited with code 139")

    monkeypatch.setattr("archive.capture.capture", crash)


def _render_fails(monkeypatch):
    monkeypatch.setattr("archive.capture.capture", lambda url: screenshot())

    def broken(snapshot, png):
        raise OSError("no fonts")

    monkeypatch.setattr("archive.document.render_snapshot", broken)


@pytest.mark.parametrize(
    ("fault", "shown"),
    [
        (_without_the_browser_package, "ModuleNotFoundError"),
        (_crashing_browser, "RuntimeError: Chromium exited with code 139"),
        (_render_fails, "OSError: no fonts"),
    ],
)
def test_a_capture_that_fails_unexpectedly_asks_for_an_upload_and_is_logged(
    client, org, account, monkeypatch, media, caplog, fault, shown
):
    """A failure of any kind does not leave the snapshot claimed and silently retried:
    it waits for an upload with its reason, logged, told, and seen by the arkivarie."""
    fault(monkeypatch)
    snapshot = semiannual(account)
    now = at(2027, 1, 1, 3, 0)
    with caplog.at_level("ERROR", logger="archive.services"):
        assert services.capture_one(snapshot.pk, now=now) == State.NEEDS_UPLOAD
    snapshot.refresh_from_db()
    assert snapshot.state == State.NEEDS_UPLOAD and snapshot.claimed_until is None
    assert snapshot.capture_error.startswith("Den automatiska fångsten misslyckades")
    assert shown in snapshot.capture_error
    assert f"Capture of snapshot {snapshot.pk}" in caplog.text and caplog.records[0].exc_info
    notice = Notification.objects.get(kind="snapshot_upload")
    assert notice.recipient == org.people.medarbetare and shown in notice.body_text
    client.force_login(org.people.arkivarie)
    period_page = client.get("/arkiv/period/2026-H2/").content.decode()
    assert "Väntar på uppladdad skärmbild" in period_page
    snapshot_page = client.get(f"/arkiv/bild/{snapshot.pk}/").content.decode()
    assert shown in snapshot_page


def test_a_crashed_capture_is_taken_again_when_its_claim_runs_out(org, account, fake_capture):
    snapshot = semiannual(account)
    now = at(2027, 1, 1, 3, 0)
    assert services.claim(snapshot.pk, now)  # a worker claimed it and died
    assert jobs.capture_due(now + datetime.timedelta(minutes=5)) == 0
    assert fake_capture.calls == []
    assert jobs.capture_due(now + datetime.timedelta(minutes=11)) == 1
    snapshot.refresh_from_db()
    assert snapshot.state == State.SEALED and snapshot.attempts == 2


def test_an_upload_that_seals_the_snapshot_during_the_capture_wins_quietly(
    org, account, monkeypatch, media
):
    snapshot = semiannual(account)
    now = at(2027, 1, 1, 2, 0)

    def slow_browser(url):
        # While the browser works, the responsible person uploads a screenshot.
        services.attach(snapshot.pk, screenshot(300, 600), Method.UPLOAD, account.responsible, now)
        return screenshot()

    monkeypatch.setattr("archive.capture.capture", slow_browser)
    assert services.capture_one(snapshot.pk, now=now) is None
    snapshot.refresh_from_db()
    assert snapshot.state == State.SEALED and snapshot.method == Method.UPLOAD
    # The sweep goes on with the next one instead of stopping at an exception.
    other = semiannual(AccountFactory(unit=org.bibliotek, responsible=account.responsible))
    monkeypatch.setattr("archive.capture.capture", lambda url: screenshot())
    assert jobs.capture_due(now) == 1
    assert Snapshot.objects.get(pk=other.pk).state == State.SEALED


@pytest.mark.django_db(transaction=True)
def test_two_racing_captures_of_one_snapshot_capture_once(org, account, fake_capture):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    fake_capture.delay = 0.3
    snapshot = semiannual(account)
    now = at(2027, 1, 1, 2, 0)
    results = race(4, lambda i: services.capture_one(snapshot.pk, now=now))
    assert sorted(results, key=str) == [None, None, None, State.SEALED], results
    assert len(fake_capture.calls) == 1
    snapshot.refresh_from_db()
    assert snapshot.state == State.SEALED and snapshot.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_capture_sweeps_share_the_work_and_capture_each_once(org, fake_capture):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    fake_capture.delay = 0.05
    for i in range(8):
        AccountFactory(
            display_name=f"Konto {i}",
            url=f"https://www.facebook.com/testby{i}",
            unit=org.bibliotek,
            responsible=org.people.medarbetare,
            opened_on=LONG_AGO,
        )
    now = at(2027, 1, 1, 1, 0)
    jobs.create_semiannual(now)
    results = race(2, lambda i: jobs.capture_due(now))
    assert sum(results) == 8, results
    assert (
        sorted(fake_capture.calls) == sorted(set(fake_capture.calls))
        and len(fake_capture.calls) == 8
    )
    assert Snapshot.objects.sealed().count() == 8


# -- reminders about uploads ------------------------------------------------------------


def test_upload_reminders_once_per_stage_at_7_and_14_days(org, account, fake_capture):
    p = org.people
    fake_capture.outcome = CaptureFailed("Inloggning krävs.")
    snapshot = semiannual(account)
    start = at(2027, 1, 1, 3, 0)
    services.capture_one(snapshot.pk, now=start)
    remind = jobs.remind_uploads
    day = datetime.timedelta(days=1)
    assert remind(start + 7 * day - datetime.timedelta(seconds=1)) == 0
    assert remind(start + 7 * day) == 1
    assert remind(start + 7 * day) == 0
    assert remind(start + 10 * day) == 0
    assert sent(p.medarbetare, "snapshot_upload_reminder") == 1
    assert sent(p.kommunikator, "snapshot_upload_escalation") == 0
    assert remind(start + 14 * day - datetime.timedelta(seconds=1)) == 0
    assert remind(start + 14 * day) == 1
    assert remind(start + 14 * day) == 0
    assert remind(start + 60 * day) == 0
    assert sent(p.medarbetare, "snapshot_upload_reminder") == 1
    assert sent(p.kommunikator, "snapshot_upload_escalation") == 1
    assert sent(p.medarbetare, "snapshot_upload_escalation") == 0
    assert Reminder.objects.filter(subject=f"snapshot:{snapshot.pk}").count() == 2
    assert render_unrendered(start + 60 * day) == 2  # written unrendered, as delivery renders
    escalation = Notification.objects.get(kind="snapshot_upload_escalation")
    assert "Biblioteket i Testby" in escalation.subject + escalation.body_text
    assert str(p.medarbetare) in escalation.body_text


def test_a_sweep_that_did_not_run_for_two_weeks_reminds_first_and_none_after_upload(
    org, account, fake_capture
):
    p = org.people
    fake_capture.outcome = CaptureFailed("Inloggning krävs.")
    late, done = (
        semiannual(account),
        semiannual(AccountFactory(unit=org.bibliotek, responsible=p.medarbetare)),
    )
    start = at(2027, 1, 1, 3, 0)
    services.capture_one(late.pk, now=start)
    services.capture_one(done.pk, now=start)
    fake_capture.outcome = screenshot()
    services.attach(done.pk, screenshot(), Method.UPLOAD, p.medarbetare, start)
    # The reminder alone: the escalation follows a week after it, never with it.
    assert jobs.remind_uploads(start + datetime.timedelta(days=15)) == 1
    assert jobs.remind_uploads(start + datetime.timedelta(days=15)) == 0
    assert not Reminder.objects.filter(subject=f"snapshot:{done.pk}").exists()
    assert sent(p.medarbetare, "snapshot_upload_reminder") == 1
    assert sent(p.kommunikator, "snapshot_upload_escalation") == 0
    assert jobs.remind_uploads(start + datetime.timedelta(days=21, hours=-1)) == 0
    assert jobs.remind_uploads(start + datetime.timedelta(days=22)) == 1
    assert sent(p.kommunikator, "snapshot_upload_escalation") == 1


# -- sealed means kept -------------------------------------------------------------------


@pytest.fixture
def sealed(org, account, fake_capture):
    snapshot = semiannual(account)
    services.capture_one(snapshot.pk, now=at(2027, 1, 1, 2, 0))
    snapshot.refresh_from_db()
    assert snapshot.state == State.SEALED
    return snapshot


def test_a_sealed_snapshot_is_never_changed_or_deleted(org, sealed):
    original = (sealed.sha256, sealed.pdf.name, sealed.register_data)
    sealed.sha256 = "0" * 64
    with pytest.raises(RecordsAreKept):
        sealed.save()
    sealed.refresh_from_db()
    sealed.state = State.DUE
    with pytest.raises(RecordsAreKept):
        sealed.save()
    with pytest.raises(RecordsAreKept):
        sealed.delete()
    with pytest.raises(RecordsAreKept):
        Snapshot.objects.filter(pk=sealed.pk).delete()
    with pytest.raises(RecordsAreKept):
        Snapshot.objects.all().delete()
    with pytest.raises(services.SnapshotConflict):
        services.attach(sealed.pk, screenshot(), Method.UPLOAD, None, timezone.now())
    sealed.refresh_from_db()
    assert (sealed.sha256, sealed.pdf.name, sealed.register_data) == original
    assert sealed.state == State.SEALED
    # Nor in bulk: a queryset update that would touch a sealed row raises, as does the
    # services' own path; neither drops the change silently.
    with pytest.raises(RecordsAreKept):
        Snapshot.objects.filter(pk=sealed.pk).update(claimed_until=None)
    with pytest.raises(RecordsAreKept):
        Snapshot.objects.filter(pk=sealed.pk).service_update(sha256="0" * 64, pdf="")
    sealed.refresh_from_db()
    assert (sealed.sha256, sealed.pdf.name) == original[:2]
    # Receipts and the packages they name are records too.
    package = services.package_for_download(
        org.people.arkivarie, Period.from_key("2026-H2"), at(2027, 2, 1)
    )
    receipt = services.record_receipt(
        org.people.arkivarie, "2026-H2", package_id=package.pk, now=at(2027, 2, 1)
    )
    with pytest.raises(RecordsAreKept):
        receipt.delete()
    with pytest.raises(RecordsAreKept):
        package.delete()


def test_a_retake_is_version_2_and_supersedes_version_1_only_when_sealed(
    org, account, fake_capture, sealed
):
    p = org.people
    with pytest.raises(PermissionDenied):
        services.new_version(p.chef, sealed.pk, now=timezone.now())
    now = at(2027, 2, 1, 10, 0)
    v2 = services.new_version(p.medarbetare, sealed.pk, now=now)
    assert (v2.version, v2.period_key, v2.reason, v2.state) == (2, "2026-H2", "halvar", "vantar")
    assert v2.supersedes == sealed and v2.requested_by == p.medarbetare
    sealed.refresh_from_db()
    assert sealed.state == State.SEALED  # still the delivered one
    with pytest.raises(services.SnapshotConflict):
        services.new_version(p.kommunikationsavdelningen, sealed.pk, now=now)
    with pytest.raises(services.SnapshotConflict):
        services.new_version(p.medarbetare, v2.pk, now=now)

    # The retake fails and waits for an upload: version 1 is still what is delivered.
    fake_capture.outcome = CaptureFailed("Tidsgränsen nåddes.")
    services.capture_one(v2.pk, now=now)
    sealed.refresh_from_db()
    assert sealed.state == State.SEALED
    assert list(Snapshot.objects.current().filter(account=account).order_by("version")) == [
        sealed,
        v2,
    ]

    services.attach(v2.pk, screenshot(), Method.UPLOAD, p.medarbetare, now)
    v2.refresh_from_db()
    old = Snapshot.objects.get(pk=sealed.pk)
    assert v2.state == State.SEALED and old.state == State.SUPERSEDED
    assert (old.sha256, old.pdf.name, old.sealed_at) == (
        sealed.sha256,
        sealed.pdf.name,
        sealed.sealed_at,
    )
    assert v2.sha256 != old.sha256 and v2.pdf.name != old.pdf.name
    assert list(Snapshot.objects.current().filter(account=account)) == [v2]
    # The superseded version is a sealed record as well: it cannot be changed back.
    old.state = State.SEALED
    old.sha256 = "0" * 64
    with pytest.raises(RecordsAreKept):
        old.save()
    with pytest.raises(RecordsAreKept):
        old.delete()
    assert Snapshot.objects.get(pk=sealed.pk).sha256 == sealed.sha256
    # A new version is taken of the newest sealed one only.
    with pytest.raises(services.SnapshotConflict):
        services.new_version(p.medarbetare, old.pk, now=now)
    assert services.new_version(p.medarbetare, v2.pk, now=now).version == 3


def test_an_on_demand_snapshot_once_at_a_time(org, account, fake_capture):
    p = org.people
    with pytest.raises(PermissionDenied):
        services.request_snapshot(p.chef, account.pk, now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.request_snapshot(p.arkivarie, account.pk, now=timezone.now())
    now = at(2026, 10, 25, 2, 30)
    first = services.request_snapshot(p.kommunikationsavdelningen, account.pk, now=now)
    assert (first.reason, first.period_key, first.due_at) == (Reason.ON_DEMAND, "2026-H2", now)
    with pytest.raises(services.SnapshotConflict, match="väntar"):
        services.request_snapshot(p.medarbetare, account.pk, now=now)
    assert jobs.capture_due(now) == 1
    assert services.request_snapshot(p.medarbetare, account.pk, now=now).pk != first.pk


# -- the receipt -------------------------------------------------------------------------


def test_the_receipt_is_recorded_once_per_package(org):
    p = org.people
    now = at(2027, 2, 1, 9, 0)
    package = services.package_for_download(p.arkivarie, Period.from_key("2026-H2"), now)
    with pytest.raises(PermissionDenied):
        services.record_receipt(p.kommunikationschef, "2026-H2", package.pk, now=now)
    with pytest.raises(services.SnapshotConflict, match="Välj vilket paket"):
        services.record_receipt(p.arkivarie, "2026-H2", now=now)
    receipt = services.record_receipt(
        p.arkivarie, "2026-H2", package.pk, note="  Mottaget  ", now=now
    )
    assert (receipt.period_key, receipt.received_by, receipt.received_at, receipt.note) == (
        "2026-H2",
        p.arkivarie,
        now,
        "Mottaget",
    )
    with pytest.raises(services.SnapshotConflict, match="redan kvitterat"):
        services.record_receipt(p.arkivarie, "2026-H2", package.pk, now=now)
    with pytest.raises(ValueError):
        services.record_receipt(p.arkivarie, "2026-H9", package.pk, now=now)
    # A period still running cannot be receipted (that would block its real receipt).
    with pytest.raises(services.SnapshotConflict, match="inte slut"):
        services.record_receipt(p.arkivarie, "2027-H1", package.pk, now=now)
    with pytest.raises(services.SnapshotConflict, match="inte slut"):
        services.record_receipt(p.arkivarie, "2027-H1", now=at(2027, 6, 30, 23, 59, 59))
    # A package of another period is not this period's.
    with pytest.raises(services.SnapshotConflict, match="Välj vilket paket"):
        services.record_receipt(p.arkivarie, "2027-H1", package.pk, now=at(2027, 7, 1))
    assert Receipt.objects.count() == 1


# -- closing an account ------------------------------------------------------------------


def test_closing_waits_for_the_sealed_final_snapshot(org, account, fake_capture):
    now = timezone.now()  # one reading of the clock for the whole test
    p = org.people
    close = {"status": Status.CLOSED}
    with pytest.raises(ValidationError) as refused:
        account_services.update_account(p.kommunikationschef, account.pk, close, now=now)
    assert "slutlig ögonblicksbild" in str(refused.value.message_dict["status"])

    # A sealed snapshot taken for another reason is not the final one.
    other = services.request_snapshot(p.medarbetare, account.pk, now=now)
    services.capture_one(other.pk, now=now)
    fake_capture.outcome = CaptureFailed("Inloggning krävs.")
    final = services.request_snapshot(p.medarbetare, account.pk, Reason.FINAL, now=now)
    services.capture_one(final.pk, now=now)
    with pytest.raises(ValidationError):
        account_services.update_account(p.kommunikationschef, account.pk, close, now=now)
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.closed_on is None

    services.attach(final.pk, screenshot(), Method.UPLOAD, p.medarbetare, now)
    account_services.update_account(p.kommunikationschef, account.pk, close, now=now)
    account.refresh_from_db()
    assert account.status == Status.CLOSED and account.closed_on == timezone.localdate(now)
    final.refresh_from_db()
    assert final.register_data["status"] == "Aktivt"
