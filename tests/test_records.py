"""Records that cannot be quietly changed: every model is classified (core.records), kept
records refuse every way of deleting them, append-only records every way of changing
them, a stateful record's state changes only through its service, and the admin goes
through the same rules as the UI (or only shows)."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts import lifecycle, statements
from accounts.models import Account, Status
from accounts.services import update_account
from activityplans.models import Evaluation, Plan, State
from archive import services as archive
from archive.models import Receipt, Snapshot
from core.records import (
    APPEND_ONLY,
    CLASSIFICATION,
    KEPT,
    KeptQuerySet,
    RecordsAreKept,
    kind_of,
)
from identity import tokens as scim_tokens
from moderation import services as moderation
from moderation import tokens
from moderation.models import CheckIn, Item
from organisation import handovers
from organisation.models import Absence, Handover, PersonEvent, Unit
from organisation.services import record_absence
from retention import gallring, holds
from retention import plan as retention_plan

from .factories import UserFactory
from .intake_helpers import receive_comment

PROJECT_APPS = {"core", "organisation", "notifications", "accounts", "activityplans"} | {
    "moderation",
    "archive",
    "identity",
    "retention",
    "disclosure",
    "dataprotection",
    "internalcontrol",
}
NOW = timezone.make_aware(datetime.datetime(2026, 11, 3, 10, 0))


def project_models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def test_every_model_is_classified_and_built_on_the_right_base():
    """A new model needs a line in core.records.CLASSIFICATION (and the base it names)."""
    labels = {m._meta.label: kind_of(m) for m in project_models()}
    missing = sorted(set(labels) - set(CLASSIFICATION))
    assert not missing, f"Classify these models in core/records.py: {missing}"
    assert not set(CLASSIFICATION) - set(labels), "the table names a model that is gone"
    wrong = {label: kind for label, kind in labels.items() if CLASSIFICATION[label] != kind}
    assert not wrong, f"Models whose base does not match the table: {wrong}"


KEPT_MODELS = sorted(label for label, kind in CLASSIFICATION.items() if kind != "ordinary")
APPEND_ONLY_MODELS = sorted(label for label, kind in CLASSIFICATION.items() if kind == APPEND_ONLY)
# Kept records with a state or contents that only their service changes (the history's
# rows are kept, but a recorded redaction may change one).
GUARDED_MODELS = sorted(
    label for label in KEPT_MODELS if CLASSIFICATION[label] == KEPT and "Historical" not in label
)


@pytest.fixture
def world(org, account, plan):
    """One row of every kept and append-only model, made as the app makes them."""
    p = org.people
    update_account(  # a version with administrators in the history
        p.kommunikationschef,
        account.pk,
        {},
        administrators=[p.medarbetare, p.chef],
        now=timezone.now(),
    )
    item, _created = moderation.create_item(
        None, account, {"kind": "fraga", "text": "Öppet i helgen?"}, now=NOW
    )
    comment = receive_comment(account, actor=p.kommunikationschef, now=NOW)
    leaving = UserFactory(username="slutar", unit=org.bibliotek)
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Tyst", now=NOW)
    snapshot = archive.request_snapshot(p.kommunikationschef, account.pk, now=NOW)
    handover = handovers.open_handover(account.responsible, NOW)
    history = Account.history.model
    hold = holds.place_hold(
        p.arkivarie,
        reason="jo",
        description="JO granskar",
        records=[("moderation.item", item.pk)],
        now=NOW,
    )
    entry = retention_plan.record_entry(
        p.arkivarie,
        "moderation.checkin",
        {
            "process_code": "1.4",
            "process_name": "Moderering",
            "disposition": "gallras",
            "retention_months": 24,
            "decision_body": "Kommunstyrelsen",
            "decision_paragraph": "§ 45",
            "decision_date": datetime.date(2026, 3, 12),
        },
        now=NOW,
    )
    old_check_in = moderation.check_in(p.medarbetare, account, now=NOW.replace(year=2020))
    (outcome,) = gallring.run(now=NOW, only=["moderation.checkin"])
    assert outcome.count == 1 and old_check_in.pk
    statement = statements.save_statement(
        p.kommunikationschef,
        "register",
        statements.defaults("register") | {"feedback_email": "k@testby.example"},
        now=NOW,
    )
    from dataprotection import services as dataprotection
    from internalcontrol.models import Pack

    draft = dataprotection.create_draft(
        p.kommunikationsavdelningen,
        {
            "platform": "threads",
            "channels": "Kommunens konto.",
            "personal_data": "Svar.",
            "legal_basis": "Allmänt intresse.",
            "necessity": "Invånarna finns där.",
            "transfer_basis": "EU–US Data Privacy Framework.",
            "review_on": datetime.date(2027, 11, 3),
        },
        now=NOW,
    )
    from core.workflow import perform
    from disclosure.models import Decision

    from .disclosure_helpers import new_request

    disclosure = new_request(p.kommunikationsavdelningen, NOW)
    perform(p.kommunikationsavdelningen, disclosure, "attach", expected_state=None, now=NOW,
            records=[("moderation.item", item.pk)])  # fmt: skip
    covered = disclosure.covered.get()
    perform(p.kommunikationsavdelningen, disclosure, "review", expected_state=None, now=NOW,
            covered=covered.pk, outcome="lamnas_ut")  # fmt: skip
    rows = {
        "dataprotection.Assessment": draft,
        "dataprotection.AssessmentEvent": draft.events.get(),
        "internalcontrol.Pack": Pack.objects.create(
            year=2026, requested_by=p.kommunikationschef, requested_at=NOW
        ),
        "disclosure.Request": disclosure,
        "disclosure.RequestEvent": disclosure.events.first(),
        "disclosure.CoveredRecord": covered,
        "disclosure.Review": covered.reviews.get(),
        "disclosure.Decision": Decision.objects.create(
            request=disclosure,
            number=1,
            outcome="avslag",
            decided_by=p.kommunikationsavdelningen,
            decided_at=NOW,
        ),
        "retention.PlanEntry": entry,
        "retention.Protocol": outcome.protocol,
        "retention.Hold": hold,
        "retention.HeldRecord": hold.records.get(),
        "retention.HoldEvent": hold.events.get(),
        "organisation.Absence": record_absence(
            p.medarbetare, datetime.date(2026, 12, 1), datetime.date(2026, 12, 5), p.chef, now=NOW
        ),
        "organisation.Handover": Handover.objects.create(user=leaving, created_at=NOW),
        "organisation.HandoverEvent": handover.events.get(),
        "organisation.PersonEvent": PersonEvent.write(
            leaving, PersonEvent.Action.UNIT_CHANGED, actor=None, at=NOW, comment="test"
        ),
        "accounts.Account": account,
        "accounts.HistoricalAccount": history.objects.filter(id=account.pk).first(),
        "accounts.HistoricalAccount_administrators": apps.get_model(
            "accounts.HistoricalAccount_administrators"
        ).objects.first(),
        "accounts.Attestation": lifecycle.attest_credentials(p.medarbetare, account.pk, now=NOW),
        "accounts.UsedLink": apps.get_model("accounts.UsedLink").objects.create(
            nonce="n1", used_at=NOW
        ),
        "accounts.Closure": closure,
        "accounts.ClosureEvent": closure.events.get(),
        "activityplans.Plan": plan,
        "activityplans.PlanEvent": plan.events.first(),
        "activityplans.Evaluation": Evaluation.objects.create(
            plan=plan, due_on=datetime.date(2027, 11, 3)
        ),
        "moderation.Item": item,
        "moderation.ItemEvent": item.events.first(),
        "moderation.PreservedCopy": moderation.preserve(p.medarbetare, item.pk, "kopia", now=NOW),
        "moderation.CheckIn": moderation.check_in(p.medarbetare, account, now=NOW),
        "moderation.PlatformEvent": comment.platform_events.get(),
        "moderation.CommentVersion": comment.versions.get(),
        "moderation.ApiToken": tokens.issue(p.kommunikationschef, account, "Verktyg", now=NOW)[0],
        "identity.ScimToken": scim_tokens.issue(p.admin, "Entra ID", now=NOW)[0],
        "archive.Snapshot": Snapshot.objects.create(
            account=account, period_key="2026-H1", due_at=NOW, created_at=NOW
        ),
        "archive.SnapshotEvent": snapshot.events.get(),
        "archive.Receipt": Receipt.objects.create(
            period_key="2026-H1", received_by=p.arkivarie, received_at=NOW
        ),
        "archive.Package": apps.get_model("archive.Package").objects.create(
            period_key="2026-H1",
            version=1,
            name="paket-v1.zip",
            size=0,
            sha256="0" * 64,
            content_sha256="0" * 64,
            built_at=NOW,
            built_by=p.arkivarie,
        ),
        "accounts.AccessibilityStatement": statement,
        "accounts.HistoricalAccessibilityStatement": statement.history.get(),
        "accounts.CredentialsRedaction": apps.get_model(
            "accounts.CredentialsRedaction"
        ).objects.create(
            account=account,
            redacted_by=p.kommunikationschef,
            redacted_at=NOW,
            reason="Lösenord i historiken",
            marker="[borttaget]",
        ),
    }
    return rows


def refused(work, errors=(RecordsAreKept,)):
    """`work` raises one of `errors`, in a savepoint (a refusal inside Django's deletion
    marks the transaction for rollback)."""
    with pytest.raises(errors):
        with transaction.atomic():
            work()


@pytest.mark.parametrize("label", KEPT_MODELS)
def test_a_kept_record_is_never_deleted(world, label):
    row = world[label]
    assert row is not None, f"the fixture made no {label}"
    model = type(row)
    refused(row.delete)
    refused(model._default_manager.filter(pk=row.pk).delete)
    if isinstance(model._default_manager.all(), KeptQuerySet):  # not simple_history's
        refused(lambda: model._default_manager.filter(pk=row.pk)._raw_delete(using="default"))
    # The plain manager, as cascades use it: the guard on pre_delete refuses (or, first,
    # Django's own PROTECT of a record that others point at).
    refused(model._base_manager.filter(pk=row.pk).delete, (RecordsAreKept, ProtectedError))
    assert model._base_manager.filter(pk=row.pk).exists()


@pytest.mark.parametrize("label", APPEND_ONLY_MODELS)
def test_an_append_only_record_is_never_changed(world, label):
    row = world[label]
    model = type(row)
    before = model.objects.filter(pk=row.pk).values().get()
    field = next(f for f in model._meta.concrete_fields if not f.primary_key)
    with pytest.raises(RecordsAreKept):
        row.save()
    with pytest.raises(RecordsAreKept):
        model.objects.filter(pk=row.pk).update(**{field.attname: getattr(row, field.attname)})
    with pytest.raises(RecordsAreKept):
        model.objects.bulk_update([row], [field.name])
    with pytest.raises(RecordsAreKept):
        model.objects.filter(pk=row.pk).service_update(
            **{field.attname: getattr(row, field.attname)}
        )
    assert model.objects.filter(pk=row.pk).values().get() == before


@pytest.mark.parametrize("label", GUARDED_MODELS)
def test_a_stateful_record_changes_only_through_its_service(world, label):
    """A plain queryset update() of anything but the model's bookkeeping fields raises."""
    row = world[label]
    model = type(row)
    before = model.objects.filter(pk=row.pk).values().get()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in model.bulk_fields:
            continue
        with pytest.raises(RecordsAreKept):
            model.objects.filter(pk=row.pk).update(**{field.attname: getattr(row, field.attname)})
    assert model.objects.filter(pk=row.pk).values().get() == before


def test_plan_states_and_item_texts_are_not_rewritten_in_bulk(world):
    with pytest.raises(RecordsAreKept):
        Plan.objects.update(state=State.ESTABLISHED)
    with pytest.raises(RecordsAreKept):
        Item.objects.update(text="ändrad")
    with pytest.raises(RecordsAreKept):
        Account.objects.update(status=Status.CLOSED)
    assert Plan.objects.get(pk=world["activityplans.Plan"].pk).state == State.DRAFT
    assert Item.objects.get(pk=world["moderation.Item"].pk).text == "Öppet i helgen?"
    assert Account.objects.get().status == Status.ACTIVE
    # Bookkeeping still takes a plain update: the sweep clearing a plan's reminder.
    assert Plan.objects.filter(pk=world["activityplans.Plan"].pk).update(remind_at=None) == 1


@pytest.mark.django_db(transaction=True)
def test_the_services_path_runs_only_inside_a_transaction(org, account):
    with pytest.raises(RecordsAreKept):
        Account.objects.filter(pk=account.pk).service_update(status=Status.CLOSED)
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).service_update(status=Status.PAUSED)
    assert Account.objects.get(pk=account.pk).status == Status.PAUSED


# -- sealed snapshots -------------------------------------------------------------------


def test_a_sealed_snapshot_is_superseded_only_by_its_own_sealed_successor(
    org, account, fake_capture
):
    from archive import services
    from archive.models import State as SnapshotState

    now = timezone.make_aware(datetime.datetime(2027, 1, 2, 10, 0))
    first = services.request_snapshot(org.people.medarbetare, account.pk, now=now)
    services.capture_one(first.pk, now=now)
    first.refresh_from_db()
    assert first.state == SnapshotState.SEALED
    sha = first.sha256

    # Marking it superseded with another change silently dropped the change; now it raises.
    first.state = SnapshotState.SUPERSEDED
    first.sha256 = "0" * 64
    with pytest.raises(RecordsAreKept):
        first.save()
    first.refresh_from_db()
    first.state = SnapshotState.SUPERSEDED
    with pytest.raises(RecordsAreKept):  # not even the state alone, without a successor
        first.save()
    with pytest.raises(RecordsAreKept):
        Snapshot.objects.filter(pk=first.pk).update(state=SnapshotState.SUPERSEDED)
    with pytest.raises(RecordsAreKept):
        Snapshot.objects.filter(pk=first.pk).service_update(state=SnapshotState.SUPERSEDED)
    other = Snapshot.objects.create(
        account=account, period_key="2027-H1", due_at=now, created_at=now
    )
    with pytest.raises(RecordsAreKept):  # not its successor
        Snapshot.objects.get(pk=first.pk).supersede(other)
    retake = services.new_version(org.people.medarbetare, first.pk, now=now)
    with pytest.raises(RecordsAreKept):  # its successor, but not sealed yet
        Snapshot.objects.get(pk=first.pk).supersede(retake)
    assert Snapshot.objects.get(pk=first.pk).state == SnapshotState.SEALED

    services.capture_one(retake.pk, now=now)  # sealing the retake supersedes the first
    first.refresh_from_db()
    assert (first.state, first.sha256) == (SnapshotState.SUPERSEDED, sha)


# -- the admin ---------------------------------------------------------------------------


def admin_client(client, org):
    client.force_login(org.people.admin)
    return client


def test_the_admin_does_not_close_an_account_or_change_the_register(client, org, account):
    """Closing account 14 in the admin (status=avslutat) skipped the final snapshot."""
    admin = admin_client(client, org)
    url = f"/admin/accounts/account/{account.pk}/change/"
    assert admin.get(url).status_code == 200  # it still shows
    data = {
        "platform": account.platform,
        "display_name": account.display_name,
        "url": account.url,
        "kind": account.kind,
        "unit": account.unit_id,
        "responsible": account.responsible_id,
        "purpose": account.purpose,
        "audience": account.audience,
        "language": account.language,
        "status": Status.CLOSED,
        "closed_on": "2026-11-03",
    }
    assert admin.post(url, data).status_code == 403
    assert admin.post("/admin/accounts/account/add/", data).status_code == 403
    history = account.history.first()
    revert = f"/admin/accounts/account/{account.pk}/history/{history.history_id}/"
    assert admin.post(revert, data).status_code == 403
    assert (
        admin.post(f"/admin/accounts/account/{account.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.closed_on is None
    assert Account.objects.count() == 1


@pytest.mark.parametrize(
    "path, data, model",
    [
        # A backdated "tillsyn gjord" in another person's name.
        (
            "/admin/moderation/checkin/add/",
            {"account": "{account}", "user": "{chef}", "at_0": "2026-01-01", "at_1": "09:00"},
            CheckIn,
        ),
        # A kvittens for a period that has not begun.
        (
            "/admin/archive/receipt/add/",
            {"period_key": "2099-H1", "received_by": "{chef}", "received_at_0": "2026-01-01"},
            Receipt,
        ),
        (
            "/admin/accounts/attestation/add/",
            {
                "account": "{account}",
                "kind": "aktivitet",
                "user": "{chef}",
                "activity_on": "2026-11-01",
            },
            apps.get_model("accounts.Attestation"),
        ),
    ],
)
def test_the_admin_adds_no_records_round_the_services(client, org, account, path, data, model):
    admin = admin_client(client, org)
    data = {k: v.format(account=account.pk, chef=org.people.chef.pk) for k, v in data.items()}
    assert admin.get(path).status_code == 403
    assert admin.post(path, data).status_code == 403
    assert not model.objects.exists()


def test_every_admin_of_a_kept_record_only_shows_it(rf, org):
    """Add, change and delete are refused for every kept or append-only model in the
    admin (and in its inlines), except absences, which are validated like the UI."""
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = org.people.admin
    editable = {"organisation.Absence"}  # record_absence; never deleted
    for model_admin in admin.site._registry.values():
        for each in [model_admin] + model_admin.get_inline_instances(request):
            label = each.model._meta.label
            if label not in CLASSIFICATION or kind_of(each.model) == "ordinary":
                continue
            assert not each.has_delete_permission(request), label
            if label in editable:
                continue
            assert not each.has_change_permission(request), label
            add = each.has_add_permission
            assert not (add(request) if each is model_admin else add(request, None)), label


def test_an_absence_in_the_admin_is_validated_and_announced_like_the_ui(client, org):
    from notifications.models import Notification

    admin = admin_client(client, org)
    p = org.people
    gone = UserFactory(username="gone", unit=org.bibliotek, is_active=False)
    data = {
        "user": p.medarbetare.pk,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-05",
        "substitute": gone.pk,
        "note": "",
    }
    response = admin.post("/admin/organisation/absence/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["substitute"]
    data["substitute"], data["ends_on"] = p.chef.pk, "2026-11-30"
    response = admin.post("/admin/organisation/absence/add/", data)
    assert response.status_code == 200  # ends before it starts
    assert not Absence.objects.exists()
    data["ends_on"] = "2026-12-05"
    assert admin.post("/admin/organisation/absence/add/", data).status_code == 302
    absence = Absence.objects.get()
    assert Notification.objects.filter(recipient=p.chef, kind="absence_substitute").exists()
    url = f"/admin/organisation/absence/{absence.pk}/delete/"
    assert admin.post(url, {"post": "yes"}).status_code == 403
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_a_unit_in_the_admin_is_validated(client, org):
    admin = admin_client(client, org)
    data = {
        "name": "Fel",
        "kind": Unit.Kind.ENHET,
        "parent": org.kommun.pk,
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
    }
    response = admin.post("/admin/organisation/unit/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    assert not Unit.objects.filter(name="Fel").exists()


# -- ftp:// and other addresses the register cannot key ------------------------------------


@pytest.mark.parametrize("url", ["ftp://files.testby.example/konto", "ftps://x.example/a"])
def test_an_address_that_is_no_web_address_is_refused_everywhere(org, account, url):
    from accounts.forms import AccountForm

    account.url = url
    with pytest.raises(ValidationError) as exc:
        account.full_clean()
    assert "http eller https" in " ".join(exc.value.message_dict["url"])
    with pytest.raises(ValidationError) as exc:
        update_account(
            org.people.kommunikationschef,
            account.pk,
            {"url": url},
            fields=("url",),
            now=timezone.now(),
        )
    assert "http eller https" in " ".join(exc.value.message_dict["url"])
    form = AccountForm({"url": url}, instance=Account.objects.get(pk=account.pk))
    assert not form.is_valid() and form.errors["url"]
    assert Account.objects.get(pk=account.pk).url == "https://www.instagram.com/testbybibliotek"


def test_a_passive_rule_in_the_admin_keeps_the_rules_pages_limits(client, org):
    """The rules page takes 7 to 3650 days; the admin took 0 (every account passive)."""
    from accounts.models import PassiveRule

    admin = admin_client(client, org)
    response = admin.post("/admin/accounts/passiverule/add/", {"platform": "x", "days": "0"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["days"]
    assert not PassiveRule.objects.exists()
