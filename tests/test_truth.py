"""Records that say the truth: the account history credits the system with what the
system did, shows changed texts whole, and hands every role over to a successor."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import lifecycle
from accounts import services as account_services
from accounts.authorship import as_system
from accounts.models import Status
from archive import services as archive_services
from archive.capture import CaptureRefused
from archive.models import Method, Reason, Snapshot

from .archive_helpers import screenshot
from .factories import AccountFactory

pytestmark = pytest.mark.django_db


def newest(account):
    return account.history.order_by("-history_date", "-history_id").first()


def test_an_upload_that_closes_the_account_is_the_systems_change_caused_by_the_uploader(
    client, org, account, fake_capture
):
    p = org.people
    fake_capture.outcome = CaptureRefused("Inloggning krävs")
    closure = lifecycle.propose_closure(
        p.kommunikationschef, account.pk, "Passivt.", now=timezone.now()
    )
    lifecycle.confirm_closure(p.kommunikator, closure.pk, now=timezone.now())
    final = Snapshot.objects.get(reason=Reason.FINAL)
    archive_services.capture_one(final.pk, now=timezone.now())
    # Someone else touches the account last; then the responsible person uploads.
    account_services.update_account(
        p.kommunikator, account.pk, {"language": "engelska"}, now=timezone.now()
    )
    client.force_login(p.medarbetare)
    image = SimpleUploadedFile("sista.png", screenshot(), content_type="image/png")
    response = client.post(f"/arkiv/bild/{final.pk}/", {"image": image})
    assert response.status_code in (200, 302)
    account.refresh_from_db()
    assert account.status == Status.CLOSED
    closed = account.history.filter(status=Status.CLOSED).earliest("history_date", "history_id")
    assert closed.history_user is None  # not the signed-in uploader, not the confirmer
    assert closed.history_caused_by == p.medarbetare
    assert "avslutat" in closed.history_change_reason
    dated = newest(account)
    assert dated.last_snapshot_on == timezone.localdate() and dated.history_user is None
    html = client.get(f"/konton/{account.pk}/historik/").content.decode()
    assert "Systemet, orsakat av" in html


def test_the_date_of_the_last_snapshot_is_not_credited_to_the_next_editor(
    client, org, account, fake_capture
):
    p = org.people
    snapshot = archive_services.request_snapshot(
        p.medarbetare, account.pk, Reason.ON_DEMAND, now=timezone.now()
    )
    archive_services.attach(snapshot.pk, screenshot(), Method.UPLOAD, p.medarbetare, timezone.now())
    client.force_login(p.kommunikator)
    account_services.update_account(
        p.kommunikator, account.pk, {"purpose": "Ett nytt syfte."}, now=timezone.now()
    )
    edit = newest(account)
    previous = edit.prev_record
    changed = {c.field for c in edit.diff_against(previous).changes}
    assert changed == {"purpose"}  # the archived date is in the system's own version
    assert previous.history_user is None and previous.history_change_reason
    assert previous.history_caused_by == p.medarbetare


def test_an_attestation_is_recorded_as_caused_by_the_person(org, account):
    p = org.people
    day = timezone.localdate()
    lifecycle.attest_activity(p.medarbetare, account.pk, day, now=timezone.now())
    record = newest(account)
    assert record.last_activity_on == day
    assert (record.history_user, record.history_caused_by) == (None, p.medarbetare)


def test_as_system_overrides_the_signed_in_user_of_the_request(org, account):
    with as_system("Svep"):
        account_services.update_account(
            org.people.kommunikator, account.pk, {"language": "x"}, now=timezone.now()
        )
    record = newest(account)
    assert record.history_user is None and record.history_change_reason == "Svep"


def test_a_long_changed_text_is_shown_whole(client, org, account):
    p = org.people
    old_text = "Början av ett långt syfte. " * 10 + "SLUTET PÅ DET GAMLA"
    new_text = "Ett helt nytt syfte. " * 10 + "SLUTET PÅ DET NYA"
    account_services.update_account(
        p.kommunikator, account.pk, {"purpose": old_text}, now=timezone.now()
    )
    account_services.update_account(
        p.kommunikator, account.pk, {"purpose": new_text}, now=timezone.now()
    )
    client.force_login(p.kommunikator)
    html = client.get(f"/konton/{account.pk}/historik/").content.decode()
    assert "SLUTET PÅ DET GAMLA" in html and "SLUTET PÅ DET NYA" in html
    assert "<details" in html and "…" not in html


def test_the_successor_takes_every_role_the_person_held(client, org, account, colleague):
    from organisation.models import Handover, User
    from organisation.services import deactivate_user

    p = org.people
    other = AccountFactory(
        display_name="Skolans konto",
        unit=org.bibliotek,
        responsible=p.chef,
        substitute=p.medarbetare,
    )
    other.administrators.set([p.chef, p.medarbetare, p.kommunikator])
    deactivate_user(User.objects.get(username="admin"), p.medarbetare, timezone.now())
    handover = Handover.objects.get()
    client.force_login(p.kommunikator)
    response = client.post(f"/overlamning/{handover.pk}/", {"successor": colleague.pk})
    assert response.status_code == 302
    account.refresh_from_db()
    other.refresh_from_db()
    assert account.responsible == colleague and account.substitute == p.chef
    assert set(account.administrators.all()) == {colleague, p.chef, p.kommunikator}
    assert other.responsible == p.chef and other.substitute == colleague
    assert set(other.administrators.all()) == {colleague, p.chef, p.kommunikator}
    # One version each, by the communicator who named the successor, in the history.
    html = client.get(f"/konton/{other.pk}/historik/").content.decode()
    assert str(colleague) in html
    record = newest(other)
    assert record.history_user == p.kommunikator
    assert {c.field for c in record.diff_against(record.prev_record).changes} == {
        "substitute",
        "administrators",
    }


def test_the_compliance_headline_counts_what_the_page_lists(client, org, account):
    """The account's only problem is the lapsed quarterly check: it is listed, so it is
    counted."""
    client.force_login(org.people.kommunikationschef)
    html = client.get("/konton/efterlevnad/").content.decode()
    assert account.display_name in html.split('id="section-inloggning"')[1]
    assert "1 av 1 konton som inte är avslutade har minst en brist." in html


def test_the_plan_form_offers_only_active_accounts_the_applicant_may_see(client, org, account):
    p = org.people
    elsewhere = AccountFactory(
        display_name="Skolans Instagram", unit=org.skolan, responsible=p.outsider
    )
    paused = AccountFactory(
        display_name="Pausat bibliotekskonto",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        status=Status.PAUSED,
    )
    planned = AccountFactory(
        display_name="Planerat bibliotekskonto",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        status=Status.PLANNED,
    )
    client.force_login(p.medarbetare)
    html = client.get("/planer/ny/").content.decode()
    select = html.split('name="account"')[1].split("</select>")[0]
    assert account.display_name in select
    for other in (elsewhere, paused, planned):
        assert other.display_name not in select


def test_a_warning_has_its_action_or_says_who_can_act(client, org, account):
    from accounts.services import update_account

    p = org.people
    update_account(
        p.kommunikationschef,
        account.pk,
        {"substitute": None, "gp_contact_phone": False},
        now=timezone.now(),
    )
    # The curators may fix both: the actions are next to the warnings.
    client.force_login(p.kommunikationsavdelningen)
    html = client.get(f"/konton/{account.pk}/").content.decode()
    assert f"/konton/{account.pk}/andra/#id_substitute" in html
    assert f"/konton/{account.pk}/andra/#id_gp_states_official" in html
    # The responsible person fixes the graphic profile, and is told who sets a substitute.
    client.force_login(p.medarbetare)
    html = client.get(f"/konton/{account.pk}/").content.decode()
    assert f"/konton/{account.pk}/andra/#id_gp_states_official" in html
    assert "#id_substitute" not in html
    assert "ändras av kommunikationsavdelningen eller kommunikationschefen" in html
    todo = client.get("/att-gora/").content.decode()
    assert "ändras av kommunikationsavdelningen eller kommunikationschefen" in todo
    # The compliance overview: who checks the credentials.
    client.force_login(p.kommunikator)
    overview = client.get("/konton/efterlevnad/").content.decode()
    assert "Kontrollen görs av den ansvarige eller kontots administratörer" in overview
    assert "Administratörer och ersättare ändras av kommunikationsavdelningen" in overview
