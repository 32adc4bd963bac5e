"""Importing the register from the kommun's spreadsheet (accounts.importing): CSV as
Excel in Sweden writes it and XLSX, a row-by-row plan first, the import when confirmed,
in the browser's pages and with `manage.py import_register`."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts import importing
from accounts.models import Account, Status
from core.tabular import TableError, read_table

NOW = timezone.make_aware(datetime.datetime(2026, 11, 24, 10, 0))
HEADER = "Namn;Plattform;Adress;Enhet;Ansvarig;Syfte;Målgrupp;Startdatum;Senaste aktivitet"
ROWS = [
    "Skolan på Instagram;Instagram;https://instagram.com/testbyskolan/;Skolan;outsider;"
    "Visa skolans vardag;Elever och föräldrar;2022-08-15;2026-10-01",
    "Kulturens Facebook;Facebook-sida;https://www.facebook.com/testbykultur;"
    "Kultur- och fritidsförvaltningen;kommunikator@kommun.example;Evenemang;Invånare;;",
    "Okänd enhet;Instagram;https://instagram.com/okand;Enhet som inte finns;chef;Syfte;Alla;;",
    "Okänd person;YouTube;https://youtube.com/@testby;Skolan;nils;Syfte;Alla;;",
    "Fel plattform;Myspace;https://myspace.com/testby;Skolan;chef;Syfte;Alla;;",
    "Dubblett;Instagram;http://www.instagram.com/TestbySkolan;Skolan;chef;Syfte;Alla;;",
    "Fel datum;X;https://x.com/testby;Skolan;chef;Syfte;Alla;31 februari;",
]


def csv_file(lines, encoding="cp1252", bom=False, name="register.csv"):
    data = "\r\n".join(lines).encode(encoding)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data, "text/csv")


def outcomes(rows):
    return [(row.line, row.outcome) for row in rows]


@pytest.fixture
def curator(client, org):
    client.force_login(org.people.kommunikationsavdelningen)
    return client


def upload(client, file, activity_on="2026-11-01"):
    return client.post("/konton/import/", {"file": file, "activity_on": activity_on})


@time_machine.travel(NOW, tick=False)
def test_the_plan_shows_every_row_and_saves_nothing(curator, org):
    answer = upload(curator, csv_file([HEADER, *ROWS]))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "inget är sparat ännu" in html
    rows = answer.context["rows"]
    assert outcomes(rows) == [
        (2, "skapas"),
        (3, "skapas"),
        (4, "avvisas"),
        (5, "avvisas"),
        (6, "avvisas"),
        (7, "avvisas"),
        (8, "avvisas"),
    ]
    reasons = {row.line: row.reason for row in rows}
    assert reasons[4] == "Enheten ”Enhet som inte finns” finns inte i Kanalkoll."
    assert reasons[5] == "Personen ”nils” finns inte i Kanalkoll (eller har slutat)."
    assert reasons[6].startswith("Plattformen ”Myspace” är okänd.")
    assert reasons[7] == "Samma adress som rad 2."
    assert "är inget datum" in reasons[8]
    assert Account.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_confirming_imports_with_history_and_real_activity_and_a_second_import_changes_nothing(
    curator, org
):
    upload(curator, csv_file([HEADER, *ROWS[:2]], encoding="utf-8", bom=True))
    confirmed = curator.post("/konton/import/", {"confirm": "1"})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/konton/import/"
    done = curator.get("/konton/import/")  # the result, shown once after the redirect
    assert done.context["done"] and "Importerat från register.csv" in done.content.decode()
    assert outcomes(done.context["rows"]) == [(2, "skapas"), (3, "skapas")]
    assert "Importerat från" not in curator.get("/konton/import/").content.decode()
    skolan = Account.objects.get(display_name="Skolan på Instagram")
    assert (skolan.unit, skolan.responsible) == (org.skolan, org.people.outsider)
    assert skolan.status == Status.ACTIVE and skolan.opened_on == datetime.date(2022, 8, 15)
    assert skolan.last_activity_on == datetime.date(2026, 10, 1)
    kultur = Account.objects.get(display_name="Kulturens Facebook")
    assert kultur.last_activity_on == datetime.date(2026, 11, 1)  # the date given at import
    # The import's day is the first yearly confirmation: none is due for a year.
    today = timezone.localdate()
    assert skolan.confirmed_on == kultur.confirmed_on == today
    assert skolan.confirmation_due_at > timezone.now() + datetime.timedelta(days=364)
    record = skolan.history.get()
    assert record.history_change_reason == "Import av kontoregistret: register.csv"
    assert record.history_user == org.people.kommunikationsavdelningen
    page = curator.get(f"/konton/{skolan.pk}/historik/").content.decode()
    assert "Import av kontoregistret: register.csv" in page

    again = upload(curator, csv_file([HEADER, *ROWS[:2]], encoding="utf-8", bom=True))
    assert outcomes(again.context["rows"]) == [(2, "oförändrad"), (3, "oförändrad")]
    assert "Filen ändrar ingenting." in again.content.decode()
    assert skolan.history.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_changed_row_updates_the_account_and_a_plan_locks_its_purpose(curator, org, account):
    line = (
        f"{account.display_name};Instagram;https://instagram.com/testbybibliotek;Biblioteket;"
        f"{account.responsible.username};Ett nytt syfte;{account.audience};;2026-11-20"
    )
    rows = upload(curator, csv_file([HEADER, line])).context["rows"]
    assert outcomes(rows) == [(2, "uppdateras")]
    assert rows[0].changes == ["syfte", "senaste aktivitet"]
    curator.post("/konton/import/", {"confirm": "1"})
    account.refresh_from_db()
    assert account.purpose == "Ett nytt syfte"
    assert account.last_activity_on == datetime.date(2026, 11, 20)

    Account.objects.filter(pk=account.pk).service_update(plan_reference="AP-2026-7")
    locked = upload(curator, csv_file([HEADER, line.replace("Ett nytt syfte", "Ett annat")]))
    assert "aktivitetsplan AP-2026-7" in locked.context["rows"][0].reason


def test_xlsx_and_comma_separated_files_are_read_as_the_same_table():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Namn", "Startdatum", "Antal"])
    book.active.append(["Konto", datetime.datetime(2024, 3, 1), 3.0])
    out = io.BytesIO()
    book.save(out)
    assert read_table(out.getvalue()) == (
        ["Namn", "Startdatum", "Antal"],
        [["Konto", "2024-03-01", "3"]],
    )
    comma = "\ufeffNamn,Startdatum,Antal\r\nKonto,2024-03-01,3\r\n".encode()
    assert read_table(comma) == read_table(out.getvalue())
    with pytest.raises(TableError):
        read_table(b"PK\x03\x04 broken")


def test_missing_columns_and_bad_files_are_refused_with_the_reason(curator, org):
    answer = upload(curator, csv_file(["Namn;Adress", "a;b"]))
    assert answer.status_code == 400
    assert "Filen saknar kolumnerna: Plattform, Enhet, Ansvarig, Syfte, Målgrupp." in (
        answer.content.decode()
    )
    assert upload(curator, csv_file([""])).status_code == 400
    assert upload(curator, csv_file([HEADER]), activity_on="2999-01-01").status_code == 400
    stale = curator.post("/konton/import/", {"confirm": "1"})
    assert stale.status_code == 302


def test_only_those_who_register_accounts_import_and_get_the_template(client, org):
    client.force_login(org.people.chef)
    assert client.get("/konton/import/").status_code == 403
    client.force_login(org.people.kommunikationschef)
    template = client.get("/konton/import/mall.csv")
    assert template.status_code == 200
    text = template.content.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Namn;Plattform;Adress;Användarnamn;Typ;Enhet;Ansvarig;Syfte;Målgrupp;Startdatum;"
        "Senaste aktivitet"
    )
    header, rows = read_table(template.content)
    assert importing.plan(header, rows, today=datetime.date(2026, 12, 1))[0].outcome == "avvisas"


@time_machine.travel(NOW, tick=False)
def test_the_command_shows_the_plan_and_imports_without_input(tmp_path, org, capsys):
    path = tmp_path / "konton.csv"
    path.write_bytes(("\r\n".join([HEADER, *ROWS[:3]])).encode("cp1252"))
    call_command("import_register", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Skapas" in out and "Enheten ”Enhet som inte finns” finns inte" in out
    assert "Inget är sparat." in out and Account.objects.count() == 0
    call_command("import_register", str(path), "--no-input", "--user", "admin")
    assert Account.objects.count() == 2
    assert Account.objects.first().history.get().history_user == org.people.admin
    call_command("import_register", str(path), "--no-input")
    assert "Oförändrad: 2" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_register", str(tmp_path / "saknas.csv"))
