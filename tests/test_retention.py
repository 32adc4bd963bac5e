"""The informationshanteringsplan, gallring under a recorded decision, and spärrar.

Every model of the project has a row in the plan; the plan is edited in versions and
exported as CSV and PDF/A-2b; gallring refuses a type without a decision, disposes of
exactly the rows past their period (across a year turn, in Stockholm time), leaves a
protocol with a checksum per row, and leaves held and "bevaras" records untouched; the
one path that deletes a kept record is core.records.dispose, used by gallring only.
"""

import datetime
import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import time_machine
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from archive.models import Snapshot
from core import records
from core.records import RecordsAreKept
from moderation import services as moderation
from moderation.models import CheckIn, Item, ItemEvent, PreservedCopy
from notifications.models import Notification
from retention import catalogue, gallring, holds, plan
from retention.models import Hold, HoldEvent, PlanEntry, Protocol

from .archive_helpers import semiannual
from .factories import AccountFactory

ROOT = Path(__file__).resolve().parent.parent
STOCKHOLM = timezone.get_default_timezone()
DECIDED = datetime.date(2026, 3, 12)


def at(*args):
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


def project_models():
    configs = [c for c in apps.get_app_configs() if Path(c.path).parent == ROOT]
    return [m for c in configs for m in c.get_models()]


RECORDED = at(2026, 3, 13, 9, 0)


def decide(key, by, *, now=RECORDED, **changes):
    """Record the nämnd's decision on `key`'s row (with `changes` to the proposal)."""
    entry = plan.current_entry(key)
    values = {name: getattr(entry, name) for name in plan.FIELDS}
    values |= {
        "decision_body": "Kommunstyrelsen",
        "decision_paragraph": "§ 45",
        "decision_date": DECIDED,
    }
    return plan.record_entry(by, key, values | changes, now=now)


# -- the plan ------------------------------------------------------------------------


def test_every_model_of_the_project_has_a_row_in_the_plan():
    models = project_models()
    assert {m._meta.label_lower for m in models} >= {"moderation.item", "retention.protocol"}
    missing = sorted(
        m._meta.label_lower for m in models if catalogue.get(m._meta.label_lower) is None
    )
    assert not missing, f"Map these record types in retention/catalogue.py: {missing}"
    labels = {m._meta.label_lower for m in models}
    gone = sorted(t.key for t in catalogue.TYPES if t.model not in labels)
    assert not gone, f"The catalogue names models that are gone: {gone}"
    for rtype in catalogue.with_rules():  # every rule names real fields
        model = apps.get_model(rtype.model)
        for name in (rtype.rule.date_field, rtype.rule.period, *dict(rtype.rule.blank)):
            model._meta.get_field(name)


def test_a_proposal_has_no_decision_and_sealed_or_kept_types_are_never_disposable(db):
    entries = plan.current_entries()
    assert set(entries) == set(catalogue.BY_KEY)
    assert all(not e.has_decision and e.is_default for e in entries.values())
    for rtype in catalogue.TYPES:
        if rtype.always_kept:
            assert entries[rtype.key].disposition == "bevaras", rtype.key
    for label in ("archive.Snapshot", "archive.Package", "archive.Receipt", "retention.Protocol"):
        assert apps.get_model(label).disposable is False


def test_the_plan_is_edited_in_versions_and_refuses_what_kanalkoll_cannot_do(org):
    p = org.people
    first = decide("moderation.checkin", p.arkivarie, retention_months=36)
    assert (first.version, first.changed_by, first.retention_months) == (1, p.arkivarie, 36)
    second = decide("moderation.checkin", p.kommunikationsavdelningen, retention_months=24)
    assert second.version == 2
    assert plan.current_entry("moderation.checkin") == second
    assert list(plan.history("moderation.checkin")) == [second, first]  # both kept
    with pytest.raises(plan.NothingChanged):
        decide("moderation.checkin", p.arkivarie, retention_months=24)
    with pytest.raises(RecordsAreKept):
        first.save()

    def errors(key, **changes):
        with pytest.raises(ValidationError) as caught:
            decide(key, p.arkivarie, **changes)
        return caught.value.message_dict

    assert "disposition" in errors("archive.snapshot", disposition="gallras", retention_months=1)
    assert "retention_months" in errors("moderation.checkin", retention_months=None)
    assert "retention_months" in errors("accounts.usedlink", retention_months=0)
    assert "retention_months" in errors(
        "accounts.attestation", disposition="gallras", retention_months=12
    )
    assert "decision_body" in errors("moderation.checkin", decision_paragraph="")
    assert "decision_date" in errors("moderation.checkin", decision_date=datetime.date(2026, 3, 14))
    with pytest.raises(Exception, match="kommunarkivet"):
        decide("moderation.checkin", p.kommunikationschef)
    assert PlanEntry.objects.count() == 2


# What the plan's edit form posts for moderation.checkin, but for the months it omits.
ENTRY_POST = {
    "process_code": "1.4",
    "process_name": "Moderering",
    "disposition": "gallras",
    "retention_months": "",
    "counted_from": "arets_utgang",
    "decision_body": "Kommunstyrelsen",
    "decision_paragraph": "§ 45",
    "decision_date": "2026-03-12",
    "note": "",
}


def test_the_edit_page_shows_errors_and_saves_a_version(client, org):
    client.force_login(org.people.arkivarie)
    url = "/arkiv/informationshanteringsplan/moderation.checkin/"
    page = client.get(url)
    assert page.status_code == 200 and "Förslag, inget beslut" in page.content.decode()
    data = ENTRY_POST
    bad = client.post(url, data)
    assert bad.status_code == 400 and "Ange efter hur många månader" in bad.content.decode()
    assert not PlanEntry.objects.exists()
    assert client.post(url, data | {"decision_date": "12 mars"}).status_code == 400
    saved = client.post(url, data | {"retention_months": "24"})
    assert saved.status_code == 302
    entry = PlanEntry.objects.get()
    assert (
        entry.has_decision
        and entry.retention_months == 24
        and entry.changed_by.username == "arkivarie"
    )
    assert (
        "Kommunstyrelsen § 45, 2026-03-12"
        in client.get("/arkiv/informationshanteringsplan/").content.decode()
    )


def test_the_plan_as_csv_has_one_row_per_record_type(client, org):
    decide("moderation.checkin", org.people.arkivarie)
    client.force_login(org.people.kommunikationschef)
    response = client.get("/arkiv/informationshanteringsplan.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    import csv

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["kanalkoll_typ"] for r in rows) == sorted(catalogue.BY_KEY)
    assert {m._meta.label_lower for m in project_models()} <= {r["kanalkoll_typ"] for r in rows}
    checkin = next(r for r in rows if r["kanalkoll_typ"] == "moderation.checkin")
    assert checkin["status"] == "Beslutad" and checkin["beslut_datum"] == "2026-03-12"
    assert (
        checkin["gallring"] == "Gallras efter 2 år, räknat från utgången av handlingens kalenderår"
    )
    item = next(r for r in rows if r["kanalkoll_typ"] == "moderation.item")
    assert item["bevaras_gallras"] == "bevaras" and item["status"] == "Förslag, inget beslut"


def test_the_plan_as_pdf_a_lists_every_type(client, org, tmp_path):
    client.force_login(org.people.arkivarie)
    response = client.get("/arkiv/informationshanteringsplan.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = response.content
    with pikepdf.open(io.BytesIO(body)) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert "Informationshanteringsplan" in str(meta.get("dc:title", ""))
        assert "/OutputIntents" in pdf.Root
        width, height = (float(v) for v in pdf.pages[0].MediaBox[2:])
        assert width > height  # A4 landscape
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    for rtype in catalogue.TYPES:
        assert rtype.key.replace(" ", "") in flat, rtype.key
    assert "Förslag, inget beslut" in " ".join(text.split())
    # It renders (the page images are what kommunarkivet sees).
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-", str(tmp_path / "page")], input=body, check=True
    )
    assert list(tmp_path.glob("page-*.png"))


# -- gallring ------------------------------------------------------------------------


def sent_notification(user, created_at, **fields):
    return Notification.objects.create(
        recipient=user,
        kind="test",
        subject="Hej",
        body_text="Hej",
        created_at=created_at,
        due_at=created_at,
        sent_at=fields.pop("sent_at", created_at),
        **fields,
    )


def resolved_item(account, actor, created, resolved, author="Anna Andersson"):
    item, _ = moderation.create_item(
        None,
        account,
        {
            "kind": "fraga",
            "text": "Var är biblioteket?",
            "author": author,
            "post_url": "https://x.example/1",
        },
        now=created,
    )
    moderation.answer(actor, item.pk, "På torget.", now=resolved)
    return Item.objects.get(pk=item.pk)


def canonical_sha(obj, fields=None):
    """The documented checksum: SHA-256 of the stored row's canonical JSON."""
    obj = type(obj).objects.get(pk=obj.pk)
    (data,) = serializers.serialize("python", [obj], fields=fields)
    text = json.dumps(
        data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_gallring_refuses_a_type_without_a_recorded_decision(org, account, capsys):
    old = moderation.check_in(org.people.medarbetare, account, now=at(2020, 5, 1, 12, 0))
    outcomes = {o.rtype.key: o for o in gallring.run(now=at(2027, 6, 1, 12, 0))}
    assert outcomes["moderation.checkin"].status == gallring.REFUSED
    assert all(o.status in (gallring.REFUSED, gallring.KEPT) for o in outcomes.values())
    with pytest.raises(gallring.GallringRefused, match="inget beslut"):
        gallring.run(now=at(2027, 6, 1, 12, 0), only=["moderation.checkin"])
    with time_machine.travel(at(2027, 6, 1, 12, 0), tick=False):
        with pytest.raises(CommandError, match="inget beslut"):
            call_command("gallra", "--typ", "moderation.checkin")
        call_command("gallra")
    assert "moderation.checkin: vägrar, inget beslut" in capsys.readouterr().err
    assert CheckIn.objects.filter(pk=old.pk).exists()
    assert not Protocol.objects.exists()


@pytest.fixture
def year_turn(org, account):
    """Rows on both sides of the cut-offs at New Year 2028, with decisions recorded:
    tillsyn 24 months from the year's end, notifications 12 months from when they were
    written, commenters' data 12 months from when the item was handled."""
    p = org.people
    for key in (
        "moderation.checkin",
        "notifications.notification",
        "moderation.item.personuppgifter",
    ):
        decide(key, p.arkivarie)
    checkin = lambda moment: moderation.check_in(p.medarbetare, account, now=moment)  # noqa: E731
    return {
        "checkins": {
            "2024": checkin(at(2024, 6, 1, 10, 0)),
            "2025-end": checkin(at(2025, 12, 31, 23, 59)),
            "2026-start": checkin(at(2026, 1, 1, 0, 0, 10)),
        },
        "notifications": {
            "2026-end": sent_notification(p.medarbetare, at(2026, 12, 31, 23, 59)),
            "2027-start": sent_notification(p.medarbetare, at(2027, 1, 1, 0, 0)),
            "2027-later": sent_notification(p.medarbetare, at(2027, 1, 1, 0, 1)),
            "never-sent": sent_notification(p.medarbetare, at(2025, 1, 1, 9, 0), sent_at=None),
        },
        "items": {
            "2026-end": resolved_item(
                account, p.medarbetare, at(2026, 12, 1, 9, 0), at(2026, 12, 31, 22, 0)
            ),
            "2027-start": resolved_item(
                account, p.medarbetare, at(2026, 12, 30, 9, 0), at(2027, 1, 1, 0, 0, 20)
            ),
            "2027-later": resolved_item(
                account, p.medarbetare, at(2027, 1, 1, 9, 0), at(2027, 1, 1, 9, 30)
            ),
            "open": moderation.create_item(
                None,
                account,
                {"kind": "fraga", "text": "Öppet?", "author": "Bo"},
                now=at(2025, 1, 1, 9, 0),
            )[0],
        },
    }


def alive(rows):
    return {name for name, row in rows.items() if type(row).objects.filter(pk=row.pk).exists()}


def blanked(items):
    return {name for name, item in items.items() if Item.objects.get(pk=item.pk).author == ""}


def test_gallring_disposes_of_exactly_what_has_passed_its_period_across_new_year(year_turn, org):
    rows = year_turn
    before = {
        "checkins": {n: canonical_sha(r) for n, r in rows["checkins"].items()},
        "notifications": {n: canonical_sha(r) for n, r in rows["notifications"].items()},
        "items": {
            n: canonical_sha(r, ["author", "text", "post_url"]) for n, r in rows["items"].items()
        },
    }
    events = ItemEvent.objects.count()

    # New Year's Eve, a minute before midnight in Stockholm.
    with time_machine.travel(at(2027, 12, 31, 23, 59, 30), tick=False):
        call_command("gallra", "--dry-run")
        assert CheckIn.objects.count() == 3 and not Protocol.objects.exists()
        call_command("gallra")
    assert alive(rows["checkins"]) == {"2025-end", "2026-start"}
    assert alive(rows["notifications"]) == {"2027-start", "2027-later", "never-sent"}
    assert blanked(rows["items"]) == {"2026-end"}

    # Half a minute into 2028.
    with time_machine.travel(at(2028, 1, 1, 0, 0, 30), tick=False):
        call_command("gallra")
        call_command("gallra")  # a rerun finds nothing more
    assert alive(rows["checkins"]) == {"2026-start"}
    assert alive(rows["notifications"]) == {"2027-later", "never-sent"}
    assert blanked(rows["items"]) == {"2026-end", "2027-start"}

    # The items themselves are kept, with their outcome and events; only the commenter's
    # data is gone.
    gone = Item.objects.get(pk=rows["items"]["2026-end"].pk)
    assert (gone.text, gone.post_url, gone.outcome) == ("", "", "besvarad")
    assert Item.objects.get(pk=rows["items"]["open"].pk).author == "Bo"
    assert ItemEvent.objects.count() == events

    protocols = {(p.record_type, p.run_at): p for p in Protocol.objects.all()}
    assert len(protocols) == 6  # three types, two runs with something to do
    first = protocols[("moderation.checkin", at(2027, 12, 31, 23, 59, 30))]
    assert first.count == 1 and first.action == "raderade"
    assert first.checksums == [
        {"pk": rows["checkins"]["2024"].pk, "sha256": before["checkins"]["2024"]}
    ]
    assert first.cutoff == at(2025, 1, 1, 0, 0)
    assert first.decision_text == "Kommunstyrelsen § 45, 2026-03-12"
    assert first.entry == plan.current_entry("moderation.checkin")
    second = protocols[("moderation.checkin", at(2028, 1, 1, 0, 0, 30))]
    assert second.checksums == [
        {"pk": rows["checkins"]["2025-end"].pk, "sha256": before["checkins"]["2025-end"]}
    ]
    assert second.cutoff == at(2026, 1, 1, 0, 0)
    text = hashlib.sha256(
        json.dumps(second.checksums, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert second.sha256 == text
    items = protocols[("moderation.item.personuppgifter", at(2028, 1, 1, 0, 0, 30))]
    assert items.action == "avidentifierade" and items.fields == ["author", "text", "post_url"]
    assert items.checksums == [
        {"pk": rows["items"]["2027-start"].pk, "sha256": before["items"]["2027-start"]}
    ]
    notes = protocols[("notifications.notification", at(2028, 1, 1, 0, 0, 30))]
    assert notes.checksums[0]["sha256"] == before["notifications"]["2027-start"]
    # The protocol itself is kept.
    with pytest.raises(RecordsAreKept):
        second.delete()
    with pytest.raises(RecordsAreKept):
        Protocol.objects.filter(pk=second.pk).update(count=0)


def test_bevaras_and_held_records_are_left_untouched_until_the_hold_is_lifted(
    org, account, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    p = org.people
    other = AccountFactory(unit=org.bibliotek, responsible=p.medarbetare, substitute=p.chef)
    decide("moderation.checkin", p.arkivarie)
    decide("moderation.preservedcopy", p.arkivarie)
    decide("notifications.notification", p.arkivarie, disposition="bevaras", retention_months=None)
    long_ago = at(2021, 3, 1, 10, 0)
    kept_note = sent_notification(p.medarbetare, long_ago)
    held_checkin = moderation.check_in(p.medarbetare, other, now=long_ago)
    in_period = moderation.check_in(p.medarbetare, account, now=at(2021, 2, 10, 12, 0))
    moderation.check_in(p.medarbetare, account, now=long_ago)  # free: disposed of
    held_item = resolved_item(account, p.medarbetare, long_ago, long_ago)
    free_item = resolved_item(account, p.medarbetare, long_ago, long_ago)

    from config.uploads import clean_screenshot

    from .test_moderation_views import image_bytes, upload

    held_copy = moderation.preserve(p.medarbetare, held_item.pk, "Kopia", now=long_ago)
    free_copy = moderation.preserve(
        p.medarbetare, free_item.pk, "", clean_screenshot(upload(image_bytes("PNG"))), now=long_ago
    )
    image = Path(free_copy.image.path)
    assert image.exists()

    holds_placed = [
        holds.place_hold(
            p.kommunikationschef,
            reason="polisanmalan",
            reference="5000-K123-21",
            description="Olaga hot mot personal.",
            account=other,
            now=at(2026, 1, 5, 9, 0),
        ),
        holds.place_hold(
            p.arkivarie,
            reason="jo",
            description="JO granskar februari.",
            starts_on=datetime.date(2021, 2, 1),
            ends_on=datetime.date(2021, 2, 28),
            now=at(2026, 1, 5, 9, 0),
        ),
        holds.place_hold(
            p.kommunikationsavdelningen,
            reason="begaran",
            reference="KS 2026/12",
            description="Begäran om utlämnande.",
            records=[("moderation.item", held_item.pk)],
            now=at(2026, 1, 5, 9, 0),
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = {o.rtype.key: o for o in gallring.run(now=at(2027, 6, 1, 3, 0))}
    assert outcomes["notifications.notification"].status == gallring.KEPT
    assert Notification.objects.filter(pk=kept_note.pk).exists()
    assert set(CheckIn.objects.values_list("pk", flat=True)) == {held_checkin.pk, in_period.pk}
    assert outcomes["moderation.checkin"].held == 2
    assert set(PreservedCopy.objects.values_list("pk", flat=True)) == {held_copy.pk}
    assert not image.exists()  # the removed copy's screenshot went with it, on commit
    assert Item.objects.get(pk=held_item.pk).author == "Anna Andersson"  # the held case
    assert Item.objects.get(pk=free_item.pk).author == "Anna Andersson"  # no decision yet

    # Lifting: who and why, once.
    lifted = holds.lift_hold(
        p.arkivarie,
        holds_placed[0].pk,
        reason="Förundersökningen nedlagd.",
        now=at(2027, 6, 2, 9, 0),
    )
    assert (lifted.lifted_by, lifted.lift_reason) == (p.arkivarie, "Förundersökningen nedlagd.")
    with pytest.raises(holds.HoldConflict):
        holds.lift_hold(p.arkivarie, lifted.pk, reason="Igen", now=at(2027, 6, 2, 9, 1))
    events = list(
        HoldEvent.objects.filter(hold=lifted).values_list("action", "actor__username", "comment")
    )
    assert events == [
        ("lagd", "kommunikationschef", "Olaga hot mot personal."),
        ("havd", "arkivarie", "Förundersökningen nedlagd."),
    ]
    gallring.run(now=at(2027, 6, 3, 3, 0))
    assert set(CheckIn.objects.values_list("pk", flat=True)) == {in_period.pk}
    with pytest.raises(RecordsAreKept):
        lifted.delete()


def test_a_hold_needs_a_scope_and_a_reason(org, account):
    p = org.people
    with pytest.raises(ValidationError) as caught:
        holds.place_hold(p.arkivarie, reason="jo", description="", now=at(2026, 1, 5, 9, 0))
    assert {"description", "account"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError):
        holds.place_hold(
            p.arkivarie,
            reason="jo",
            description="x",
            starts_on=datetime.date(2026, 2, 1),
            ends_on=datetime.date(2026, 1, 1),
            now=at(2026, 1, 5, 9, 0),
        )
    with pytest.raises(ValidationError, match="Finns inte"):
        holds.parse_records("moderation.item", "999999")
    with pytest.raises(Exception, match="Spärrar"):
        holds.place_hold(
            p.medarbetare, reason="jo", description="x", account=account, now=at(2026, 1, 5, 9, 0)
        )
    assert not Hold.objects.exists()


def test_holds_are_placed_and_lifted_in_the_browser_flow(client, org, account):
    client.force_login(org.people.arkivarie)
    with time_machine.travel(at(2026, 4, 2, 10, 0), tick=False):
        bad = client.post("/arkiv/sparr/ny/", {"reason": "jo", "description": "Granskning"})
        assert bad.status_code == 400 and "Ange vad spärren gäller" in bad.content.decode()
        response = client.post(
            "/arkiv/sparr/ny/",
            {
                "reason": "jo",
                "description": "Granskning",
                "record_type": "moderation.checkin",
                "record_ids": "x",
            },
        )
        assert response.status_code == 400
        response = client.post(
            "/arkiv/sparr/ny/",
            {
                "reason": "jo",
                "reference": "JO 123-26",
                "description": "Granskning",
                "account": account.pk,
            },
        )
        assert response.status_code == 302
        hold = Hold.objects.get()
        assert response["Location"] == f"/arkiv/sparr/{hold.pk}/"
        assert client.post(f"/arkiv/sparr/{hold.pk}/hav/", {"reason": ""}).status_code == 400
        assert (
            client.post(f"/arkiv/sparr/{hold.pk}/hav/", {"reason": "JO avslutade"}).status_code
            == 302
        )
        page = client.get(f"/arkiv/sparr/{hold.pk}/").content.decode()
    assert "Spärr hävd" in page and "JO avslutade" in page
    assert client.post(f"/arkiv/sparr/{hold.pk}/hav/", {"reason": "igen"}).status_code == 302
    assert HoldEvent.objects.filter(hold=hold).count() == 2


def test_the_protocol_is_shown_and_downloaded(client, org, account):
    decide("moderation.checkin", org.people.arkivarie)
    old = moderation.check_in(org.people.medarbetare, account, now=at(2020, 5, 1, 12, 0))
    sha = canonical_sha(old)
    gallring.run(now=at(2027, 6, 1, 3, 0))
    protocol = Protocol.objects.get()
    client.force_login(org.people.arkivarie)
    assert sha in client.get(f"/arkiv/gallring/{protocol.pk}/").content.decode()
    assert f"/arkiv/gallring/{protocol.pk}/" in client.get("/arkiv/gallring/").content.decode()
    response = client.get(f"/arkiv/gallring/{protocol.pk}/protokoll.json")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="gallringsprotokoll-{protocol.pk}.json"'
    )
    document = json.loads(response.content)
    assert document["kontrollsummor"] == [{"pk": old.pk, "sha256": sha}]
    assert document["beslut"]["paragraf"] == "§ 45" and document["antal"] == 1


# -- the one path that deletes a kept record -----------------------------------------


def test_dispose_is_the_only_way_and_only_for_the_rows_it_is_given(org, account):
    p = org.people
    checkin = moderation.check_in(p.medarbetare, account, now=at(2020, 5, 1, 12, 0))
    other = moderation.check_in(p.medarbetare, account, now=at(2020, 5, 2, 12, 0))
    with pytest.raises(RecordsAreKept), transaction.atomic():
        records.dispose(CheckIn.objects.filter(pk=checkin.pk), decision="")
    snapshot = semiannual(account, "2026-H1")
    with pytest.raises(RecordsAreKept), transaction.atomic():
        records.dispose(Snapshot.objects.filter(pk=snapshot.pk), decision="KS § 45")
    item, _ = moderation.create_item(
        None, account, {"kind": "fraga", "text": "?"}, now=at(2020, 5, 1, 12, 0)
    )
    # A cascade to a kept row refuses (here Django's PROTECT already does).
    with pytest.raises((RecordsAreKept, ProtectedError)), transaction.atomic():
        records.dispose(Item.objects.filter(pk=item.pk), decision="KS § 45")
    with transaction.atomic():
        assert records.dispose(CheckIn.objects.filter(pk=checkin.pk), decision="KS § 45") == 1
        with pytest.raises(RecordsAreKept), transaction.atomic():
            other.delete()  # beside a disposal, every other delete still refuses
    assert list(CheckIn.objects.values_list("pk", flat=True)) == [other.pk]
    assert Item.objects.filter(pk=item.pk).exists()


def test_only_the_gallring_service_calls_dispose():
    callers = []
    folders = [Path(c.path) for c in apps.get_app_configs() if Path(c.path).parent == ROOT]
    for path in (p for folder in folders + [ROOT / "config"] for p in folder.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bdispose\(", text) and relative != "core/records.py":
            callers.append(relative)
    assert callers == ["retention/gallring.py"]


def test_no_lower_app_imports_retention():
    """Informationshantering sits above every app: it reads their models, none imports it
    (config names its URLs and sweep by dotted path only)."""
    apps_below = ("core", "organisation", "notifications", "accounts", "activityplans")
    for app in apps_below + ("moderation", "archive", "config"):
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(from|import) retention\b", text, re.M), path


def test_the_gallring_sweep_is_registered_and_runs_from_run_jobs(org, capsys):
    from config.sweeps import SWEEPS

    assert "retention.gallra" in {s.name for s in SWEEPS}
    call_command("run_jobs", "retention.gallra")
    assert "retention.gallra: {'gallrade': 0" in capsys.readouterr().out


def test_the_cutoff_counts_in_stockholm_calendar_months():
    entry = PlanEntry(retention_months=1, counted_from="handlingen")
    assert plan.cutoff(entry, at(2027, 3, 31, 12, 0)) == at(2027, 2, 28, 12, 0)
    entry.retention_months = 12
    assert plan.cutoff(entry, at(2028, 2, 29, 1, 0)) == at(2027, 2, 28, 1, 0)
    entry.counted_from = "arets_utgang"
    assert plan.cutoff(entry, at(2028, 1, 1, 0, 0)) == at(2027, 1, 1, 0, 0)
    assert plan.cutoff(entry, at(2027, 12, 31, 23, 59)) == at(2026, 1, 1, 0, 0)


def test_a_record_of_its_own_can_place_a_hold_and_is_named_on_it(org, account):
    """The register of requests (a later issue) places its holds with source=request;
    any saved record stands in for it here."""
    source = moderation.check_in(org.people.medarbetare, account, now=at(2026, 4, 1, 9, 0))
    hold = holds.place_hold(
        org.people.kommunikationsavdelningen,
        reason="begaran",
        reference="KS 2026/40",
        description="Begäran om kommentarerna i april.",
        account=account,
        starts_on=datetime.date(2026, 4, 1),
        ends_on=datetime.date(2026, 4, 30),
        source=source,
        now=at(2026, 4, 2, 9, 0),
    )
    assert (hold.source_type.model_class(), hold.source_id) == (CheckIn, source.pk)
    assert hold.events.get().actor == org.people.kommunikationsavdelningen


def test_a_backlog_is_disposed_of_in_batches_each_with_its_protocol(org, account, monkeypatch):
    monkeypatch.setattr(gallring, "BATCH", 2)
    decide("moderation.checkin", org.people.arkivarie)
    for day in range(1, 6):
        moderation.check_in(org.people.medarbetare, account, now=at(2020, 5, day, 12, 0))
    (outcome,) = gallring.run(now=at(2027, 6, 1, 3, 0), only=["moderation.checkin"])
    assert outcome.count == 5 and not CheckIn.objects.exists()
    assert sorted(p.count for p in outcome.protocols) == [1, 2, 2]
    assert Protocol.objects.count() == 3
