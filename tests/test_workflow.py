"""The workflow kernel (core.workflow): every transition table walked for every role of
the URL × role table (tests/test_access.py), showing that `allowed()` and `perform()`
agree: perform succeeds exactly when allowed lists the action, and otherwise raises
NotAllowed or Conflict and changes nothing; the creation transitions the same way
(`allowed_create()` and `perform_create()`), and every workflow creates its records
through one, writing exactly one first event. And the kernel's own contract: the
expected state, one conflict type, the event and the notifications in the transaction."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts import lifecycle
from activityplans import services as plan_services
from activityplans.models import State as PlanState
from archive import services as archive_services
from core import registry
from core.workflow import (
    Conflict,
    NotAllowed,
    allowed,
    allowed_create,
    perform,
    perform_create,
    perform_create_many,
    workflow_of,
)
from moderation import services as moderation_services
from organisation.models import Handover
from organisation.services import deactivate_user

from .archive_helpers import LONG_AGO, screenshot, semiannual
from .factories import AccountFactory, UserFactory, make_plan
from .intake_helpers import receive_comment
from .test_moderation_views import image_bytes, upload

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


# -- records in every state the tables start from ----------------------------------------


def plans(org, colleague):
    p = org.people
    found = [make_plan(p.medarbetare, colleague)]
    for state in (
        PlanState.SUBMITTED,
        PlanState.CHEF_APPROVED,
        PlanState.ANCHORED,
        PlanState.ESTABLISHED,
    ):
        found.append(make_plan(p.medarbetare, colleague, state=state))
    returned = make_plan(p.medarbetare, colleague, state=PlanState.SUBMITTED)
    found.append(
        plan_services.decide(p.chef, returned.pk, PlanState.SUBMITTED, "return", "Mer.", now=NOW)
    )
    return found


def closures(org, account):
    p = org.people
    proposed = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=NOW)
    other = AccountFactory(unit=org.bibliotek, responsible=p.medarbetare, substitute=p.chef)
    confirmed = lifecycle.propose_closure(p.medarbetare, other.pk, "Passivt.", now=NOW)
    confirmed = lifecycle.confirm_closure(p.kommunikator, confirmed.pk, now=NOW)
    return [proposed, confirmed]


def snapshots(org, account):
    due = semiannual(account)
    waiting = semiannual(account, "2026-H1")
    archive_services.ask_for_upload(waiting.pk, "Inloggning krävs.", NOW)
    sealed = semiannual(account, "2025-H2")
    archive_services.attach(sealed.pk, screenshot(), "automatisk", None, NOW)
    return [due, waiting, sealed]


def items(org, account):
    p = org.people
    open_item, _ = moderation_services.create_item(
        p.kommunikator, account, {"kind": "olampligt", "text": "Elakt."}, now=NOW
    )
    moderation_services.preserve(p.medarbetare, open_item.pk, "Elakt.", now=NOW)
    handled, _ = moderation_services.create_item(
        p.kommunikator, account, {"kind": "fraga", "text": "Öppet?"}, now=NOW
    )
    moderation_services.answer(p.medarbetare, handled.pk, "Ja.", now=NOW)
    # A comment a platform delivered, waiting in triage ("Ny kommentar").
    triage = receive_comment(account, actor=p.kommunikationschef, now=NOW)
    return [triage, open_item, handled]


def handovers(org, account):
    leaver = UserFactory(username="slutat", unit=org.bibliotek)
    AccountFactory(unit=org.bibliotek, responsible=leaver)
    deactivate_user(org.people.admin, leaver, NOW)
    return [Handover.objects.get(user=leaver)]


def disclosure_requests(org, account):
    from .disclosure_helpers import requests_in_every_state

    return requests_in_every_state(org, account, NOW)


def _disclosure_data(action, record, org):
    """A record not yet covered to attach, the first undecided record to review."""
    from accounts.models import Account

    from .disclosure_helpers import item

    if action == "attach":
        return {"records": [("moderation.item", item(Account.objects.first(), NOW).pk)]}
    covered = record.covered.filter(decision__isnull=True).first()
    return {"covered": covered.pk if covered else 0, "outcome": "lamnas_ut"}


def assessments(org):
    """A draft, a submitted and a returned assessment, and a signed-off one (the org's)."""
    from dataprotection import services
    from dataprotection.models import Assessment

    writer, officer = org.people.kommunikationsavdelningen, org.people.dataskyddsombud
    fields = {
        "platform": "instagram",
        "channels": "Bibliotekets konto.",
        "personal_data": "Kommentarer.",
        "legal_basis": "Allmänt intresse.",
        "necessity": "Unga vuxna finns där.",
        "transfer_basis": "EU–US Data Privacy Framework.",
        "review_on": datetime.date(2027, 10, 1),
    }
    draft = services.create_draft(writer, fields, now=NOW)
    submitted = services.create_draft(writer, fields, now=NOW)
    services.act(writer, submitted.pk, "submit", now=NOW)
    returned = services.create_draft(writer, fields, now=NOW)
    services.act(writer, returned.pk, "submit", now=NOW)
    services.act(officer, returned.pk, "return", now=NOW, comment="Mer om överföringen.")
    signed = Assessment.objects.signed_off().get(platform="youtube")
    return [draft, submitted, returned, signed]


def data_for(action, record, org, colleague):
    """Valid input for each action, so that only the state and the actor decide."""
    p = org.people
    if type(record).__name__ == "Request" and action in ("attach", "review"):
        return _disclosure_data(action, record, org)
    return {
        "return": {"comment": "Komplettera."},
        "reject": {"comment": "Nej."},
        "evaluate": {
            "evaluation": getattr(record, "evaluations", None) and record.evaluations.first(),
            "answers": {"goals_met": "Ja", "reach": "Bra", "outcome": "fortsatta"},
        },
        "upload": {"file": upload(image_bytes("PNG", size=(800, 1200)))},
        "answer": {"text": "Svar."},
        "preserve": {"text": "Kopia."},
        "remove": {"reason": "personangrepp"},
        "register": {"diarienummer": "KS 2026/1", "forwarded_to": "Registraturen"},
        "refer": {"text": "Hänvisad."},
        "crime": {"comment": "Hot."},
        "no_action": {"text": "Inget."},
        "reassign": {"assignee": p.chef},
        "classify": {"kind": "fraga", "due_at": NOW + datetime.timedelta(hours=48)},
        "resolve": {"successor": colleague},
        "new_handler": {"handler": p.kommunikationschef},
    }.get(action, {})


def fingerprint(record):
    """The record's row and its events: what a refused request must leave as it was."""
    model = type(record)
    row = model.objects.filter(pk=record.pk).values().get()
    return row, record.events.count()


BUILDERS = {
    "activityplans.plan": lambda org, account, colleague: plans(org, colleague),
    "accounts.closure": lambda org, account, colleague: closures(org, account),
    "archive.snapshot": lambda org, account, colleague: snapshots(org, account),
    "moderation.item": lambda org, account, colleague: items(org, account),
    "organisation.handover": lambda org, account, colleague: handovers(org, account),
    "disclosure.request": lambda org, account, colleague: disclosure_requests(org, account),
    "dataprotection.assessment": lambda org, account, colleague: assessments(org),
}


def test_every_required_workflow_is_walked():
    assert set(BUILDERS) == set(registry.workflows.required) == set(registry.workflows.names())


def walk(name, org, account, colleague, people):
    """Every action of the workflow `name` on a record in every state it starts from, by
    every person of `people` (label -> user): perform succeeds exactly when allowed()
    lists the action, and a refusal changes nothing. Returns label -> actions offered."""
    records = BUILDERS[name](org, account, colleague)
    workflow = registry.workflows.get(name)
    actions = [t.action for t in workflow.transitions if not t.system and not t.creates]
    checked = {True: 0, False: 0}
    offered_to = {label: set() for label in people}
    for record in records:
        record = type(record).objects.get(pk=record.pk)
        assert workflow_of(record) is workflow
        for role, actor in people.items():
            offered = allowed(actor, record, now=NOW)
            offered_to[role] |= {a.action for a in offered}
            for action in dict.fromkeys(actions):
                listed = action in offered
                before = fingerprint(record)
                with transaction.atomic():
                    try:
                        perform(
                            actor,
                            record,
                            action,
                            expected_state=None,
                            now=NOW,
                            **data_for(action, record, org, colleague),
                        )
                    except (NotAllowed, Conflict) as refused:
                        assert not listed, (name, role, action, refused)
                        assert fingerprint(record) == before, (name, role, action)
                    else:
                        assert listed, (name, role, action, workflow.state_of(record))
                    transaction.set_rollback(True)  # the next case starts from the same row
                checked[listed] += 1
    # The walk shows both answers: some actions offered and taken, some refused.
    assert checked[True] and checked[False]
    return offered_to


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_allowed_and_perform_agree_for_every_role(name, org, account, colleague, fake_capture):
    with time_machine.travel(NOW, tick=False):
        walk(name, org, account, colleague, vars(org.people))


# Workflows whose steps are taken by whoever holds a role (any registrator, the
# dataskyddsombud), not by a person whose work passes to a substitute when they are away.
BY_ROLE = {"dataprotection.assessment", "disclosure.request"}


@pytest.mark.parametrize("name", sorted(set(BUILDERS) - BY_ROLE))
def test_allowed_and_perform_agree_for_the_double_substitute(
    name, org, account, colleague, fake_capture
):
    """The same walk with the account's responsible person, the chef and the
    communicator each away with a substitute B who is away with a substitute C: every
    C is offered (and can take) the work of their A; no B is offered anything, and
    perform refuses every B."""
    p = org.people
    people = {}
    for role, unit in (
        ("medarbetare", org.bibliotek),
        ("chef", org.bibliotek),
        ("kommunikator", org.kultur),
    ):
        a = getattr(p, role)
        b, c = double(org, a, unit, suffix=role)
        people.update({role: a, f"{role}-B": b, f"{role}-C": c})
    with time_machine.travel(NOW, tick=False):
        offered = walk(name, org, account, colleague, people)
    assert not any(offered[f"{role}-B"] for role in ("medarbetare", "chef", "kommunikator"))
    assert any(offered[f"{role}-C"] for role in ("medarbetare", "chef", "kommunikator"))


# -- creation: from the NEW state --------------------------------------------------------

# A new assessment (TikTok has none signed off in the org fixture).
ASSESSMENT = {
    "platform": "tiktok",
    "channels": "Bibliotekets konto.",
    "personal_data": "Kommentarer.",
    "legal_basis": "Allmänt intresse.",
    "necessity": "Unga vuxna finns där.",
    "transfer_basis": "Standardavtalsklausuler.",
    "review_on": datetime.date(2027, 10, 1),
}


def creation_cases(org, account):
    """Per workflow: the parent and valid input of each creation a person may start, so
    that only the actor decides."""
    from .factories import plan_data

    p = org.people
    return {
        "activityplans.plan": [
            (p.medarbetare, {"fields": plan_data(applicant=p.medarbetare, substitute=p.chef)})
        ],
        "accounts.closure": [(account, {"reason": "Passivt."})],
        "archive.snapshot": [(account, {"reason": "begaran"})],
        "moderation.item": [
            (
                account,
                {
                    "fields": {"kind": "fraga", "text": "Öppet?"},
                    "due_at": NOW + datetime.timedelta(hours=48),
                },
            )
        ],
        "organisation.handover": [],  # only the system opens one, when someone leaves
        "dataprotection.assessment": [(None, {"fields": ASSESSMENT})],
        "disclosure.request": [
            (None, {"fields": {"channel": "epost", "description": "Alla kommentarer."}})
        ],
    }


def rows(workflow):
    return workflow.model.objects.count(), workflow.event_model.objects.count()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_allowed_create_and_perform_create_agree_for_every_role(name, org, account, fake_capture):
    """Every creation a person may start, by every role: perform_create succeeds exactly
    when allowed_create lists it, writes one record and one event, and a refusal writes
    nothing."""
    workflow = registry.workflows.get(name)
    offered_to = set()
    with time_machine.travel(NOW, tick=False):
        for parent, data in creation_cases(org, account)[name]:
            for transition in workflow.creations():
                if transition.system:
                    continue
                for role, actor in vars(org.people).items():
                    offered = allowed_create(actor, workflow.model, now=NOW, parent=parent)
                    listed = transition.action in offered
                    before = rows(workflow)
                    with transaction.atomic():
                        try:
                            record = perform_create(
                                actor,
                                workflow.model,
                                transition.action,
                                now=NOW,
                                parent=parent,
                                **data,
                            )
                        except (NotAllowed, Conflict) as refused:
                            assert not listed, (name, role, refused)
                            assert rows(workflow) == before, (name, role)
                        else:
                            assert listed, (name, role)
                            offered_to.add(role)
                            assert rows(workflow) == (before[0] + 1, before[1] + 1)
                            assert record.events.get().actor == actor
                        transaction.set_rollback(True)
    if creation_cases(org, account)[name]:
        assert offered_to and offered_to != set(vars(org.people)), (name, offered_to)


def created_records(org, account, colleague):
    """One record of each workflow, created the way the app creates it (the services,
    the sweeps, the deactivation)."""
    from archive.models import Snapshot
    from dataprotection import services as dataprotection_services

    from .archive_helpers import opened_long_ago
    from .disclosure_helpers import new_request

    p = org.people
    leaver = UserFactory(username="slutar", unit=org.bibliotek)
    AccountFactory(unit=org.bibliotek, responsible=leaver)
    deactivate_user(p.admin, leaver, NOW)
    other = AccountFactory(unit=org.bibliotek, responsible=p.medarbetare)
    opened_long_ago(account)
    archive_services.create_semiannual(NOW)
    return {
        "activityplans.plan": [make_plan(p.medarbetare, colleague)],
        "accounts.closure": [
            lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=NOW)
        ],
        "archive.snapshot": [
            archive_services.request_snapshot(p.medarbetare, account.pk, now=NOW),
            archive_services.request_snapshot(
                p.kommunikator, other.pk, "avslut", now=NOW, check=False
            ),
            Snapshot.objects.get(account=account, reason="halvar"),
        ],
        "moderation.item": [
            moderation_services.create_item(
                p.kommunikator, account, {"kind": "fraga", "text": "Öppet?"}, now=NOW
            )[0],
            moderation_services.create_item(
                None, account, {"kind": "fraga", "text": "Via verktyget."}, "verktyg", "1", now=NOW
            )[0],
            receive_comment(account, actor=p.kommunikationschef, now=NOW),
        ],
        "organisation.handover": [Handover.objects.get(user=leaver)],
        "dataprotection.assessment": [
            dataprotection_services.create_draft(p.kommunikationsavdelningen, ASSESSMENT, now=NOW)
        ],
        "disclosure.request": [new_request(p.registrator, NOW)],
    }


def test_every_workflow_creates_through_a_creation_transition_with_one_event(
    org, account, colleague, fake_capture
):
    with time_machine.travel(NOW, tick=False):
        made = created_records(org, account, colleague)
    assert set(made) == set(registry.workflows.names())
    for name, records in made.items():
        workflow = registry.workflows.get(name)
        assert workflow.creations(), name
        first_events = {t.event or t.action for t in workflow.creations()}
        for record in records:
            events = list(record.events.all())
            assert len(events) == 1, (name, [e.action for e in events])
            assert events[0].action in first_events, (name, events[0].action)


def test_creation_transitions_are_not_actions_on_a_record(org, account):
    """A creation is offered by allowed_create only, and perform refuses it on a record."""
    p = org.people
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=NOW)
    assert "propose" not in allowed(p.kommunikator, closure, now=NOW)
    with pytest.raises(Conflict):
        perform(p.kommunikator, closure, "propose", expected_state=None, now=NOW)
    assert "propose" not in allowed_create(p.kommunikator, type(closure), now=NOW, parent=account)


# -- creation in bulk (perform_create_many) ---------------------------------------------


def half_year(key):
    """The snapshots of half-year `key`, made by the bulk creation after its turn."""
    from archive.models import Snapshot
    from archive.periods import Period
    from archive.workflow import Do

    period = Period.from_key(key)
    now = period.ends_at + datetime.timedelta(hours=1)
    return perform_create_many(None, Snapshot, Do.SCHEDULE, now=now, period=period), now


def test_a_bulk_creation_writes_one_first_event_per_record(org):
    from archive.models import Snapshot, SnapshotEvent

    for _i in range(3):
        AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare, opened_on=LONG_AGO)
    made, now = half_year("2026-H1")
    assert len(made) == Snapshot.objects.filter(period_key="2026-H1").count() >= 3
    for snapshot in made:
        events = list(SnapshotEvent.objects.filter(snapshot_id=snapshot.pk))
        assert [(e.action, e.actor, e.at, e.data) for e in events] == [
            (SnapshotEvent.Action.CREATED, None, now, {"reason": "halvar", "period": "2026-H1"})
        ]
    # Run again: nothing left to make, nothing written.
    before = SnapshotEvent.objects.count()
    assert half_year("2026-H1")[0] == []
    assert SnapshotEvent.objects.count() == before


def test_a_bulk_creation_takes_the_same_statements_for_few_rows_and_many(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(count, key):
        for _i in range(count):
            AccountFactory(
                unit=org.bibliotek, responsible=org.people.medarbetare, opened_on=LONG_AGO
            )
        with CaptureQueriesContext(connection) as queries:
            made, _now = half_year(key)
        return len(made), len(queries)

    few, few_queries = make(2, "2025-H1")
    many, many_queries = make(20, "2025-H2")
    assert many >= few + 20
    assert many_queries == few_queries


def test_a_refused_bulk_creation_makes_nothing(org):
    from archive.models import Snapshot, SnapshotEvent
    from archive.periods import Period
    from archive.workflow import Do

    AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare, opened_on=LONG_AGO)
    period = Period.from_key("2026-H2")
    before = Snapshot.objects.count(), SnapshotEvent.objects.count()
    after_turn = period.ends_at + datetime.timedelta(hours=1)
    with pytest.raises(NotAllowed):  # the system's step: no person takes it
        perform_create_many(
            org.people.kommunikationschef, Snapshot, Do.SCHEDULE, now=after_turn, period=period
        )
    with pytest.raises(Conflict, match="inte slut"):  # the half-year has not ended
        perform_create_many(None, Snapshot, Do.SCHEDULE, now=NOW, period=period)
    assert (Snapshot.objects.count(), SnapshotEvent.objects.count()) == before
    # A bulk transition is taken in bulk only, and only a bulk one in bulk.
    with pytest.raises(ValueError):
        perform_create(None, Snapshot, Do.SCHEDULE, now=after_turn, period=period)
    with pytest.raises(ValueError):
        perform_create_many(None, Snapshot, Do.ORDER, now=after_turn)
    assert (Snapshot.objects.count(), SnapshotEvent.objects.count()) == before
    made = perform_create_many(None, Snapshot, Do.SCHEDULE, now=after_turn, period=period)
    assert made and Snapshot.objects.count() == before[0] + len(made)


def test_a_stale_expected_state_is_one_conflict_and_changes_nothing(org, colleague):
    p = org.people
    plan = make_plan(p.medarbetare, colleague, state=PlanState.SUBMITTED)
    before = fingerprint(plan)
    with pytest.raises(Conflict, match="redan hanterats"):
        perform(p.chef, plan, "approve", expected_state=PlanState.ANCHORED, now=NOW)
    assert fingerprint(plan) == before
    with pytest.raises(NotAllowed):
        perform(p.kommunikator, plan, "approve", expected_state=PlanState.SUBMITTED, now=NOW)
    assert fingerprint(plan) == before


def test_system_transitions_are_never_offered(org, account, fake_capture):
    snapshot = semiannual(account)
    for actor in vars(org.people).values():
        offered = allowed(actor, snapshot, now=NOW)
        assert "seal" not in offered and "ask_for_upload" not in offered


# -- the double substitute: A away with B, B away with C -----------------------------------
#
# C does A's work: the kernel offers C the action and performs it, and the work (the
# notification, the desk) goes to C alone. B, away too, is neither given the work nor
# may act as A's substitute (organisation.deputies: acts_as follows the work); A, away,
# is not locked out of their own work, and allowed() says so in the same words.


def double(org, a, unit, suffix=""):
    from organisation.models import Absence

    b = UserFactory(username=f"b-ersattare{suffix}", unit=unit)
    c = UserFactory(username=f"c-ersattare{suffix}", unit=org.skolan)
    for person, substitute in ((a, b), (b, c)):
        Absence.objects.create(
            user=person,
            substitute=substitute,
            starts_on=timezone.localdate(NOW),
            ends_on=timezone.localdate(NOW) + datetime.timedelta(days=3),
            created_at=NOW,
        )
    return b, c


def notified(kind):
    from notifications.models import Notification

    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def agree(actor, record, action, **data):
    """allowed() lists the action for the actor, and perform takes it."""
    assert action in allowed(actor, record, now=NOW)
    return perform(actor, record, action, expected_state=None, now=NOW, **data)


def refused(actor, record, action, **data):
    """allowed() does not list the action for the actor, perform refuses it, and the
    record and its events are as they were."""
    assert action not in allowed(actor, record, now=NOW)
    before = fingerprint(record)
    with pytest.raises(NotAllowed):
        perform(actor, record, action, expected_state=None, now=NOW, **data)
    assert fingerprint(record) == before


def test_double_substitute_decides_a_plan(org, colleague):
    p = org.people
    b, c = double(org, p.chef, org.bibliotek)
    with time_machine.travel(NOW, tick=False):
        plan = make_plan(p.medarbetare, colleague)
        plan = plan_services.submit(p.medarbetare, plan.pk, now=NOW)
    assert notified("plan_waiting") == {c.username}
    for outsider in (p.kommunikator, p.outsider, colleague):
        assert "approve" not in allowed(outsider, plan, now=NOW)
    refused(b, plan, "approve")  # away too: skipped, not the chef's substitute
    plan = agree(c, plan, "approve")
    assert plan.state == PlanState.CHEF_APPROVED and plan.events.last().actor == c
    assert "approve" not in allowed(b, plan, now=NOW)  # the step has moved on


def test_double_substitute_confirms_a_closure(org, account):
    p = org.people
    b, c = double(org, p.kommunikator, org.kultur)
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=NOW)
    assert c.username in notified("closure_proposed")
    assert not {b.username, p.kommunikator.username} & notified("closure_proposed")
    assert "confirm" not in allowed(p.chef, closure, now=NOW)
    with pytest.raises(NotAllowed):
        perform(p.chef, closure, "confirm", expected_state="foreslagen", now=NOW)
    refused(b, closure, "confirm")
    closure = agree(c, closure, "confirm")
    assert closure.confirmed_by == c
    assert closure.events.last().actor == c


def test_double_substitute_uploads_the_snapshot(org, account, fake_capture):
    from archive.capture import CaptureFailed

    p = org.people
    b, c = double(org, p.medarbetare, org.bibliotek)
    fake_capture.outcome = CaptureFailed("Kontot kräver inloggning.")
    snapshot = semiannual(account)
    archive_services.capture_one(snapshot.pk, now=NOW)
    assert notified("snapshot_upload") == {c.username}
    snapshot.refresh_from_db()
    assert "upload" not in allowed(p.outsider, snapshot, now=NOW)
    assert "upload" not in allowed(p.chef, snapshot, now=NOW)
    refused(b, snapshot, "upload", file=upload(image_bytes("PNG", size=(800, 1200))))
    agree(c, snapshot, "upload", file=upload(image_bytes("PNG", size=(800, 1200))))
    snapshot.refresh_from_db()
    assert snapshot.state == "forseglad" and snapshot.captured_by == c
    assert "upload" not in allowed(b, snapshot, now=NOW)  # sealed: nothing left to upload


def test_double_substitute_handles_a_moderation_item(org, account):
    p = org.people
    account.administrators.set([p.medarbetare])
    account.substitute = None
    account.save()
    b, c = double(org, p.medarbetare, org.bibliotek)
    item, _created = moderation_services.create_item(
        p.kommunikator, account, {"kind": "fraga", "text": "Öppet i dag?"}, now=NOW
    )
    assert notified("moderation_new") == {c.username}
    assert moderation_services.handler(item, NOW) == c
    for action, data in (("answer", {"text": "Ja."}), ("no_action", {"text": "Inget."})):
        refused(b, item, action, **data)  # away too: not A's substitute
    assert "answer" not in allowed(p.outsider, item, now=NOW)
    agree(c, item, "answer", text="Ja, 10–14.")
    item.refresh_from_db()
    assert item.resolved_at == NOW and item.events.last().actor == c
