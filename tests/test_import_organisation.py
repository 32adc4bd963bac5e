"""Importing the organisation (units and chefs) from the kommun's spreadsheet
(organisation.importing): the plan row by row, the import when confirmed, the chefs'
role changes in their history, a second import changing nothing; in the browser's
pages and with `manage.py import_organisation`."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from organisation.models import PersonEvent, Role, RoleAssignment, Unit, chef_of_unit

HEADER = "Enhet;Ingår i;Typ;Funktionsadress;Chef"
LINES = [
    "Samhällsbyggnadsförvaltningen;;Förvaltning;sbf@testby.example;",
    "Gatuenheten;Samhällsbyggnadsförvaltningen;Enhet;;outsider",
    "Parkenheten;Gatuenheten;;;",
    "Biblioteket;Kultur- och fritidsförvaltningen;Enhet;bibliotek@testby.example;medarbetare",
    "Okänd;Finns inte;;;",
    "Fel chef;Samhällsbyggnadsförvaltningen;;;nils",
    "Fel typ;;Enhet;;",
]


def file_of(lines, name="organisation.csv"):
    return SimpleUploadedFile(name, "\r\n".join(lines).encode("cp1252"), "text/csv")


@pytest.fixture
def curator(client, org):
    client.force_login(org.people.kommunikationsavdelningen)
    return client


def outcomes(rows):
    return [(row.line, row.outcome) for row in rows]


def test_the_plan_then_the_import_then_nothing_more(curator, org):
    answer = curator.post("/organisation/import/", {"file": file_of([HEADER, *LINES])})
    assert answer.status_code == 200
    rows = answer.context["rows"]
    assert outcomes(rows) == [
        (2, "skapas"),
        (3, "skapas"),
        (4, "skapas"),
        (5, "uppdateras"),
        (6, "avvisas"),
        (7, "avvisas"),
        (8, "avvisas"),
    ]
    assert rows[3].changes == ["funktionsadress", "chef"]
    assert "varken i Kanalkoll eller tidigare i filen" in rows[4].reason
    assert rows[5].reason == "Personen ”nils” finns inte i Kanalkoll (eller har slutat)."
    assert "stämmer inte" in rows[6].reason
    assert not Unit.objects.filter(name="Gatuenheten").exists()  # nothing saved yet

    confirmed = curator.post("/organisation/import/", {"confirm": "1"})
    assert confirmed.status_code == 302
    done = curator.get(confirmed["Location"])  # the result, shown once after the redirect
    assert done.context["done"] and outcomes(done.context["rows"])[:4] == [
        (2, "skapas"),
        (3, "skapas"),
        (4, "skapas"),
        (5, "uppdateras"),
    ]
    assert not curator.get(confirmed["Location"]).context.get("done")
    sbf = Unit.objects.get(name="Samhällsbyggnadsförvaltningen")
    gata = Unit.objects.get(name="Gatuenheten")
    park = Unit.objects.get(name="Parkenheten")
    assert (sbf.kind, sbf.parent, sbf.contact_email) == (
        Unit.Kind.FORVALTNING,
        org.kommun,
        "sbf@testby.example",
    )
    assert (gata.parent, park.parent, park.forvaltning) == (sbf, gata, sbf)
    assert chef_of_unit(park) == org.people.outsider
    # Biblioteket's chef is replaced, and both changes are in the people's history.
    assert chef_of_unit(org.bibliotek) == org.people.medarbetare
    assert not RoleAssignment.objects.filter(user=org.people.chef, role=Role.CHEF).exists()
    removed = PersonEvent.objects.get(person=org.people.chef)
    assert removed.action == PersonEvent.Action.ROLE_REMOVED
    assert removed.comment == "import av organisationen: organisation.csv"

    events = PersonEvent.objects.count()
    again = curator.post("/organisation/import/", {"file": file_of([HEADER, *LINES[:4]])})
    assert outcomes(again.context["rows"]) == [(n, "oförändrad") for n in (2, 3, 4, 5)]
    assert PersonEvent.objects.count() == events


def test_only_the_curators_and_the_systemadministrator_import_the_organisation(client, org):
    client.force_login(org.people.chef)
    assert client.get("/organisation/import/").status_code == 403
    client.force_login(org.people.admin)
    assert client.get("/organisation/import/").status_code == 200
    template = client.get("/organisation/import/mall.csv").content.decode("utf-8-sig")
    assert template.splitlines()[0] == "Enhet;Ingår i;Typ;Funktionsadress;Chef"


def test_the_command_plans_and_imports(tmp_path, org, capsys):
    path = tmp_path / "org.csv"
    path.write_bytes(("\r\n".join([HEADER, *LINES[:3]])).encode("utf-8"))
    call_command("import_organisation", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Skapas: 3" in out and not Unit.objects.filter(name="Gatuenheten").exists()
    call_command("import_organisation", str(path), "--no-input", "--user", "admin")
    assert Unit.objects.get(name="Parkenheten").parent.name == "Gatuenheten"
    event = PersonEvent.objects.get(person=org.people.outsider)
    assert event.actor == org.people.admin and event.action == PersonEvent.Action.ROLE_GRANTED
