"""Every transition of a closure, a snapshot and a handover writes exactly one event (one
shape: core.events.Event) with the caller's time and actor, in the transaction of the
change; the pages show them with the one timeline include."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import lifecycle
from accounts.models import ClosureEvent
from archive import services as archive
from archive.models import Method, Reason, Snapshot, SnapshotEvent
from archive.periods import Period
from organisation import handovers
from organisation.models import HandoverEvent

from .archive_helpers import at, opened_long_ago, screenshot, semiannual
from .factories import UserFactory

EARLIER = at(2026, 11, 2, 9, 0)
NOW = at(2026, 11, 3, 14, 30)  # the caller's now: not the machine's clock


def _proposed(org, account):
    return lifecycle.propose_closure(org.people.medarbetare, account.pk, "Tyst", now=EARLIER)


def _confirmed(org, account):
    closure = _proposed(org, account)
    lifecycle.confirm_closure(org.people.kommunikator, closure.pk, now=EARLIER)
    return closure


def _upload(actor, snapshot):
    image = SimpleUploadedFile("bild.png", screenshot(), content_type="image/png")
    return archive.upload(actor, snapshot.pk, image, now=NOW)


def _sealed(org, account):
    snapshot = archive.request_snapshot(org.people.medarbetare, account.pk, now=EARLIER)
    archive.attach(snapshot.pk, screenshot(), Method.UPLOAD, org.people.medarbetare, EARLIER)
    return snapshot


# Each case: arrange at EARLIER, then (the record whose events to watch, the transition
# at NOW, who acts, the event it writes).
def propose(org, account):
    p = org.people
    closure = {}

    def act():
        closure["row"] = lifecycle.propose_closure(p.medarbetare, account.pk, "Tyst", now=NOW)

    return (lambda: closure["row"].events), act, p.medarbetare, ClosureEvent.Action.PROPOSED


def confirm(org, account):
    closure = _proposed(org, account)
    p = org.people
    return (
        (lambda: closure.events),
        lambda: lifecycle.confirm_closure(p.kommunikator, closure.pk, now=NOW),
        p.kommunikator,
        ClosureEvent.Action.CONFIRMED,
    )


def step(name, action):
    def case(org, account):
        closure = _confirmed(org, account)
        p = org.people
        return (
            (lambda: closure.events),
            lambda: lifecycle.record_closure_step(p.medarbetare, closure.pk, name, now=NOW),
            p.medarbetare,
            action,
        )

    case.__name__ = f"step_{name}"
    return case


def cancel(org, account):
    closure = _confirmed(org, account)
    p = org.people
    return (
        (lambda: closure.events),
        lambda: lifecycle.cancel_closure(p.kommunikator, closure.pk, now=NOW),
        p.kommunikator,
        ClosureEvent.Action.CANCELLED,
    )


def finish(org, account):
    """The final snapshot sealed by an upload closes the account: by the uploader."""
    closure = _confirmed(org, account)
    final = account.snapshots.get(reason=Reason.FINAL)
    p = org.people
    return (
        (lambda: closure.events),
        lambda: _upload(p.medarbetare, final),
        p.medarbetare,
        ClosureEvent.Action.CLOSED,
    )


def request(org, account):
    p = org.people
    made = {}

    def act():
        made["row"] = archive.request_snapshot(p.kommunikationsavdelningen, account.pk, now=NOW)

    return (
        (lambda: made["row"].events),
        act,
        p.kommunikationsavdelningen,
        SnapshotEvent.Action.CREATED,
    )


def sweep_creates(org, account):
    """The half-year sweep makes the snapshot, as the system."""
    opened_long_ago(account)
    now = Period.from_key("2026-H2").due_at + datetime.timedelta(hours=1)
    return (
        (lambda: SnapshotEvent.objects.filter(snapshot__account=account)),
        lambda: archive.create_semiannual(now),
        None,
        SnapshotEvent.Action.CREATED,
        now,
    )


def claim(org, account):
    snapshot = semiannual(account)
    return (
        (lambda: snapshot.events),
        lambda: archive.claim(snapshot.pk, NOW),
        None,
        SnapshotEvent.Action.CLAIMED,
    )


def capture_failed(org, account):
    snapshot = semiannual(account)
    archive.claim(snapshot.pk, EARLIER)
    return (
        (lambda: snapshot.events),
        lambda: archive.ask_for_upload(snapshot.pk, "Sidan svarade inte.", NOW),
        None,
        SnapshotEvent.Action.NEEDS_UPLOAD,
    )


def captured(org, account):
    snapshot = semiannual(account)
    archive.claim(snapshot.pk, EARLIER)
    return (
        (lambda: snapshot.events),
        lambda: archive.attach(snapshot.pk, screenshot(), Method.AUTOMATIC, None, NOW),
        None,
        SnapshotEvent.Action.CAPTURED,
    )


def uploaded(org, account):
    snapshot = semiannual(account)
    archive.ask_for_upload(snapshot.pk, "Sidan svarade inte.", EARLIER)
    p = org.people
    return (
        (lambda: snapshot.events),
        lambda: _upload(p.medarbetare, snapshot),
        p.medarbetare,
        SnapshotEvent.Action.UPLOADED,
    )


def new_version(org, account):
    old = _sealed(org, account)
    p = org.people
    made = {}

    def act():
        made["row"] = archive.new_version(p.kommunikationsavdelningen, old.pk, now=NOW)

    return (
        (lambda: SnapshotEvent.objects.filter(snapshot__account=account).exclude(snapshot=old)),
        act,
        p.kommunikationsavdelningen,
        SnapshotEvent.Action.NEW_VERSION,
    )


def superseded(org, account):
    """The old version's own event, when its new version is sealed."""
    old = _sealed(org, account)
    p = org.people
    successor = archive.new_version(p.medarbetare, old.pk, now=EARLIER)
    return (
        (lambda: old.events),
        lambda: _upload(p.kommunikationsavdelningen, successor),
        p.kommunikationsavdelningen,
        SnapshotEvent.Action.SUPERSEDED,
    )


def handover_opened(org, account):
    p = org.people
    made = {}

    def act():
        made["row"] = handovers.open_handover(p.medarbetare, NOW, actor=p.admin)

    return (lambda: made["row"].events), act, p.admin, HandoverEvent.Action.OPENED


def handover_resolved(org, account):
    p = org.people
    handover = handovers.open_handover(p.medarbetare, EARLIER)
    successor = UserFactory(username="eftertradare", unit=org.bibliotek)
    return (
        (lambda: handover.events),
        lambda: handovers.hand_over(p.kommunikator, handover.pk, successor, now=NOW),
        p.kommunikator,
        HandoverEvent.Action.RESOLVED,
    )


CASES = [
    propose,
    confirm,
    step("innehall_borttaget", ClosureEvent.Action.CONTENT_REMOVED),
    step("konto_raderat", ClosureEvent.Action.ACCOUNT_DELETED),
    step("links", ClosureEvent.Action.LINKS_UPDATED),
    cancel,
    finish,
    request,
    sweep_creates,
    claim,
    capture_failed,
    captured,
    uploaded,
    new_version,
    superseded,
    handover_opened,
    handover_resolved,
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_each_transition_writes_one_event_with_the_callers_now_and_actor(
    org, account, fake_capture, case
):
    events, act, actor, action, *when = case(org, account)
    now = when[0] if when else NOW
    try:
        before = set(events().values_list("pk", flat=True))
    except KeyError:  # the record is made by the transition itself
        before = set()
    act()
    new = list(events().exclude(pk__in=before))
    assert [(e.action, e.actor, e.at) for e in new] == [(action, actor, now)]


def test_a_rerun_of_the_half_year_sweep_writes_no_second_event(org, account):
    opened_long_ago(account)
    now = Period.from_key("2026-H2").due_at + datetime.timedelta(hours=1)
    assert archive.create_semiannual(now) == 1
    assert archive.create_semiannual(now + datetime.timedelta(hours=1)) == 0
    snapshot = Snapshot.objects.get(account=account, reason=Reason.SEMIANNUAL)
    assert list(snapshot.events.values_list("action", "at")) == [
        (SnapshotEvent.Action.CREATED, now)
    ]


def test_a_refused_transition_writes_no_event(org, account):
    closure = _proposed(org, account)
    with pytest.raises(Exception):  # noqa: B017 - the proposer may not confirm: PermissionDenied
        lifecycle.confirm_closure(org.people.medarbetare, closure.pk, now=NOW)
    assert list(closure.events.values_list("action", flat=True)) == [ClosureEvent.Action.PROPOSED]


def test_the_snapshot_page_shows_its_timeline(client, org, account, fake_capture):
    snapshot = semiannual(account)
    archive.ask_for_upload(snapshot.pk, "Sidan svarade inte.", EARLIER)
    _upload(org.people.medarbetare, snapshot)
    client.force_login(org.people.medarbetare)
    html = client.get(f"/arkiv/bild/{snapshot.pk}/").content.decode()
    timeline = html[html.index('<ol class="timeline">') :]
    assert "Automatisk fångst misslyckades, skärmbild behövs" in timeline
    assert "Systemet" in timeline and "Sidan svarade inte." in timeline
    assert "Skärmbild uppladdad och förseglad" in timeline
    assert f"av {org.people.medarbetare}" in timeline
    assert "2026-11-03 14:30" in timeline  # local time


def test_the_account_page_shows_the_closure_timeline(client, org, account):
    _proposed(org, account)
    client.force_login(org.people.kommunikator)
    html = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Avslut föreslaget" in html and "2026-11-02 09:00" in html


def test_the_handover_page_shows_its_timeline(client, org, account):
    handover = handovers.open_handover(org.people.medarbetare, EARLIER)
    client.force_login(org.people.kommunikator)
    html = client.get(f"/overlamning/{handover.pk}/").content.decode()
    assert "Överlämning registrerad" in html and "Systemet" in html
