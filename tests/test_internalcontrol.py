"""The yearly internal-control pack: a known year seeded row by row, every figure of
the pack equal to a direct count over those rows (and to the rows page behind it), the
kommun's thresholds deciding the lights, and the PDF/A the worker makes."""

import csv
import datetime
import hashlib
import io
import subprocess
from zoneinfo import ZoneInfo

import pikepdf
import pytest
import time_machine
from django.db import transaction

from accounts.models import Attestation, Status
from accounts.services import confirm_account
from activityplans.models import State as PlanState
from archive.models import Snapshot
from archive.models import State as SnapshotState
from core.records import RecordsAreKept
from dataprotection.models import Assessment
from internalcontrol import figures, services
from internalcontrol.models import Pack
from internalcontrol.rows import rows as figure_rows
from moderation.models import CheckIn, Item, Kind, Outcome, PreservedCopy

from .factories import AccountFactory, make_plan
from .test_plan_pdf import fonts_of

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime.datetime(2026, 2, 1, 12, 0, tzinfo=TZ)


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


H = datetime.timedelta(hours=1)


@pytest.fixture
def year_2025(org, colleague):
    """Three accounts in 2025 (a fourth registered in 2026 is outside the year):
    a1 Biblioteket, Instagram, registered 2024 by a plan that was fastställd;
    a2 Biblioteket, Facebook, registered 2025-07-01, one administrator;
    a3 Skolan, YouTube, closed 2025-03-31."""
    p = org.people
    with time_machine.travel(at(2024, 6, 3, 10), tick=False):
        plan = make_plan(
            p.medarbetare, colleague, state=PlanState.ESTABLISHED, now=at(2024, 6, 3, 10)
        )
    a1 = plan.account
    a2 = AccountFactory(
        unit=org.bibliotek,
        responsible=p.medarbetare,
        platform="facebook_sida",
        created_at=at(2025, 7, 1, 9),
    )
    a2.administrators.set([p.medarbetare])
    a3 = AccountFactory(
        unit=org.skolan,
        responsible=p.outsider,
        platform="youtube",
        created_at=at(2024, 1, 10, 9),
        status=Status.CLOSED,
        closed_on=datetime.date(2025, 3, 31),
    )
    AccountFactory(
        unit=org.skolan, responsible=p.outsider, platform="tiktok", created_at=at(2026, 1, 10, 9)
    )

    # Tillsyn: a1 in three weeks (twice in one), a2 in one; one in 2024 does not count.
    for when in (at(2025, 1, 7, 9), at(2025, 1, 8, 9), at(2025, 3, 4, 9), at(2025, 9, 2, 9)):
        CheckIn.objects.create(account=a1, user=p.medarbetare, at=when)
    CheckIn.objects.create(account=a2, user=p.medarbetare, at=at(2025, 8, 5, 9))
    CheckIn.objects.create(account=a1, user=p.medarbetare, at=at(2024, 12, 2, 9))

    def item(account, kind, noticed, handled=None, **fields):
        return Item.objects.create(
            account=account,
            kind=kind,
            noticed_at=noticed,
            due_at=noticed + 48 * H,
            assignee=p.medarbetare,
            created_at=noticed,
            resolved_at=handled,
            **fields,
        )

    # Questions: answered after 1, 2, 3, 4 and 50 hours in March; one still open.
    for n, spent in enumerate((1, 2, 3, 4, 50)):
        noticed = at(2025, 3, 10 + n, 9)
        item(a1, Kind.QUESTION, noticed, noticed + spent * H, outcome=Outcome.ANSWERED)
    item(a1, Kind.QUESTION, at(2025, 12, 30, 9))
    item(a1, Kind.QUESTION, at(2024, 12, 1, 9), at(2024, 12, 1, 10), outcome=Outcome.ANSWERED)
    # Removals in May after 10 and 60 hours; the first with its copy preserved.
    removals = []
    for n, spent in enumerate((10, 60)):
        noticed = at(2025, 5, 5 + n, 9)
        removals.append(
            item(
                a2,
                Kind.INAPPROPRIATE,
                noticed,
                noticed + spent * H,
                outcome=Outcome.REMOVED,
                removed_at=noticed + spent * H,
                removal_reason="personangrepp",
            )
        )
    PreservedCopy.objects.create(
        item=removals[0], text="Kopia", created_at=removals[0].noticed_at, created_by=p.medarbetare
    )

    # Snapshots due in 2025: a1's 2024-H2 on time and 2025-H1 late, a3's 2024-H2 missing.
    def snapshot(account, key, due, sealed):
        return Snapshot.objects.create(
            account=account,
            period_key=key,
            due_at=due,
            created_at=due,
            state=SnapshotState.SEALED if sealed else SnapshotState.DUE,
            sealed_at=sealed,
        )

    snapshot(a1, "2024-H2", at(2025, 1, 8, 0), at(2025, 1, 3, 9))
    snapshot(a1, "2025-H1", at(2025, 7, 8, 0), at(2025, 7, 10, 9))
    snapshot(a3, "2024-H2", at(2025, 1, 8, 0), None)
    snapshot(a2, "2025-H2", at(2026, 1, 8, 0), None)  # due in 2026

    # The register: a1's entry confirmed in April 2025 and again in January 2026 (the
    # later confirmation must not hide 2025's); a2 registered in 2025 by the factory, not
    # by accounts.services, so never confirmed: its attestation is no confirmation.
    def anyone(actor, account):
        return True

    for when in (at(2025, 4, 1, 9), at(2026, 1, 15, 9)):
        confirm_account(p.medarbetare, a1.pk, now=when, may_confirm=anyone)
    Attestation.objects.create(
        account=a2, kind="aktivitet", user=p.medarbetare, at=at(2025, 9, 1, 9)
    )
    # Facebook's assessment was to be reviewed by 2025-06-01.
    with transaction.atomic():
        Assessment.objects.filter(platform="facebook_sida").service_update(
            review_on=datetime.date(2025, 6, 1)
        )
    return a1, a2, a3


EXPECTED = {
    "plan": (1, 3),  # a1
    "evaluation": (0, 1),  # a1's evaluation was due 2025-06-03 and never came
    "checkins": (4, 53 + 27 + 14),  # a1 all year, a2 from week 27, a3 until 31 March
    "questions": (4, 6),
    "removals": (1, 2),
    "preserved": (1, 2),
    "snapshots": (1, 3),
    "administrators": (1, 2),  # a2 has one administrator
    "register": (1, 2),  # a1, confirmed 2025-04-01 (a2 attested, never confirmed)
    "dataprotection": (1, 2),  # Facebook's review date passed
}


def test_every_figure_of_a_known_year_is_a_direct_count_over_the_rows(client, org, year_2025):
    a1, a2, a3 = year_2025
    with time_machine.travel(NOW, tick=False):
        data = figures.compute(2025, now=NOW)
        got = {q["key"]: (q["numerator"], q["denominator"]) for q in data["questions"]}
        assert got == EXPECTED
        # The rows one click away give the same counts.
        for key, (numerator, denominator) in EXPECTED.items():
            _headings, rows = figure_rows(key, 2025, now=NOW)
            if key == "checkins":  # one row per account, with its weeks
                counted = (sum(r["cells"][2] for r in rows), sum(r["cells"][1] for r in rows))
            else:
                counted = (sum(1 for r in rows if r["ok"]), len(rows))
            assert counted == (numerator, denominator), key
        # Confirmed in 2025, read directly from the history: a1 only.
        confirmed = {
            v.id
            for v in a1.history.model.objects.filter(confirmed_on__year=2025)
            if v.id in (a1.pk, a2.pk)
        }
        assert confirmed == {a1.pk}
        assert {r["url"] for r in figure_rows("register", 2025, now=NOW)[1] if r["ok"]} == {
            f"/konton/{a1.pk}/"
        }

        assert data["times"]["questions"] == {"count": 5, "median": 3.0, "p90": 31.6}
        assert data["times"]["removals"] == {"count": 2, "median": 35.0, "p90": 55.0}
        march, may = data["months"][2], data["months"][4]
        assert (march["count"], march["in_time"], march["share"], march["median"]) == (
            5,
            4,
            80.0,
            3.0,
        )
        assert (may["count"], may["in_time"], may["median"]) == (2, 1, 35.0)
        assert sum(m["count"] for m in data["months"]) == 7
        assert data["periods"] == [
            {"key": "2024-H2", "due": 2, "delivered": 1, "late": 1},
            {"key": "2025-H1", "due": 1, "delivered": 1, "late": 1},
        ]
        assert data["checkins"] == {"total": 5, "weeks": 53}

        # Per förvaltning: Kultur holds a1 and a2, Utbildning a3.
        kultur = figures.compute(2025, now=NOW, forvaltning=org.kultur)
        utbildning = figures.compute(2025, now=NOW, forvaltning=org.utbildning)
        for key, (numerator, denominator) in EXPECTED.items():
            parts = [
                next(q for q in d["questions"] if q["key"] == key) for d in (kultur, utbildning)
            ]
            assert sum(q["denominator"] for q in parts) == denominator, key
            assert sum(q["numerator"] for q in parts) == numerator, key

        # The lights follow the kommun's thresholds (defaults until it sets its own).
        lights = {q["key"]: q["light"] for q in data["questions"]}
        assert lights["dataprotection"] == "rod" and lights["evaluation"] == "rod"
        client.force_login(org.people.kommunikationschef)
        form = {}
        for question in figures.QUESTIONS:
            form |= {f"green_{question.key}": "50", f"yellow_{question.key}": "30"}
        response = client.post("/konton/efterlevnad/arsrapport/troskelvarden/", form)
        assert response.status_code == 302
        lights = {q["key"]: q["light"] for q in figures.compute(2025, now=NOW)["questions"]}
        assert lights["dataprotection"] == "gron" and lights["plan"] == "gul"
        assert lights["evaluation"] == "rod"
        bad = form | {"green_plan": "20", "yellow_plan": "40"}
        assert client.post("/konton/efterlevnad/arsrapport/troskelvarden/", bad).status_code == 400

        # The page, the rows page and the CSV say the same.
        page = client.get("/konton/efterlevnad/arsrapport/2025/").content.decode()
        assert "1 av 3" in page and "4 av 6" in page and "<svg" in page
        rows_page = client.get("/konton/efterlevnad/arsrapport/2025/removals/").content.decode()
        assert "Personangrepp" in rows_page and "1 av 2 rader" in rows_page
        body = client.get("/konton/efterlevnad/arsrapport/2025.csv").content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(body)))
        kommun_rows = {r[2]: (int(r[3]), int(r[4])) for r in table[1:] if r and r[0] == "fråga"}
        labels = {str(q.label): q.key for q in figures.QUESTIONS}
        assert {labels[label]: counts for label, counts in kommun_rows.items()} == EXPECTED
        assert sum(1 for r in table if r and r[0] == "förvaltning") == 2 * len(figures.QUESTIONS)


def test_the_worker_makes_the_pack_as_pdf_a_with_its_charts_and_keeps_it(
    client, org, year_2025, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        client.force_login(org.people.dataskyddsombud)
        assert client.get("/konton/efterlevnad/arsrapport/2025.pdf").status_code == 404
        assert client.post("/konton/efterlevnad/arsrapport/2025/bestall/").status_code == 302
        pack = Pack.objects.get()
        assert pack.state == Pack.State.QUEUED
        page = client.get("/konton/efterlevnad/arsrapport/2025/").content.decode()
        assert 'role="progressbar"' in page
        made = services.generate(pack.pk, now=NOW)  # what the pdf worker runs
        assert services.generate(pack.pk, now=NOW) is None  # taken once
        assert (made.state, made.progress, made.total) == (Pack.State.DONE, 4, 4)
        assert made.figures["kommun"]["questions"][0]["numerator"] == 1
        response = client.get("/konton/efterlevnad/arsrapport/2025.pdf")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == made.pdf_sha256
    with pikepdf.open(io.BytesIO(body)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert "Internkontroll av sociala medier 2025" in str(meta.get("dc:title", ""))
        assert "/OutputIntents" in pdf.Root
        for font in fonts_of(pdf):
            if font.get("/Subtype") == "/Type0":
                continue
            descriptor = font.get("/FontDescriptor")
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    for words in (
        "1 av 3",
        "4 av 6",
        "Ljus per förvaltning",
        "Kultur- och fritidsförvaltningen",
        "Röd",
        "2024-H2",
    ):
        assert words in flat, words
    # The charts are drawn: the pages rendered as pictures have the bars' colours.
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-", str(out)], input=body, check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert pngs
    from PIL import Image

    pixels = {}
    for png in pngs:
        for count, colour in Image.open(png).convert("RGB").getcolors(1 << 20):
            pixels[colour] = pixels.get(colour, 0) + count
    # Far more than the legend's swatches: the bars of the median and of the share.
    assert pixels.get((0x0B, 0x53, 0x94), 0) > 300 and pixels.get((0x1E, 0x7B, 0x34), 0) > 300
    with pytest.raises(RecordsAreKept):
        made.delete()  # kept as a record


def test_the_pack_is_made_on_the_pdf_queue():
    from django.conf import settings

    from config.celery import app

    assert settings.CELERY_TASK_ROUTES["internalcontrol.tasks.*"] == {"queue": "pdf"}
    # The same queue as the archive's PDFs (a queue of the test run's own under Redis).
    pdf = app.amqp.router.route({}, "archive.tasks.build_package")["queue"].name
    assert pdf.endswith("pdf")
    for task in ("internalcontrol.tasks.generate_pack", "internalcontrol.tasks.generate_queued"):
        assert app.amqp.router.route({}, task)["queue"].name == pdf
