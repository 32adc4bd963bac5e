"""Benchmark of the internal pages: every page as every demo role, small kommun vs large.

Run from the project directory (PostgreSQL; it creates and drops its own databases):

    .venv/bin/python bench/pages.py                  # seed both sizes, measure, drop them
    .venv/bin/python bench/pages.py --keep           # keep the seeded databases for next time
    .venv/bin/python bench/pages.py --scale 0.25     # a quarter of the full size
    .venv/bin/python bench/pages.py --only att-gora  # pages whose label contains a word

DATABASE_URL names the server (and the user); the databases are `<name>_pages_small`
and `<name>_pages_large`, next to it. The large kommun has, at --scale 1, about 10,000
accounts, 2,000 people, 20,000 plans, 200,000 moderation items, 40,000 snapshots and
300,000 notifications (and one account with 400 history records); the small one a
hundredth of each. Both have the demo organisation, its people and its accounts on top
(organisation/accounts/activityplans/moderation/archive demo seeders), so every demo role
signs in as in the demo. With --keep the databases stay and a later run with the same
--scale reuses them (seeding is what takes most of the time), migrated first.

Each size is measured in its own child process with production settings (DEBUG off, a
SECRET_KEY, no KANALKOLL_DEV), signed in with force_login through django.test.Client.
Per page × role: the number of SQL queries of one request (CaptureQueriesContext) and
the median wall time of --runs requests after --warmup. Both children run side by side
and the parent interleaves their requests one by one (small, large; large, small; …), so
that the load of a shared machine falls on both sizes alike. A page a role may not open
(403/404/302) is shown with its status and not judged.

Targets: queries at large − queries at small ≤ 2, median time at large ≤ 3 × small (with
a floor of 25 ms for the small time, so that a 4 ms page at 13 ms does not count as a
failure of scale). The report always exits 0; read the PASS/FAIL column.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

QUERY_SLACK = 2
TIME_TARGET = 3.0
TIME_FLOOR_MS = 25.0
SMALL_FRACTION = 0.01

# The full size ("large" at --scale 1).
SIZES = {
    "accounts": 10_000,
    "people": 2_000,
    "plans": 20_000,
    "items": 200_000,
    "snapshots": 40_000,
    "notifications": 300_000,
}
ITEM_HOURS = 8000  # the moderation items are noticed over the 8,000 hours before the seed
HISTORY = 400  # history records of the one account with a long history (both sizes)
ROLES = [
    "medarbetare",
    "chef",
    "kommunikator",
    "kommunikationschef",
    "kommunikationsavdelningen",
    "arkivarie",
    "admin",
]
PREFIX = "benchp-"
HOST = "bench-pages.example"


def database_names(base_url):
    url = urlsplit(base_url)
    base = url.path.lstrip("/") or "kanalkoll"
    return {size: f"{base}_pages_{size}" for size in ("small", "large")}


def with_database(base_url, name):
    url = urlsplit(base_url)
    return urlunsplit(url._replace(path="/" + name))


def admin_connection(base_url):
    import psycopg2

    url = urlsplit(base_url)
    conn = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, password=url.password,
        dbname="postgres",
    )  # fmt: skip
    conn.autocommit = True
    return conn


def database_exists(base_url, name):
    conn = admin_connection(base_url)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cur.fetchone() is not None
    conn.close()
    return found


def drop_database(base_url, name):
    conn = admin_connection(base_url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def create_database(base_url, name):
    conn = admin_connection(base_url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


# -- the child: seed and measure one size -------------------------------------------------


def child_environment(database_url):
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-secret",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "KANALKOLL_ENV_FILE": "/dev/null",
        }
    )
    env.pop("KANALKOLL_DEV", None)
    static_root = Path(env.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
    if not (static_root / "staticfiles.json").exists():
        env["STATICFILES_STORAGE"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    return env


def setup_django():
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def sized(fraction):
    return {name: max(1, round(count * fraction)) for name, count in SIZES.items()}


def seed(sizes, say):
    """The demo kommun, then the bench rows on top of it, by bulk_create."""
    import logging
    import random

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts import platforms
    from accounts.models import Account, Kind, Status
    from accounts.urlkeys import url_key
    from activityplans.models import Evaluation, Plan, State
    from archive.models import Reason, Snapshot
    from archive.models import State as SnapshotState
    from core import registry
    from moderation.models import Item, Outcome
    from moderation.models import Kind as ItemKind
    from notifications.models import Notification
    from organisation.models import Absence, Role, RoleAssignment, Unit, User

    rng = random.Random(15)
    now = timezone.now()  # the bench's one clock reading: the demo and the rows are "now"
    today = timezone.localdate(now)
    t0 = time.perf_counter()
    logging.disable(logging.ERROR)  # the demo's PDFs complain about the static host
    for demo_seed in registry.demo_seeders:
        demo_seed(now=now)
    logging.disable(logging.NOTSET)
    say(f"  demo kommun seeded ({time.perf_counter() - t0:.0f} s)")

    with transaction.atomic():
        demo = {u.username: u for u in User.objects.filter(username__in=ROLES)}
        forvaltningar = list(Unit.objects.filter(kind=Unit.Kind.FORVALTNING).order_by("pk"))
        n_units = max(2, sizes["people"] // 20)
        for n in range(n_units):
            Unit.objects.create(
                name=f"{PREFIX}enhet {n}", kind=Unit.Kind.ENHET, parent=forvaltningar[n % 5]
            )
        units = list(Unit.objects.exclude(kind=Unit.Kind.KOMMUN).select_related("forvaltning"))
        password = make_password(None)
        User.objects.bulk_create(
            User(
                username=f"{PREFIX}{n:05d}",
                first_name=f"Person{n}",
                last_name="Benchsson",
                email=f"p{n}@{HOST}",
                password=password,
                unit=units[n % len(units)],
            )
            for n in range(sizes["people"])
        )
        people = list(User.objects.filter(username__startswith=PREFIX).order_by("pk"))
        RoleAssignment.objects.bulk_create(
            RoleAssignment(
                user=p, unit_id=p.unit_id, role=Role.CHEF if n % 20 == 0 else Role.MEDARBETARE
            )
            for n, p in enumerate(people)
        )
        # Some absences today, with substitutes: the deputies resolver has work to do.
        Absence.objects.bulk_create(
            Absence(
                user=people[n],
                substitute=people[n + 1],
                starts_on=today - datetime.timedelta(days=2),
                ends_on=today + datetime.timedelta(days=5),
                created_at=now,
            )
            for n in range(0, len(people) - 1, 50)
        )
        say(f"  {len(people)} people in {n_units} more units")

        # The demo roles get their share of everything (one in a hundred), so that what
        # they see grows with the kommun as it would.
        def someone(n):
            return demo["medarbetare"] if n % 100 == 7 else people[n % len(people)]

        accounts = []
        for n in range(sizes["accounts"]):
            person = someone(n)
            url = f"https://{HOST}/konto/{n:05d}"
            accounts.append(
                Account(
                    platform=platforms.FACEBOOK_PAGE if n % 3 else platforms.INSTAGRAM,
                    display_name=f"Benchkonto {n:05d}",
                    handle=f"@bench{n}",
                    url=url,
                    url_key=url_key(url),
                    kind=Kind.SERVICE,
                    unit_id=person.unit_id if n % 100 != 7 else demo["medarbetare"].unit_id,
                    responsible=person,
                    substitute=people[(n + 1) % len(people)] if n % 4 else None,
                    purpose="Informera och svara på frågor.",
                    audience="Invånare",
                    status=Status.ACTIVE,
                    gp_states_official=True,
                    gp_links_website=n % 5 != 0,
                    gp_contact_phone=True,
                    accessibility_practice="Alt-texter." if n % 7 else "",
                    opened_on=today - datetime.timedelta(days=400),
                    last_activity_on=today - datetime.timedelta(days=n % 120),
                    created_at=now,
                    updated_at=now,
                )
            )
        Account.objects.bulk_create(accounts, batch_size=2000)
        accounts = list(Account.objects.filter(url__startswith=f"https://{HOST}/").order_by("pk"))
        through = Account.administrators.through
        through.objects.bulk_create(
            [through(account=a, user_id=a.responsible_id) for a in accounts]
            + [
                through(account=a, user=people[(i + 7) % len(people)])
                for i, a in enumerate(accounts)
            ],
            batch_size=5000,
        )
        say(f"  {len(accounts)} accounts")

        states = [
            State.ESTABLISHED,
            State.ESTABLISHED,
            State.ESTABLISHED,
            State.ESTABLISHED,
            State.SUBMITTED,
            State.CHEF_APPROVED,
            State.ANCHORED,
            State.DRAFT,
            State.RETURNED,
            State.WITHDRAWN,
        ]
        plans = []
        for n in range(sizes["plans"]):
            person = someone(n)
            state = states[n % len(states)]
            changed = now - datetime.timedelta(hours=3 + n % 500)
            plans.append(
                Plan(
                    state=state,
                    state_changed_at=changed,
                    created_by=person,
                    applicant=person,
                    unit_id=person.unit_id,
                    account=accounts[n % len(accounts)] if state == State.ESTABLISHED else None,
                    assignment="nytt_konto",
                    platform=platforms.FACEBOOK_PAGE,
                    account_name=f"Benchplan {n:05d}",
                    purpose="Informera.",
                    audience="Invånare",
                    created_at=changed,
                    updated_at=changed,
                    established_at=changed if state == State.ESTABLISHED else None,
                )
            )
        Plan.objects.bulk_create(plans, batch_size=2000)
        established = Plan.objects.filter(
            state=State.ESTABLISHED, account_name__startswith="Benchplan"
        ).values_list("pk", flat=True)
        Evaluation.objects.bulk_create(
            (
                Evaluation(plan_id=pk, due_on=today + datetime.timedelta(days=(i % 90) - 30))
                for i, pk in enumerate(established)
            ),
            batch_size=5000,
        )
        say(f"  {len(plans)} plans")

        kinds = [ItemKind.QUESTION, ItemKind.CRITICISM, ItemKind.INAPPROPRIATE, ItemKind.OTHER]
        outcomes = [Outcome.ANSWERED, Outcome.NO_ACTION, Outcome.REFERRED, Outcome.REGISTERED]
        batch = []
        for n in range(sizes["items"]):
            account = accounts[rng.randrange(len(accounts))]
            # Spread evenly over the ITEM_HOURS before now at every size (at --scale 1
            # the large kommun gets the same 25 an hour as `n % 8000` gave), so that a
            # fixed period holds the same share of each kommun's items.
            noticed = now - datetime.timedelta(hours=n * ITEM_HOURS // sizes["items"])
            open_ = n % 50 == 0
            outcome = outcomes[n % 4]
            batch.append(
                Item(
                    account=account,
                    kind=kinds[n % 4],
                    author="Bench",
                    text=f"Benchfråga {n}",
                    noticed_at=noticed,
                    due_at=noticed + datetime.timedelta(hours=48),
                    assignee_id=account.responsible_id,
                    created_at=noticed,
                    resolved_at=None if open_ else noticed + datetime.timedelta(hours=5),
                    outcome="" if open_ else outcome,
                    diarienummer=f"KS {today.year}/{n}"
                    if not open_ and outcome == Outcome.REGISTERED
                    else "",
                    forwarded_to="Registrator"
                    if not open_ and outcome == Outcome.REGISTERED
                    else "",
                )
            )
            if len(batch) == 10_000:
                Item.objects.bulk_create(batch)
                batch = []
        Item.objects.bulk_create(batch)
        say(f"  {sizes['items']} moderation items")

        # Snapshots in the four periods before the current one, sealed (without a file:
        # the integrity check is not what is measured here).
        from archive.periods import Period

        current = Period.containing(now)
        periods = [current.previous()]
        while len(periods) < 4:
            periods.append(periods[-1].previous())
        batch = []
        for n in range(sizes["snapshots"]):
            account = accounts[n % len(accounts)]
            period = periods[(n // len(accounts)) % 4]
            batch.append(
                Snapshot(
                    account=account,
                    period_key=period.key,
                    reason=Reason.SEMIANNUAL,
                    state=SnapshotState.SEALED,
                    due_at=period.due_at,
                    created_at=period.due_at,
                    captured_at=period.due_at + datetime.timedelta(hours=1),
                    sealed_at=period.due_at + datetime.timedelta(hours=1),
                )
            )
            if len(batch) == 10_000:
                Snapshot.objects.bulk_create(batch)
                batch = []
        Snapshot.objects.bulk_create(batch)
        say(f"  {sizes['snapshots']} snapshots in {', '.join(p.key for p in periods)}")

        recipients = people + list(demo.values())
        batch = []
        for n in range(sizes["notifications"]):
            at = now - datetime.timedelta(minutes=n % 100_000)
            recipient = demo[ROLES[n % 7]] if n % 100 < 7 else recipients[n % len(recipients)]
            batch.append(
                Notification(
                    recipient=recipient,
                    kind="bench",
                    subject=f"Benchavisering {n}",
                    body_text="Något har hänt.",
                    url="/att-gora/",
                    created_at=at,
                    due_at=at,
                    rendered_at=at,
                    sent_at=at,
                    read_at=at if n % 3 else None,
                )
            )
            if len(batch) == 10_000:
                Notification.objects.bulk_create(batch)
                batch = []
        Notification.objects.bulk_create(batch)
        say(f"  {sizes['notifications']} notifications")

        # One account, seen by every role, with a long history.
        account = long_history_account()
        History = Account.history.model
        last = account.history.order_by("-history_date").first()
        fields = [
            f.attname
            for f in History._meta.concrete_fields
            if f.attname not in ("history_id", "history_date", "history_type")
        ]
        History.objects.bulk_create(
            History(
                **{name: getattr(last, name) for name in fields}
                | {"display_name": f"{account.display_name} ({n})", "purpose": f"Syfte {n}"},
                history_date=now - datetime.timedelta(days=HISTORY - n),
                history_type="~",
            )
            for n in range(HISTORY)
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    say(f"  seeded in {time.perf_counter() - t0:.0f} s")


def long_history_account():
    from accounts.models import Account

    return Account.objects.filter(responsible__username="medarbetare").order_by("pk").first()


def diarium_period(today):
    """The one period the diarium pages ask for at both sizes: the calendar month before
    `today`'s (the parent's date in Swedish time). The items cover the ITEM_HOURS (about
    eleven months) before the seed, so the month is full at both sizes while the seeded
    databases are younger than about nine months."""
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return f"fran={last.replace(day=1).isoformat()}&till={last.isoformat()}"


def pages(diarium_query):
    """(label, url) of every internal page, with the ids that the data gives."""
    from activityplans.models import Plan, State
    from archive.models import Snapshot

    account = long_history_account()
    plan = (
        Plan.objects.filter(applicant__username="medarbetare")
        .exclude(state=State.DRAFT)
        .order_by("pk")
        .first()
    )
    period = Snapshot.objects.order_by("-period_key").values_list("period_key", flat=True).first()
    snapshot = Snapshot.objects.filter(account=account).order_by("pk").first()
    return [
        ("start", "/"),
        ("att-gora", "/att-gora/"),
        ("konton", "/konton/"),
        ("konton problem=any", "/konton/?problem=any"),
        ("konton efterlevnad", "/konton/efterlevnad/"),
        ("konto", f"/konton/{account.pk}/"),
        ("konto historik", f"/konton/{account.pk}/historik/"),
        ("passivitet", "/konton/passivitet/"),
        ("planer", "/planer/"),
        ("plan", f"/planer/{plan.pk}/"),
        ("moderering", "/moderering/"),
        ("diarium", f"/moderering/diarium/?{diarium_query}"),
        ("diarium.csv", f"/moderering/diarium.csv?{diarium_query}"),
        ("diarium.json", f"/moderering/diarium.json?{diarium_query}"),
        ("nycklar", "/moderering/nycklar/"),
        ("statistik", f"/moderering/konto/{account.pk}/statistik/"),
        ("arkiv", "/arkiv/"),
        ("arkiv period", f"/arkiv/period/{period}/"),
        ("arkiv konto", f"/arkiv/konto/{account.pk}/"),
        ("arkiv bild", f"/arkiv/bild/{snapshot.pk}/" if snapshot else "/arkiv/"),
        ("aviseringar", "/aviseringar/"),
        ("franvaro", "/franvaro/"),
        ("ihp", "/arkiv/informationshanteringsplan/"),
        ("gallring", "/arkiv/gallring/"),
        ("sparr", "/arkiv/sparr/"),
        ("admin planer", "/admin/activityplans/plan/"),
        ("admin konto historik", f"/admin/accounts/account/{account.pk}/history/"),
    ]


def export_rows(url, body):
    """The rows of an export (CSV: lines after the header; JSON: results), else None."""
    path = url.split("?")[0]
    if path.endswith(".csv"):
        return body.count(b"\n") - 1
    if path.endswith(".json"):
        return len(json.loads(body)["results"])
    return None


class Server:
    """One size's side of the measurement, driven by the parent over stdin/stdout (one
    JSON line each way), so that the parent can interleave the two sizes request by
    request and both see the same load of a shared machine."""

    def __init__(self, period):
        import logging

        logging.disable(logging.CRITICAL)  # the 403s and 404s of the roles that may not look
        self.urls = dict(pages(period))
        self.clients = {}

    def client(self, role):
        from django.test import Client

        from organisation.models import User

        if role not in self.clients:
            c = Client()
            c.force_login(User.objects.get(username=role))
            self.clients[role] = c
        return self.clients[role]

    def get(self, page, role):
        response = self.client(role).get(self.urls[page])
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        return response, body

    def probe(self, page, role):
        """The page's status, its SQL queries and (an export) its rows, from one request."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response, body = self.get(page, role)
        status = response.status_code
        return {
            "page": page,
            "url": self.urls[page],
            "role": role,
            "status": status,
            "queries": len(ctx.captured_queries),
            "rows": export_rows(self.urls[page], body) if status == 200 else None,
            "bytes": len(body),
        }

    def time(self, page, role):
        t0 = time.perf_counter()
        self.get(page, role)
        return {"ms": (time.perf_counter() - t0) * 1000}

    def serve(self, commands, answers):
        print(json.dumps({"pages": list(self.urls)}), file=answers, flush=True)
        for line in commands:
            command = json.loads(line)
            op = command.pop("op")
            if op == "done":
                break
            print(json.dumps(getattr(self, op)(**command)), file=answers, flush=True)


def child(args):
    answers, sys.stdout = sys.stdout, sys.stderr  # stdout carries the answers only
    setup_django()
    from django.core.management import call_command

    def say(text):
        print(text, file=sys.stderr, flush=True)

    # Also a kept database: a migration added since (an index) applies to it before
    # it is measured.
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"  migrated ({time.perf_counter() - t0:.0f} s)")
    if args.seed:
        seed(sized(args.fraction), say)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("CREATE TABLE bench_pages_seeded (fraction float)")
            cur.execute("INSERT INTO bench_pages_seeded VALUES (%s)", [args.fraction])
    Server(args.period).serve(sys.stdin, answers)


# -- the parent: both sizes and the table --------------------------------------------------


def seeded_fraction(database_url):
    import psycopg2

    url = urlsplit(database_url)
    try:
        conn = psycopg2.connect(
            host=url.hostname, port=url.port or 5432, user=url.username,
            password=url.password, dbname=url.path.lstrip("/"),
        )  # fmt: skip
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT fraction FROM bench_pages_seeded")
            row = cur.fetchone()
            return row[0] if row else None
    except psycopg2.Error:
        return None
    finally:
        conn.close()


class Size:
    """A child process serving one size (seeded first if it is not yet)."""

    def __init__(self, base_url, name, fraction, args):
        url = with_database(base_url, name)
        reuse = args.keep and seeded_fraction(url) == fraction
        if not reuse:
            create_database(base_url, name)
        command = [sys.executable, __file__, "--child", "--fraction", str(fraction)]
        command += ["--period", args.period]
        if not reuse:
            command.append("--seed")
        print(f"{name}: {'reusing the seeded database' if reuse else 'seeding'} …", flush=True)
        t0 = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            env=child_environment(url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=BASE_DIR,
            text=True,
        )
        self.pages = self.ask()["pages"]
        print(f"{name}: ready in {time.perf_counter() - t0:.0f} s", flush=True)

    def ask(self, **command):
        if command:
            print(json.dumps(command), file=self.process.stdin, flush=True)
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the child stopped (exit {self.process.wait()})")
        return json.loads(line)

    def close(self):
        if self.process.poll() is None:
            print(json.dumps({"op": "done"}), file=self.process.stdin, flush=True)
            self.process.wait()


def measure(sizes, runs, warmup, only):
    """Per page × role: one request at each size for the status and the queries, then
    --warmup and --runs requests interleaved (small, large; large, small; …), so that a
    change of the machine's load hits both sizes alike; the medians."""
    import statistics

    results = {"small": [], "large": []}
    for page in sizes["small"].pages:
        if only and not any(word in page for word in only):
            continue
        for role in ROLES:
            rows = {size: sizes[size].ask(op="probe", page=page, role=role) for size in sizes}
            if all(row["status"] == 200 for row in rows.values()):
                times = {"small": [], "large": []}
                for n in range(warmup + runs):
                    order = ("small", "large") if n % 2 == 0 else ("large", "small")
                    for size in order:
                        ms = sizes[size].ask(op="time", page=page, role=role)["ms"]
                        if n >= warmup:
                            times[size].append(ms)
                for size in sizes:
                    rows[size]["ms"] = statistics.median(times[size])
            for size in sizes:
                results[size].append(rows[size])
            took = " / ".join(
                f"{rows[size]['queries']} q {rows[size]['ms']:.0f} ms"
                if "ms" in rows[size]
                else f"HTTP {rows[size]['status']}"
                for size in ("small", "large")
            )
            print(f"  {page} × {role}: {took}", file=sys.stderr, flush=True)
    return results


def report(small, large):
    by_key = {(r["page"], r["role"]): r for r in small}
    header = (
        f"{'page':<22} {'role':<26} {'queries':>11} {'ms small':>9} {'ms large':>9} "
        f"{'ratio':>6}  verdict"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    for row in large:
        s = by_key.get((row["page"], row["role"]))
        if s is None:
            continue
        queries = f"{s['queries']} / {row['queries']}"
        if s["status"] != 200 or row["status"] != 200:
            print(
                f"{row['page']:<22} {row['role']:<26} {queries:>11} "
                f"{'HTTP ' + str(s['status']):>9} {'HTTP ' + str(row['status']):>9}"
            )
            continue
        ratio = row["ms"] / max(s["ms"], TIME_FLOOR_MS)
        queries_ok = row["queries"] - s["queries"] <= QUERY_SLACK
        ok = queries_ok and ratio <= TIME_TARGET
        note, verdict = "", "PASS" if ok else "FAIL"
        if s.get("rows") and row.get("rows"):
            # An export of N rows costs N: when the period holds more rows at large, it is
            # also judged by its time per row (the small one's without the floor).
            per_small, per_large = s["ms"] / s["rows"], row["ms"] / row["rows"]
            note = (
                f"  rows {s['rows']:,} / {row['rows']:,}, ms a row {per_small:.3f} / "
                f"{per_large:.3f} ({per_large / per_small:.2f})"
            )
            if not ok and queries_ok and row["rows"] > s["rows"]:
                ok = per_large <= TIME_TARGET * per_small
                verdict = "PASS per row" if ok else "FAIL"
        failures += not ok
        print(
            f"{row['page']:<22} {row['role']:<26} {queries:>11} {s['ms']:>9.1f} "
            f"{row['ms']:>9.1f} {ratio:>6.2f}  {verdict}{note}"
        )
    print()
    print(
        f"Targets: queries large − small ≤ {QUERY_SLACK}; median ms large ≤ {TIME_TARGET:g} × "
        f"small (small at least {TIME_FLOOR_MS:g} ms); an export whose period holds more rows "
        f"at large, time per row large ≤ {TIME_TARGET:g} × small. {failures} failing page × role."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="large size, 1 = full (1)")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests first (1)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the databases")
    parser.add_argument("--only", action="append", help="only pages whose label has this")
    parser.add_argument("--save", help="also write both sizes' measurements to this JSON file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fraction", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--period", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("This benchmark needs PostgreSQL: set DATABASE_URL (it names the server).")
        return 0
    from zoneinfo import ZoneInfo

    today = datetime.datetime.now(ZoneInfo("Europe/Stockholm")).date()
    args.period = diarium_period(today)
    names = database_names(base_url)
    fractions = {"small": args.scale * SMALL_FRACTION, "large": args.scale}
    print("Sizes:")
    for size, fraction in fractions.items():
        print(f"  {size}: " + ", ".join(f"{n:,} {what}" for what, n in sized(fraction).items()))
    sizes = {}
    try:
        for size in ("small", "large"):  # seeded one after the other
            sizes[size] = Size(base_url, names[size], fractions[size], args)
        results = measure(sizes, args.runs, args.warmup, args.only)
    finally:
        for served in sizes.values():
            served.close()
        if not args.keep:
            for name in names.values():
                drop_database(base_url, name)
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=1))
    print()
    report(results["small"], results["large"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
