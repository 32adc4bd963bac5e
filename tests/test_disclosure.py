"""Requests for allmänna handlingar (disclosure): receiving, the search across
Kanalkoll's records, the spärr on what a request covers, the secrecy review with
masking, the decision with its besvärshänvisning, the bundle whose checksums are
verified here, and the clock across a weekend and the Christmas holidays."""

import datetime
import hashlib
import io
import json
import subprocess
import zipfile
from zoneinfo import ZoneInfo

import pikepdf
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.workflow import Conflict, NotAllowed, allowed, perform
from disclosure import jobs, sources
from disclosure.models import Decision, Do, Request, RequestEvent, State
from moderation import services as moderation
from moderation.models import Item
from notifications.models import Notification
from retention import catalogue, holds
from retention.models import Hold

from .disclosure_helpers import item, make_registrator, new_request, sealed_snapshot
from .factories import make_plan

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=STHLM)


def pdf_text(body):
    return " ".join(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True
        )
        .stdout.decode()
        .split()
    )


def assert_pdf_a(body):
    with pikepdf.open(io.BytesIO(body)) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert "/OutputIntents" in pdf.Root


# -- receiving ---------------------------------------------------------------------------


def test_a_request_is_received_anonymously_with_its_clock(org):
    registrator = make_registrator(org)
    request = new_request(registrator, NOW, channel="telefon")
    assert request.reference == f"UT-2026-{request.pk:04d}"
    assert request.requester_label == "Anonym" and request.handler == registrator
    assert request.state == State.RECEIVED
    # One working day after 10:00 on a Tuesday: Wednesday 10:00.
    assert request.next_reminder_at == datetime.datetime(2026, 11, 4, 10, 0, tzinfo=STHLM)
    (event,) = request.events.all()
    assert event.action == Do.RECEIVE and event.actor == registrator and event.at == NOW


def test_receiving_refuses_what_is_missing_and_who_may_not(org):
    with pytest.raises(ValidationError) as error:
        new_request(org.people.kommunikationsavdelningen, NOW, description=" ")
    assert "description" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        new_request(
            org.people.kommunikationsavdelningen,
            NOW,
            received_at=NOW + datetime.timedelta(hours=1),
        )
    assert "received_at" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        new_request(org.people.medarbetare, NOW)
    with pytest.raises(PermissionDenied):
        new_request(org.people.arkivarie, NOW)
    assert not Request.objects.exists()


# -- the search --------------------------------------------------------------------------


def test_the_search_finds_every_kind_by_account_period_kind_and_text(
    org, account, colleague, media
):
    from accounts.models import Account

    from .factories import AccountFactory

    other = AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
    p = org.people
    asked = item(account, NOW, "Varför stänger biblioteket tidigt?")
    elsewhere = item(other, NOW, "Varför stänger simhallen?")
    old = item(account, NOW - datetime.timedelta(days=60), "Varför stänger ni i juli?")
    moderation.answer(p.medarbetare, asked.pk, "Personalbrist under hösten.", now=NOW)
    removed = item(account, NOW, "Elaka ord om Bibliotekarien")
    copy = moderation.preserve(p.medarbetare, removed.pk, "Elaka ord om Bibliotekarien", now=NOW)
    plan = make_plan(p.medarbetare, colleague, state="inskickad")
    snapshot = sealed_snapshot(Account.objects.get(pk=account.pk))

    def found(**criteria):
        return {(s.key, r.pk) for s, rows in sources.search(**criteria) for r in rows}

    hits = found(text="varför STÄNGER")
    assert ("moderation.item", asked.pk) in hits and ("moderation.item", elsewhere.pk) in hits
    assert ("moderation.item", asked.pk) in found(account=account, text="stänger")
    assert ("moderation.item", elsewhere.pk) not in found(account=account, text="stänger")
    in_period = found(starts_on=(NOW - datetime.timedelta(days=7)).date(), ends_on=NOW.date())
    assert ("moderation.item", asked.pk) in in_period and (
        "moderation.item",
        old.pk,
    ) not in in_period
    assert found(kinds=["moderation.itemevent"], text="personalbrist")
    assert ("moderation.preservedcopy", copy.pk) in found(kinds=["moderation.preservedcopy"])
    assert ("activityplans.plan", plan.pk) in found(kinds=["activityplans.plan"])
    assert ("archive.snapshot", snapshot.pk) in found(account=account, kinds=["archive.snapshot"])
    assert found(kinds=["archive.snapshot"], text="2026-H1") == {("archive.snapshot", snapshot.pk)}
    # A draft plan is not yet a record; a snapshot not yet sealed is not handed out.
    draft = make_plan(p.medarbetare, colleague)
    assert ("activityplans.plan", draft.pk) not in found(kinds=["activityplans.plan"])


# -- attaching, reviewing, deciding ------------------------------------------------------


@pytest.fixture
def covered(org, account, media):
    """A request in review covering an item with a phone number and a sealed snapshot."""
    from accounts.models import Account

    handler = org.people.kommunikationsavdelningen
    request = new_request(handler, NOW, requester_name="Kalle Journalist")
    question = item(account, NOW)
    snapshot = sealed_snapshot(Account.objects.get(pk=account.pk))
    perform(handler, request, Do.ATTACH, expected_state=State.RECEIVED, now=NOW,
            records=[("moderation.item", question.pk), ("archive.snapshot", snapshot.pk)])  # fmt: skip
    request.refresh_from_db()
    return request, question, snapshot


def test_attaching_puts_a_hold_on_the_records_and_closing_lifts_it(org, covered):
    request, question, snapshot = covered
    assert request.state == State.IN_REVIEW
    hold = Hold.objects.active().get()
    assert hold.reason == "begaran" and hold.reference == request.reference
    assert hold.source_id == request.pk and hold.source_type.model == "request"
    held = Item.objects.filter(holds.covering(catalogue.get("moderation.item.personuppgifter")))
    assert list(held) == [question]
    # Attaching the same record again is refused and changes nothing.
    with pytest.raises(ValidationError):
        perform(org.people.kommunikationsavdelningen, request, Do.ATTACH, expected_state=None,
                now=NOW, records=[("moderation.item", question.pk)])  # fmt: skip
    assert Hold.objects.count() == 1 and request.covered.count() == 2
    perform(org.people.kommunikationsavdelningen, request, Do.CLOSE, expected_state=None, now=NOW)
    assert not Hold.objects.active().exists()
    assert Hold.objects.get().lift_reason == f"Begäran {request.reference} är avslutad."


def _review(request, record, outcome, **data):
    covered = request.covered.get(kind=record._meta.label_lower, object_id=record.pk)
    return perform(
        request.handler, request, Do.REVIEW, expected_state=State.IN_REVIEW, now=NOW,
        covered=covered.pk, outcome=outcome, **data,
    )  # fmt: skip


def test_the_review_refuses_a_masking_it_cannot_apply(covered):
    request, question, snapshot = covered
    cases = [
        ({"outcome": "maskeras", "masks": ["070-123 45 67"]}, "provision"),
        ({"outcome": "maskeras", "provision": "OSL 21 kap. 7 §"}, "masks"),
        ({"outcome": "maskeras", "masks": ["finns inte"], "provision": "OSL 21 kap. 7 §"}, "masks"),
        ({"outcome": "avslag", "provision": "OSL 21 kap. 7 §"}, "reason"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            _review(request, question, **data)
        assert field in error.value.message_dict, data
    with pytest.raises(ValidationError) as error:
        _review(request, snapshot, "maskeras", masks=["x"], provision="OSL 21 kap. 7 §")
    assert "outcome" in error.value.message_dict
    assert not request.covered.filter(reviews__isnull=False).exists()
    # Nothing reviewed: no decision yet.
    assert Do.DECIDE not in allowed(request.handler, request, now=NOW)
    with pytest.raises(Conflict):
        perform(request.handler, request, Do.DECIDE, expected_state=None, now=NOW)


def test_a_release_in_parts_with_masking_and_a_bundle_whose_checksums_hold(org, account, covered):
    request, question, snapshot = covered
    extra = item(account, NOW, "Vem ansvarar för kontot?")
    handler = request.handler
    perform(handler, request, Do.ATTACH, expected_state=None, now=NOW,
            records=[("moderation.item", extra.pk)])  # fmt: skip
    _review(request, question, "maskeras", masks=["070-123 45 67", "Anna Andersson"],
            provision="OSL 21 kap. 7 §")  # fmt: skip
    _review(request, snapshot, "lamnas_ut")
    # The first part is handed out while the third record waits for its review.
    first = perform(handler, request, Do.DECIDE, expected_state=State.IN_REVIEW, now=NOW)
    request.refresh_from_db()
    assert request.state == State.IN_REVIEW and first.outcome == "delvis"
    assert request.next_reminder_at is not None  # the rest is still on the clock

    # The original is untouched.
    question.refresh_from_db()
    assert question.text == "Ring mig på 070-123 45 67, Anna Andersson"

    body = first.bundle.open("rb").read()
    assert hashlib.sha256(body).hexdigest() == first.bundle_sha256
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        names = set(bundle.namelist()) - {"manifest.json"}
        assert {f["fil"] for f in manifest["filer"]} == names
        assert names >= {
            "utlamnade-handlingar.pdf",
            "handlingar.json",
            "handlingar.csv",
            "beslut.pdf",
        }
        for entry in manifest["filer"]:
            data = bundle.read(entry["fil"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["fil"]
            assert len(data) == entry["storlek"]
        (sealed,) = [f for f in manifest["filer"] if f["fil"].startswith("ogonblicksbilder/")]
        assert sealed["sha256"] == sealed["forsegling_sha256"] == snapshot.sha256
        assert bundle.read(sealed["fil"]) == snapshot.pdf.open("rb").read()
        records = json.loads(bundle.read("handlingar.json"))
        released = next(r for r in records if r["slag"] == "moderation.item")
        text = released["texter"][0]["text"]
        assert (
            text
            == "Ring mig på [maskerat enligt OSL 21 kap. 7 §], [maskerat enligt OSL 21 kap. 7 §]"
        )
        csv_text = bundle.read("handlingar.csv").decode("utf-8-sig")
        assert "070-123" not in csv_text and "maskerat enligt OSL 21 kap. 7 §" in csv_text
        pdf = bundle.read("utlamnade-handlingar.pdf")
        assert_pdf_a(pdf)
        shown = pdf_text(pdf)
        assert "[maskerat enligt OSL 21 kap. 7 §]" in shown and "070-123" not in shown
        assert bundle.read("beslut.pdf") == first.document.open("rb").read()
    assert manifest == {**manifest, "begaran": request.reference, "beslut": 1}

    # The decision document: the provision, the besvärshänvisning, the right to the
    # authority's own written decision.
    document = first.document.open("rb").read()
    assert hashlib.sha256(document).hexdigest() == first.document_sha256
    assert_pdf_a(document)
    words = pdf_text(document)
    assert "OSL 21 kap. 7 §" in words and "kammarrätten" in words and "tre veckor" in words
    assert "skriftligt beslut" in words and request.reference in words
    assert "070-123" not in words and "Anna Andersson" not in words

    # The rest: refused, in a second decision with its own document and no bundle.
    _review(request, extra, "avslag", provision="OSL 18 kap. 1 §", reason="Förundersökning pågår.")
    second = perform(handler, request, Do.DECIDE, expected_state=State.IN_REVIEW, now=NOW)
    request.refresh_from_db()
    assert request.state == State.DECIDED and request.next_reminder_at is None
    assert second.number == 2 and second.outcome == "avslag" and not second.bundle
    assert "Förundersökning pågår." in pdf_text(second.document.open("rb").read())
    # Each decision and each step are kept as written.
    assert [e.action for e in request.events.all()] == [
        "receive", "attach", "attach", "review", "review", "decide", "review", "decide",
    ]  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017 - core.records.RecordsAreKept
        Decision.objects.filter(pk=first.pk).update(outcome="avslag")
    with pytest.raises(Exception):  # noqa: B017
        first.delete()


def test_a_snapshot_whose_file_no_longer_matches_its_seal_is_not_handed_out(covered):
    request, question, snapshot = covered
    with open(snapshot.pdf.path, "wb") as fh:
        fh.write(b"%PDF-1.7 changed\n")
    _review(request, snapshot, "lamnas_ut")
    with pytest.raises(Conflict, match="Inget lämnas ut"):
        perform(request.handler, request, Do.DECIDE, expected_state=None, now=NOW)
    assert not Decision.objects.exists()
    assert request.covered.get(kind="archive.snapshot").decision is None


def test_only_handlers_act_and_the_arkivarie_sees(org, covered):
    request, question, snapshot = covered
    for person in (org.people.arkivarie, org.people.medarbetare, org.people.admin):
        assert not allowed(person, request, now=NOW)
        with pytest.raises(NotAllowed):
            perform(person, request, Do.CLOSE, expected_state=None, now=NOW)
    registrator = make_registrator(org)
    assert Do.REVIEW in allowed(registrator, request, now=NOW)


# -- the clock ---------------------------------------------------------------------------


def test_reminders_count_working_days_across_christmas(org):
    """Received Wednesday 23 December 2026 at 10:00. Julafton, juldagen, annandagen and
    the weekend do not count: the handler is reminded Monday 28 December at 10:00, the
    kommunikationschef Wednesday 30 December at 10:00 (nyårsafton would not count either)."""
    registrator = make_registrator(org)
    received = datetime.datetime(2026, 12, 23, 10, 0, tzinfo=STHLM)
    with time_machine.travel(received, tick=False):
        request = new_request(registrator, received)

    def sweep(moment):
        with time_machine.travel(moment, tick=False):
            return jobs.remind_requests(moment)

    def kinds(user):
        return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))

    assert sweep(datetime.datetime(2026, 12, 24, 12, 0, tzinfo=STHLM)) == 0
    assert sweep(datetime.datetime(2026, 12, 28, 9, 59, tzinfo=STHLM)) == 0
    assert sweep(datetime.datetime(2026, 12, 28, 10, 0, tzinfo=STHLM)) == 1
    assert kinds(registrator) == ["disclosure_reminder"]
    assert sweep(datetime.datetime(2026, 12, 28, 10, 15, tzinfo=STHLM)) == 0  # sent once
    request.refresh_from_db()
    assert request.next_reminder_at == datetime.datetime(2026, 12, 30, 10, 0, tzinfo=STHLM)
    assert sweep(datetime.datetime(2026, 12, 30, 9, 0, tzinfo=STHLM)) == 0
    assert sweep(datetime.datetime(2026, 12, 30, 10, 0, tzinfo=STHLM)) == 1
    assert kinds(org.people.kommunikationschef) == ["disclosure_escalation"]
    request.refresh_from_db()
    assert request.next_reminder_at is None
    assert sweep(datetime.datetime(2027, 1, 8, 10, 0, tzinfo=STHLM)) == 0
    assert kinds(registrator) == ["disclosure_reminder"]


def test_a_decided_request_is_not_reminded_and_an_idle_sweep_is_one_query(org, account, media):
    handler = org.people.kommunikationsavdelningen
    request = new_request(handler, NOW)
    perform(handler, request, Do.ATTACH, expected_state=None, now=NOW,
            records=[("moderation.item", item(account, NOW).pk)])  # fmt: skip
    perform(handler, request, Do.REVIEW, expected_state=None, now=NOW,
            covered=request.covered.get().pk, outcome="lamnas_ut")  # fmt: skip
    perform(handler, request, Do.DECIDE, expected_state=None, now=NOW)
    for n in range(20):
        new_request(handler, NOW + datetime.timedelta(hours=2), description=f"Begäran {n}")
    later = NOW + datetime.timedelta(hours=3)
    with CaptureQueriesContext(connection) as queries:
        assert jobs.remind_requests(later) == 0
    assert len(queries) == 1
    assert jobs.remind_requests(NOW + datetime.timedelta(days=7)) == 20
    assert not Notification.objects.filter(subject__contains=request.reference).exists()


# -- the pages for the registrator -------------------------------------------------------


def test_the_registrator_uses_the_register_and_others_are_refused(client, org, media):
    registrator = make_registrator(org)
    client.force_login(registrator)
    assert client.get("/handlingar/").status_code == 200
    assert client.get("/handlingar/ny/").status_code == 200
    response = client.post(
        "/handlingar/ny/",
        {"received_at": "2026-11-03T09:30", "channel": "besok", "description": "Planen för Instagram.",
         "handler": registrator.pk},
    )  # fmt: skip
    request = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/handlingar/{request.pk}/"
    assert client.get(f"/handlingar/{request.pk}/").status_code == 200
    bad = client.post("/handlingar/ny/", {"channel": "besok", "handler": registrator.pk})
    assert bad.status_code == 400 and Request.objects.count() == 1
    filtered = client.get("/handlingar/", {"state": "mottagen", "q": "instagram"})
    assert request.reference in filtered.content.decode()
    client.force_login(org.people.medarbetare)
    assert client.get("/handlingar/").status_code == 403
    assert client.get(f"/handlingar/{request.pk}/").status_code == 403
    assert RequestEvent.objects.count() == 1


def test_a_handler_who_left_is_not_reminded_the_kommunikationschef_is(org):
    registrator = make_registrator(org)
    request = new_request(registrator, NOW)
    registrator.is_active = False
    registrator.save(update_fields=["is_active"])
    assert jobs.remind_requests(NOW + datetime.timedelta(days=1)) == 1
    assert Notification.objects.get().recipient == org.people.kommunikationschef
    request.refresh_from_db()
    assert request.reminder_stage == 1
