"""Benchmark of the moderation reminder sweep: 100,000 items of which 1,000 are due.

Run from the project directory, against a THROWAWAY PostgreSQL database:

    createdb -h 127.0.0.1 -U postgres kanalkoll_bench_mod
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kanalkoll_bench_mod
    KANALKOLL_DEV=1 .venv/bin/python manage.py migrate -v0
    KANALKOLL_DEV=1 .venv/bin/python bench/moderation_sweep.py   # seed (once) and measure

Seeding writes 100,000 items on 200 accounts (URLs on the host "bench-mod.example") and a
few units and users named "benchmod-…". Seeding is idempotent; a second run reuses the
rows. Items are never deleted by the app, so drop the database to get rid of them.

Everything is placed around a fixed moment NOW (2030-01-15 12:00 UTC) and the sweep runs
with `now=NOW`, so a rerun months later measures the same thing. Of the 100,000 items
70,000 are handled, 29,000 are open with their next reminder in the future, and 1,000
have a reminder stage due: a third at each stage (12 hours left: the handler; the
deadline: handler, the account's substitute and the chef; 24 hours overdue: the
förvaltningskommunikatör). Each open item has its PendingReminder rows for the stages
it has not reached, as the app keeps them (about 88,000). Some responsible people are absent on NOW's date, so routing to
substitutes is exercised when the worker's half runs.

What is measured:
- the sweep: `moderation.jobs.remind_deadlines(NOW)` over the 1,000 due reminders,
  inside a transaction that is rolled back, so every run starts from the same rows (the
  one enqueue per batch happens on commit, so it is not part of the figure). The sweep
  claims the due stages (deletes the pending rows, writes a ReminderBatch); the
  notifications are written by the worker it hands the batch to;
- for information, not part of the sweep: that worker's half on the same rows
  (`jobs.send_unsent`: the unique Reminder rows, recipients with absences and roles,
  the notification rows) and
  rendering the notifications as delivery does (`notifications.rendering`);
- the floor: one raw SQL select of the due rows (the due PendingReminder rows), same run;
- SQL queries of one sweep with 1,000 due reminders and with 100 (900 pushed into the
  future inside the rolled-back transaction): the count must not grow beyond batched
  writes.

With --smtp, also the 48-hour clock end to end: from the 1,000 due stages to the e-mails
accepted by a local SMTP server (aiosmtpd on 127.0.0.1): the sweep's claim, the worker's
half (jobs.send_unsent: Reminder rows, recipients, notifications) and the outbox
(notifications.jobs.deliver_pending: rendering, one SMTP connection per batch), inside a
transaction that is rolled back. The floor sends the same rendered messages over one
SMTP connection; target ≤ 3× the floor, runs interleaved, medians compared.

The report always exits 0; read the PASS/FAIL column.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("SECRET_KEY"):
    os.environ["KANALKOLL_DEV"] = "1"

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import platforms  # noqa: E402
from accounts.models import Account, Kind, Status  # noqa: E402
from accounts.urlkeys import url_key  # noqa: E402
from moderation import jobs  # noqa: E402
from moderation.models import Item, PendingReminder  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.rendering import render_pending  # noqa: E402
from organisation.models import Absence, Role, RoleAssignment, Unit, User  # noqa: E402

NOW = datetime.datetime(2030, 1, 15, 12, 0, tzinfo=datetime.UTC)
TOTAL = 100_000
DUE = 1_000
SMALL_DUE = 100
ACCOUNTS = 200
RESPONSIBLE = 20
HOST = "bench-mod.example"
URL_PREFIX = f"https://{HOST}/"
PREFIX = "benchmod-"
TIME_TARGET = 5.0
# A batch: the DELETE … RETURNING of the due rows (its subquery locks them skip-locked),
# the ReminderBatch INSERT (with its entries in its row), and when the sweep runs on its
# own its transaction's commit; it was six with a savepoint, release and an INSERT of the
# entries, then four with a SELECT and a DELETE. The loop runs until a batch comes back short,
# so n due items take n // BATCH + 1 batches; more due items add batches, nothing else.
QUERIES_PER_BATCH = 6
H = datetime.timedelta(hours=1)


class Rollback(Exception):
    pass


# -- seeding ------------------------------------------------------------------------------


def bench_items():
    return Item.objects.filter(account__url__startswith=URL_PREFIX)


def _user(username, unit, role=None, role_unit=None):
    user, created = User.objects.get_or_create(
        username=f"{PREFIX}{username}",
        defaults={
            "first_name": username.split("-")[0].capitalize(),
            "last_name": "Benchsson",
            "email": f"{username}@{HOST}",
            "unit": unit,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if role:
        RoleAssignment.objects.get_or_create(user=user, role=role, unit=role_unit or unit)
    return user


def seed():
    """Make sure the bench rows exist; returns how many bench items there are."""
    existing = bench_items().count()
    if existing >= TOTAL:
        return existing
    kommun = Unit.objects.kommun() or Unit.objects.create(
        name="Benchby kommun", kind=Unit.Kind.KOMMUN, website=f"https://{HOST}/kommun"
    )
    forv, _ = Unit.objects.get_or_create(
        name=f"{PREFIX}förvaltning", defaults={"kind": Unit.Kind.FORVALTNING, "parent": kommun}
    )
    units = []
    for n in range(1, 5):
        unit, _ = Unit.objects.get_or_create(
            name=f"{PREFIX}enhet {n}", defaults={"kind": Unit.Kind.ENHET, "parent": forv}
        )
        units.append(unit)
        _user(f"chef-{n}", unit, Role.CHEF)
    _user("kommunikator-1", forv, Role.KOMMUNIKATOR)
    substitute = _user("ersattare-1", units[0], Role.MEDARBETARE)
    people = [_user(f"ansvarig-{n}", units[n % 4], Role.MEDARBETARE) for n in range(RESPONSIBLE)]
    for person in people[:3]:  # away on NOW's date: their items go to the substitute
        Absence.objects.get_or_create(
            user=person,
            starts_on=timezone.localdate(NOW) - datetime.timedelta(days=3),
            ends_on=timezone.localdate(NOW) + datetime.timedelta(days=3),
            defaults={"substitute": substitute, "created_at": NOW},
        )

    have = set(Account.objects.filter(url__startswith=URL_PREFIX).values_list("url", flat=True))
    new = []
    for n in range(ACCOUNTS):
        url = f"{URL_PREFIX}konto/{n:04d}"
        if url not in have:
            new.append(
                Account(
                    platform=platforms.FACEBOOK_PAGE,
                    display_name=f"Benchkonto {n:04d}",
                    url=url,
                    url_key=url_key(url),
                    kind=Kind.SERVICE,
                    unit=units[n % 4],
                    responsible=people[n % RESPONSIBLE],
                    substitute=substitute,
                    purpose="Informera och svara på frågor.",
                    audience="Invånare",
                    status=Status.ACTIVE,
                    gp_states_official=True,
                    gp_links_website=True,
                    gp_contact_phone=True,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    Account.objects.bulk_create(new)
    accounts = list(
        Account.objects.filter(url__startswith=URL_PREFIX)
        .order_by("url")
        .values_list("pk", "responsible_id")
    )

    # One INSERT … SELECT: item i on account i % 200. The last 1,000 are due, a third
    # at each stage; the 70,000 before them are handled, the rest open and not yet due.
    handled, due_from = 70_000, TOTAL - DUE
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_accounts (n int, account_id int, responsible_id int)")
        cur.executemany(
            "INSERT INTO bench_accounts VALUES (%s, %s, %s)",
            [(n, pk, resp) for n, (pk, resp) in enumerate(accounts)],
        )
        cur.execute(
            """
            INSERT INTO moderation_item (
                account_id, kind, post_url, author, text, posted_at, noticed_at, due_at,
                assignee_id, created_by_id, created_at, source, external_id, resolved_at,
                outcome, removal_reason, bbs_obliged, removed_at, diarienummer,
                forwarded_to, crime_flagged)
            SELECT a.account_id, 'fraga', '', 'Bench', 'Benchfråga ' || i, NULL,
                   t.due - interval '48 hours', t.due, a.responsible_id, NULL,
                   t.due - interval '48 hours', '', '',
                   CASE WHEN i < %(handled)s THEN t.due - interval '20 hours' END,
                   CASE WHEN i < %(handled)s THEN 'besvarad' ELSE '' END,
                   '', false, NULL, '', '', false
            FROM generate_series(%(start)s, %(total)s - 1) AS i
            JOIN bench_accounts a ON a.n = i %% %(accounts)s
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN i < %(handled)s THEN %(now)s - (i %% 180) * interval '1 day'
                    WHEN i < %(due_from)s THEN %(now)s + interval '13 hours'
                         + (i %% 1000) * interval '1 hour'
                    WHEN i %% 3 = 0 THEN %(now)s + interval '6 hours'
                    WHEN i %% 3 = 1 THEN %(now)s - interval '1 hour'
                    ELSE %(now)s - interval '25 hours'
                END AS due
            ) t
            """,
            {
                "start": existing,
                "total": TOTAL,
                "handled": handled,
                "due_from": due_from,
                "accounts": len(accounts),
                "now": NOW,
            },
        )
        cur.execute("DROP TABLE bench_accounts")
        # The pending reminder stages of the open items, as the app keeps them: from the
        # last stage reached (the one due now) on; the stages before it were sent.
        cur.execute(
            """
            INSERT INTO moderation_pendingreminder (item_id, stage, due_at)
            SELECT i.id, s.stage, s.at
            FROM moderation_item i
            JOIN accounts_account a ON a.id = i.account_id AND a.url LIKE %(prefix)s
            CROSS JOIN LATERAL (
                SELECT n AS stage,
                       i.due_at + (n - 2) * interval '12 hours'
                           + CASE WHEN n = 3 THEN interval '12 hours' ELSE interval '0' END AS at,
                       n < 3 AND i.due_at + (n - 1) * interval '12 hours'
                           + CASE WHEN n = 2 THEN interval '12 hours' ELSE interval '0' END
                           <= %(now)s AS passed
                FROM generate_series(1, 3) AS n
            ) s
            WHERE i.resolved_at IS NULL AND NOT s.passed
              AND NOT EXISTS (SELECT 1 FROM moderation_pendingreminder r WHERE r.item_id = i.id)
            """,
            {"prefix": URL_PREFIX + "%", "now": NOW},
        )
    return bench_items().count()


def refresh_statistics():
    with connection.cursor() as cur:
        for table in (
            "moderation_item",
            "moderation_pendingreminder",
            "moderation_reminderbatch",
            "notifications_notification",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")


# -- measuring ---------------------------------------------------------------------------

FLOOR_SQL = """
SELECT id, item_id, stage, due_at
FROM moderation_pendingreminder
WHERE due_at <= %s
ORDER BY due_at
"""


def floor_once():
    with connection.cursor() as cur:
        cur.execute(FLOOR_SQL, [NOW])
        rows = cur.fetchall()
    assert len(rows) == DUE, f"floor fetched {len(rows)} rows, expected {DUE}"
    return rows


def due_reminders():
    return PendingReminder.objects.filter(due_at__lte=NOW)


def leave_due(count):
    """Inside the caller's transaction: push all but `count` due reminders into the future."""
    keep = list(due_reminders().order_by("due_at", "id").values_list("pk", flat=True)[:count])
    due_reminders().exclude(pk__in=keep).update(due_at=NOW + datetime.timedelta(days=30))


def sweep_once(due=DUE, capture=False, worker=False):
    """One sweep in a transaction that is rolled back: (seconds, reminders claimed,
    queries), and with `worker` the seconds and counts of the worker's half afterwards:
    writing the notifications of the claimed reminders and rendering them."""
    result = {}
    try:
        with transaction.atomic():
            if due != DUE:
                leave_due(due)
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                result["claimed"] = jobs.remind_deadlines(NOW)
                result["seconds"] = time.perf_counter() - t0
            result["queries"] = len(ctx.captured_queries) if capture else None
            if worker:
                t0 = time.perf_counter()
                result["sent"] = jobs.send_unsent(NOW)
                result["send_seconds"] = time.perf_counter() - t0
                t0 = time.perf_counter()
                result["rendered"] = render_pending(
                    Notification.objects.filter(rendered_at__isnull=True).select_related(
                        "recipient"
                    ),
                    NOW,
                )
                result["render_seconds"] = time.perf_counter() - t0
            raise Rollback
    except Rollback:
        pass
    return result


class StatementTimes:
    """Per statement of the sweep, in the order run: its wall time as the database
    cursor saw it (sending, the server, fetching), so that the sweep's time splits into
    its statements and the Python around them."""

    def __init__(self):
        self.runs = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.runs[-1].append((sql.split(None, 1)[0], (time.perf_counter() - t0) * 1000))

    def sweep(self):
        self.runs.append([])
        with connection.execute_wrapper(self):
            return sweep_once()

    def medians(self):
        """[(verb, median ms)] per statement position (the sweep runs the same ones)."""
        width = min(len(run) for run in self.runs)
        return [
            (self.runs[0][i][0], statistics.median(run[i][1] for run in self.runs))
            for i in range(width)
        ]


def timed_ms(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


# -- end to end: due stages to e-mails accepted by an SMTP server -----------------------

E2E_TARGET = 3.0


class SmtpSink:
    """A local SMTP server (aiosmtpd) that accepts every message and counts them."""

    def __init__(self):
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.accepted = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 OK"

    def __enter__(self):
        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's, per command
        self.controller.start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", self.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def end_to_end_once(sink):
    """Due stages → accepted e-mails, rolled back: (seconds, e-mails, the messages as
    sent, for the floor)."""
    from notifications.jobs import _message, deliver_pending, sender

    out = {}
    try:
        with transaction.atomic():
            before = sink.accepted
            t0 = time.perf_counter()
            jobs.remind_deadlines(NOW)
            jobs.send_unsent(NOW)
            deliver_pending(NOW)
            out["seconds"] = time.perf_counter() - t0
            out["mails"] = sink.accepted - before
            sent = Notification.objects.filter(sent_at=NOW).select_related("recipient")
            out["notifications"] = sent.count()
            from_email = sender()
            out["messages"] = [_message(n, None, from_email) for n in sent.order_by("pk")]
            raise Rollback
    except Rollback:
        pass
    return out


def smtp_floor_once(messages):
    """The same rendered messages over one SMTP connection."""
    from django.core.mail import get_connection

    t0 = time.perf_counter()
    with get_connection() as connection:
        sent = connection.send_messages(messages)
    assert sent == len(messages), (sent, len(messages))
    return time.perf_counter() - t0


def end_to_end(runs):
    with SmtpSink() as sink:
        first = end_to_end_once(sink)
        messages = first["messages"]
        e2e, floor = [], []
        for _ in range(runs):
            e2e.append(end_to_end_once(sink)["seconds"] * 1000)
            floor.append(smtp_floor_once(messages) * 1000)
    e2e_ms, floor_ms = statistics.median(e2e), statistics.median(floor)
    ratio = e2e_ms / floor_ms
    ok = ratio <= E2E_TARGET and first["mails"] == first["notifications"] == len(messages)
    print(
        f"end to end: {DUE} due stages → {first['notifications']} notifications → "
        f"{first['mails']} e-mails accepted by aiosmtpd on 127.0.0.1"
    )
    print(f"  sweep + worker + outbox: median {e2e_ms:.0f} ms of {runs} runs")
    print(f"  floor, the same {len(messages)} messages over one SMTP connection: {floor_ms:.0f} ms")
    print(f"  ratio: {ratio:.1f}× the floor, target ≤ {E2E_TARGET:g}×   {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed sweeps (15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed sweeps first (2)")
    parser.add_argument("--smtp", action="store_true", help="also end to end over SMTP")
    parser.add_argument("--smtp-runs", type=int, default=3, help="end-to-end runs (3)")
    parser.add_argument("--only-smtp", action="store_true", help="only end to end over SMTP")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL (skip-locked row claims); set DATABASE_URL.")
        return 0
    print(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    t0 = time.perf_counter()
    n = seed()
    refresh_statistics()
    due = due_reminders().count()
    print(
        f"Bench items: {n}, due at {NOW:%Y-%m-%d %H:%M} UTC: {due} "
        f"(ready in {time.perf_counter() - t0:.1f} s)\n"
    )

    reverse("moderation:list")  # load the URLconf, which the first sweep would otherwise pay
    e2e_ok = True
    if args.smtp or args.only_smtp:
        e2e_ok = end_to_end(args.smtp_runs)
        print()
        if args.only_smtp:
            print("ALL TARGETS MET" if e2e_ok else "1 TARGET(S) FAILED")
            return 0
    small = sweep_once(SMALL_DUE, capture=True)
    full = sweep_once(DUE, capture=True)
    # Sweep without query capture (debug cursor off), for the time.
    settings.DEBUG = False
    # Sweeps and floors interleaved (three floors after each sweep), so that both meet
    # the table in the same state: every rolled-back sweep leaves its deletes behind for
    # the next reader to skip.
    for _ in range(args.warmup):
        sweep_once()
        floor_once()
    sweeps, floors = [], []
    for _ in range(args.runs):
        sweeps.append(sweep_once()["seconds"] * 1000)
        floors.extend(timed_ms(floor_once) for _ in range(3))
    sweep_ms, floor_ms = statistics.median(sweeps), statistics.median(floors)
    # Where the sweep's time goes: the same sweep again, each statement timed (not in the
    # median above: the wrapper adds a little per statement).
    statement_times = StatementTimes()
    for _ in range(max(3, args.runs // 3)):
        statement_times.sweep()
    parts = statement_times.medians()
    worker = sweep_once(worker=True)

    ratio = sweep_ms / floor_ms
    extra_batches = DUE // jobs.BATCH - SMALL_DUE // jobs.BATCH
    q_ok = full["queries"] - small["queries"] <= QUERIES_PER_BATCH * extra_batches
    t_ok = ratio <= TIME_TARGET
    print(
        f"reminders claimed per sweep: {small['claimed']} (100 due) / {full['claimed']} (1,000 due)"
    )
    print(
        f"queries per sweep: {small['queries']} with {SMALL_DUE} due → "
        f"{full['queries']} with {DUE} due   {'PASS' if q_ok else 'FAIL'} "
        f"(may grow by ≤ {QUERIES_PER_BATCH} per extra batch of {jobs.BATCH})"
    )
    print(f"sweep: median {sweep_ms:.1f} ms of {args.runs} runs after {args.warmup} warm-up")
    print(
        f"floor: median {floor_ms:.2f} ms of {len(floors)} runs (one raw SELECT of the {DUE} "
        "due rows)"
    )
    print(
        f"not in the sweep, the worker's half (one run): {worker['sent']} reminders become "
        f"{worker['rendered']} notifications in {worker['send_seconds'] * 1000:.0f} ms, "
        f"rendered in {worker['render_seconds'] * 1000:.0f} ms"
    )
    print(
        f"ratio: {ratio:.1f}× the floor, target ≤ {TIME_TARGET:g}×   {'PASS' if t_ok else 'FAIL'}"
    )
    in_sql = sum(ms for _verb, ms in parts)
    print(
        "the sweep's statements, medians of "
        f"{len(statement_times.runs)} more sweeps (ms, × the floor): "
        + ", ".join(f"{verb} {ms:.2f} ({ms / floor_ms:.1f}×)" for verb, ms in parts)
        + f"; together {in_sql:.1f} ms = {in_sql / floor_ms:.1f}× the floor"
    )
    print()
    failed = (not q_ok) + (not t_ok) + ((args.smtp or False) and not e2e_ok)
    print("ALL TARGETS MET" if not failed else f"{failed} TARGET(S) FAILED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
