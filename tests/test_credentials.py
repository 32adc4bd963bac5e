"""The field "Var inloggningsuppgifterna förvaras" holds a reference to the password
manager only; secrets are refused everywhere, migrated away, and removed from the
history by a recorded, attributed action."""

import datetime
import importlib
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from accounts import redaction, services
from accounts.admin import AccountAdmin
from accounts.credentials import REMOVED, looks_like_secret
from accounts.forms import AccountDescriptionForm
from accounts.models import Account, CredentialsRedaction, RecordsAreKept

from .test_accounts import account_data

SECRET = "lösenord: Bokprat2026!"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime.datetime(2027, 2, 3, 10, 15, tzinfo=STOCKHOLM)

SECRETS = [
    SECRET,
    "Lösenord Bokprat2026",
    "Lösenordet är Sommar",
    "password = hunter2",
    "pwd:abc123",
    "PIN-kod: 4711",
    "pin 4711",
    "kod=abcd",
    "Bokprat2026!",
    "KeePass, lösen: Vinter#24",
    "bibliotek@testby.example:Sommar2026",
    "admin:Hemligt!",
    "https://bibliotek:hemligt7@login.example/",
    "token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "3f9a0c4be81d27f6a5c09e3d4b7a1f2e",
]
REFERENCES = [
    "1Password, valv Kommunikation, post 'Instagram Biblioteket'",
    "KeePass – Kultur/Bibliotek/Instagram",
    "Lösenordsvalvet: Sociala medier / Biblioteket i Testby / Instagram",
    "Valvet / Kulturskolan",
    "Lösenord i 1Password, valv Kultur",
    "Lösenord: se KeePass",
    "Bitwarden: samling Kommunikation, post Facebook 2024",
    "Sociala-medier-Instagram-2024",
    "Post Instagram-2026 i valv Kommunikation",
    "Keeper – mapp Kommunikation/X (konto @testbybibliotek)",
    "PIN-kod finns i valvet, post Bibliotekets iPad",
    "Passwordstate, lista Kultur > Bibliotek",
    REMOVED,
]


@pytest.mark.parametrize("text", SECRETS)
def test_secrets_are_recognised(text):
    assert looks_like_secret(text)


@pytest.mark.parametrize("text", REFERENCES)
def test_ordinary_references_are_not(text):
    assert not looks_like_secret(text)


def test_the_demo_data_holds_references_only():
    source = importlib.import_module("accounts.demo").__file__
    text = open(source, encoding="utf-8").read()
    assert '"credentials_location": f"Lösenordsvalvet:' in text
    assert not looks_like_secret("Lösenordsvalvet: Sociala medier / Ekdala bibliotek / Instagram")


# -- refused everywhere it can be set ----------------------------------------------------


def test_the_curators_form_refuses_a_secret_and_changes_nothing(client, org):
    client.force_login(org.people.kommunikationsavdelningen)
    response = client.post("/konton/ny/", account_data(org, credentials_location=SECRET))
    assert response.status_code == 400
    page = response.content.decode()
    assert "ser ut som ett lösenord" in page
    assert not Account.objects.exists()


def test_the_responsible_persons_form_refuses_a_secret(client, org, account):
    client.force_login(org.people.medarbetare)
    data = {
        "display_name": account.display_name,
        "handle": account.handle,
        "purpose": account.purpose,
        "audience": account.audience,
        "language": "svenska",
        "credentials_location": "Bibliotek2026! i valvet",
    }
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 400 and "ser ut som ett lösenord" in response.content.decode()
    account.refresh_from_db()
    assert account.credentials_location == ""
    data["credentials_location"] = REFERENCES[0]
    assert client.post(f"/konton/{account.pk}/andra/", data).status_code == 302
    account.refresh_from_db()
    assert account.credentials_location == REFERENCES[0]


def test_the_services_refuse_a_secret(org, account):
    """Plans, demo data and scripts go through the services."""
    with pytest.raises(ValidationError) as caught:
        services.update_account(
            org.people.kommunikationsavdelningen,
            account.pk,
            {"credentials_location": SECRET},
            now=timezone.now(),
        )
    assert "credentials_location" in caught.value.message_dict
    account.refresh_from_db()
    assert account.credentials_location == ""
    assert not any(looks_like_secret(h.credentials_location) for h in account.history.all())


def test_the_admin_form_refuses_a_secret(org, account):
    from django.contrib.admin.sites import site

    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    form_class = AccountAdmin(Account, site).get_form(request, account)
    form = form_class(instance=account, data={"credentials_location": SECRET})
    form.is_valid()
    assert "credentials_location" in form.errors


def test_the_description_form_accepts_a_reference(account):
    form = AccountDescriptionForm(
        instance=account,
        data={
            "display_name": "X",
            "purpose": "P",
            "audience": "A",
            "language": "sv",
            "credentials_location": REFERENCES[1],
        },
    )
    assert form.is_valid(), form.errors


# -- a secret left in the history ---------------------------------------------------------


def _replace_current(account):
    """The secret replaced in the account itself (as the redaction service or an earlier
    correction does), so that it lives on only in the older history entries."""
    Account.objects.filter(pk=account.pk).service_update(credentials_location=REMOVED)


def _leak(account, at=None):
    """An old secret, written past the validator as it was before the fix (its history
    entry at `at`, else at the machine's clock)."""
    Account.objects.filter(pk=account.pk).service_update(credentials_location=SECRET)
    account.refresh_from_db()
    account._history_user = account.responsible
    if at is not None:
        account._history_date = at
    account.save()  # a history entry holding the secret, as before the fix


def test_the_flag_shows_and_goes_when_a_reference_is_given(client, org, account):
    Account.objects.filter(pk=account.pk).service_update(credentials_location=REMOVED)
    client.force_login(org.people.medarbetare)
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "ange lösenordsvalv och post" in page
    overview = client.get("/konton/efterlevnad/").content.decode()
    assert "ange lösenordsvalv och post" in overview
    services.update_account(
        org.people.medarbetare,
        account.pk,
        {"credentials_location": REFERENCES[1]},
        now=timezone.now(),
    )
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "ange lösenordsvalv och post" not in page


# -- redaction of the history ------------------------------------------------------------


def _everywhere(text):
    """Every text or JSON column of every table in the database that holds `text`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('character varying', 'text', 'json', 'jsonb')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',
                ["%" + text + "%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_redaction_removes_the_secret_from_every_table_and_records_who(org, account):
    _leak(account)
    _replace_current(account)
    assert _everywhere("Bokprat2026") == ["accounts_historicalaccount.credentials_location"]
    actor = org.people.kommunikationsavdelningen
    actor.first_name, actor.last_name = "Kim", "Kommunikatör"
    actor.save()
    record = redaction.redact_credentials_history(actor, account, NOW, "Lösenord i fältet")
    assert _everywhere("Bokprat2026") == []
    marker = "[borttaget av Kim Kommunikatör den 2027-02-03]"
    assert record.marker == marker and record.redacted_by == actor and record.redacted_at == NOW
    assert record.history_ids and record.reason == "Lösenord i fältet"
    assert not record.replaced_current  # it had been replaced already
    redacted = account.history.filter(history_id__in=record.history_ids)
    assert {h.credentials_location for h in redacted} == {marker}
    # The record of the redaction is kept as it is.
    with pytest.raises(RecordsAreKept):
        record.delete()
    with pytest.raises(RecordsAreKept):
        CredentialsRedaction.objects.update(reason="x")
    # A second run finds nothing left.
    with pytest.raises(redaction.NothingToRedact):
        redaction.redact_credentials_history(actor, account, NOW, "igen")


def test_redaction_replaces_a_secret_still_in_the_account(org, account):
    _leak(account, at=NOW - datetime.timedelta(days=30))
    actor = org.people.kommunikationschef
    record = redaction.redact_credentials_history(actor, account, NOW, "Hittat vid granskning")
    account.refresh_from_db()
    assert record.replaced_current and account.credentials_location == REMOVED
    # The entry the redaction wrote, at its caller's now (the fixture's own entries are at
    # the machine's clock, whatever day that is).
    written = account.history.get(history_date=NOW)
    assert written.history_user == actor and written.credentials_location == REMOVED
    assert _everywhere("Bokprat2026") == []


def test_only_the_curators_redact_and_a_reason_is_required(org, account):
    _leak(account)
    for person in (org.people.medarbetare, org.people.kommunikator, org.people.arkivarie):
        with pytest.raises(PermissionDenied):
            redaction.redact_credentials_history(person, account, NOW, "skäl")
    with pytest.raises(ValidationError):
        redaction.redact_credentials_history(org.people.kommunikationschef, account, NOW, "  ")
    assert not CredentialsRedaction.objects.exists()
    assert _everywhere("Bokprat2026")


def test_the_history_page_hides_the_secret_and_redacts_after_confirmation(client, org, account):
    _leak(account)
    _replace_current(account)
    client.force_login(org.people.medarbetare)
    page = client.get(f"/konton/{account.pk}/historik/").content.decode()
    assert "Bokprat2026" not in page and "Misstänkt lösenord" in page
    assert "historik/rensa/" not in page  # not theirs to do
    assert "Bokprat2026" not in client.get(f"/konton/{account.pk}/").content.decode()
    assert client.post(f"/konton/{account.pk}/historik/rensa/", {}).status_code == 403

    client.force_login(org.people.kommunikationsavdelningen)
    page = client.get(f"/konton/{account.pk}/historik/").content.decode()
    assert f'href="/konton/{account.pk}/historik/rensa/"' in page
    confirm = client.get(f"/konton/{account.pk}/historik/rensa/")
    assert confirm.status_code == 200 and "Det går inte att ångra" in confirm.content.decode()
    # Without the confirmation nothing happens.
    response = client.post(f"/konton/{account.pk}/historik/rensa/", {"reason": "Lösenord"})
    assert response.status_code == 400 and not CredentialsRedaction.objects.exists()
    with time_machine.travel(NOW, tick=False):
        client.force_login(org.people.kommunikationsavdelningen)
        response = client.post(
            f"/konton/{account.pk}/historik/rensa/", {"reason": "Lösenord", "confirm": "on"}
        )
        assert response.status_code == 302
        page = client.get(f"/konton/{account.pk}/historik/").content.decode()
    record = CredentialsRedaction.objects.get()
    assert record.redacted_by == org.people.kommunikationsavdelningen
    assert re.search(r"\[borttaget av [^\]]+ den 2027-02-03\]", page)
    assert "Misstänkt lösenord" not in page
    assert _everywhere("Bokprat2026") == []


def test_the_command_cleans_up_in_bulk_attributed_to_the_named_user(org, account):
    _leak(account)
    _replace_current(account)
    out = io.StringIO()
    call_command("redact_credentials_history", "--user", "kommunikationschef", stdout=out)
    assert "1 accounts redacted" in out.getvalue()
    record = CredentialsRedaction.objects.get()
    assert record.account == account and record.redacted_by == org.people.kommunikationschef
    assert _everywhere("Bokprat2026") == []
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("redact_credentials_history", "--user", "nobody")
