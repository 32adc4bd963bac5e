"""Benchmark of every periodic sweep on a large kommun: statements and time, run twice.

Run from the project directory; it makes (and reuses) a THROWAWAY PostgreSQL database of
its own, `kk_bench_sweeps` unless --database names another, on the server of
DATABASE_URL (default postgres://postgres@127.0.0.1:5432):

    .venv/bin/python bench/sweeps.py                # seed once (a few minutes), measure
    .venv/bin/python bench/sweeps.py --scale 0.01   # a kommun a hundredth of the size
    .venv/bin/python bench/sweeps.py --fresh        # drop and seed again

The seed, at --scale 1: 10,000 accounts, 2,000 people, 20,000 plans (15,000 established,
each with an evaluation), 200,000 moderation items (5 % open, with their pending reminder
stages), 40,000 snapshots, 300,000 sent notifications, and the Reminder rows of what
earlier sweeps sent. About 3 % of the accounts have each problem on purpose (few
administrators, no substitute, lapsed credentials check, passive, unwatched), half of
those already reminded; 2 % of the accounts lack the last half-year's snapshot; a few
hundred evaluations, uploads and moderation stages are due. Everything is placed
around a fixed moment NOW, and every sweep runs with `now=NOW`, so a rerun months later
measures the same thing.

What is measured, for each sweep of config.sweeps (what beat and `manage.py run_jobs`
run), inside one transaction that is rolled back at the end (so every run of the
benchmark starts from the same rows; the Celery hand-offs happen on commit and so never):
- run 1, "work": what is due on the seed. Statements must be bounded per batch (the
  sweep's own batch size), not per row, and its time within 3x the floor: one plain
  SELECT of the rows that are due, timed just before it (the median of 5 runs after an
  untimed one: the first read of a cold table is no floor). For information, beside a
  sweep that sent: "writes ms", the same Reminder and Notification rows written bare
  (claim_reminders and write_unrendered of what the sweep wrote, nothing else, rolled
  back, median of 3), and "rest", the sweep's time less those writes as a multiple of
  the floor: what the sweep spends beyond the rows any implementation must write;
- run 2, "idle": right after, nothing is due any more: at most 5 statements, whatever
  the size (compare --scale 0.01 and 1).
deliver_pending runs first (nothing due: the seeded notifications are sent) and again at
the end, when it delivers what the reminder sweeps wrote (to Django's in-memory mail
backend here; bench/moderation_sweep.py --smtp measures real SMTP). capture_due runs
before create_semiannual, which makes the missing snapshots: capturing them is a
browser's work per page, not a sweep's.

The report always exits 0; read the PASS/FAIL column.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

IDLE_MAX = 5
FLOOR_FACTOR = 3.0
NOW = datetime.datetime(2030, 2, 12, 10, 0, tzinfo=datetime.UTC)  # mid-quarter, mid-week
HOST = "bench-sweeps.example"


def database_url(name):
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
    return urlunsplit(base._replace(path=f"/{name}"))


def ensure_database(url, fresh):
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        dbname="postgres",
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        if fresh:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup(args):
    url = database_url(args.database)
    ensure_database(url, args.fresh)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY"):
        os.environ["KANALKOLL_DEV"] = "1"
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)


# -- seeding ------------------------------------------------------------------------------


def half_reminded(queryset, prefix, stage, at):
    """The Reminder rows of every other row of `queryset`, sent at `at`."""
    from notifications.models import Reminder

    pks = queryset.order_by("pk").values_list("pk", flat=True)
    return [Reminder(subject=f"{prefix}:{pk}", stage=stage, created_at=at) for pk in pks[::2]]


def seed(scale):
    """Write the large kommun with bulk_create, unless it is there. Returns the sizes."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.jobs import quarter_key
    from accounts.models import Account, Attestation, Platform, Status
    from accounts.urlkeys import url_key
    from activityplans.models import Evaluation, Plan, State
    from archive.models import Reason, Snapshot
    from archive.models import State as SnapshotState
    from archive.periods import last_ended
    from moderation.models import CheckIn, Item, PendingReminder
    from notifications.models import Notification, Reminder
    from organisation.models import Absence, Role, RoleAssignment, Unit, User

    n_accounts = max(int(10_000 * scale), 50)
    n_people = max(int(2_000 * scale), 300)  # 110 chefs and communicators, then staff
    n_plans = max(int(20_000 * scale), 40)
    n_items = max(int(200_000 * scale), 200)
    n_notes = max(int(300_000 * scale), 300)
    sizes = {
        "accounts": n_accounts,
        "people": n_people,
        "plans": n_plans,
        "items": n_items,
        "snapshots": 4 * n_accounts,
        "notifications": n_notes,
    }
    if Account.objects.filter(url__contains=HOST).count() >= n_accounts:
        return sizes
    if Account.objects.exists():
        raise SystemExit("the database holds other data or another scale: use --fresh")
    today = timezone.localdate(NOW)
    day = datetime.timedelta(days=1)
    big = 5000

    with transaction.atomic():
        kommun = Unit.objects.create(name="Benchby kommun", kind=Unit.Kind.KOMMUN)
        forvaltningar, enheter = [], []
        for f in range(10):
            forv = Unit.objects.create(
                name=f"Förvaltning {f}", kind=Unit.Kind.FORVALTNING, parent=kommun
            )
            forvaltningar.append(forv)
            for e in range(10):
                enheter.append(
                    Unit.objects.create(name=f"Enhet {f}.{e}", kind=Unit.Kind.ENHET, parent=forv)
                )
        enheter = list(Unit.objects.filter(pk__in=[u.pk for u in enheter]).order_by("pk"))
        User.objects.bulk_create(
            User(
                username=f"bench-{n:05d}",
                first_name=f"Person{n}",
                last_name="Benchsson",
                email=f"person{n}@{HOST}",
                password="!",
                unit=enheter[n % len(enheter)],
            )
            for n in range(n_people)
        )
        people = list(User.objects.filter(username__startswith="bench-").order_by("username"))
        communicators = people[: len(forvaltningar)]
        chefs = people[len(forvaltningar) : len(forvaltningar) + len(enheter)]
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=user, role=Role.KOMMUNIKATOR, unit=unit)
                for user, unit in zip(communicators, forvaltningar, strict=True)
            ]
            + [
                RoleAssignment(user=user, role=Role.CHEF, unit=unit)
                for user, unit in zip(chefs, enheter, strict=True)
            ]
        )
        staff = people[len(forvaltningar) + len(enheter) :]
        Absence.objects.bulk_create(
            Absence(
                user=staff[n * 7],
                substitute=staff[n * 7 + 1],
                starts_on=today - 3 * day,
                ends_on=today + 3 * day,
                created_at=NOW - 10 * day,
            )
            for n in range(min(20, len(staff) // 8))
        )

        platforms = list(Platform.objects.values_list("slug", flat=True))
        rows = []
        for n in range(n_accounts):
            url = f"https://{HOST}/konto/{n:05d}"
            unit = enheter[n % len(enheter)]
            passive = n % 33 == 3
            rows.append(
                Account(
                    platform=platforms[n % len(platforms)],
                    display_name=f"Benchkonto {n:05d}",
                    url=url,
                    url_key=url_key(url),
                    unit=unit,
                    responsible=staff[n % len(staff)],
                    substitute=None if n % 33 == 1 else staff[(n + 1) % len(staff)],
                    purpose="Informera och svara på frågor.",
                    audience="Invånare",
                    status=Status.ACTIVE,
                    opened_on=today - 900 * day,
                    last_activity_on=today - (150 + n % 60) * day
                    if passive
                    else today - (n % 30) * day,
                    gp_states_official=True,
                    gp_links_website=True,
                    gp_contact_phone=True,
                    accessibility_practice="Alt-texter och textning i varje inlägg.",
                    credentials_location="Lösenordsvalvet, posten Sociala medier",
                    created_at=NOW - 1000 * day,
                    updated_at=NOW - 100 * day,
                )
            )
        Account.objects.bulk_create(rows, batch_size=big)
        accounts = list(Account.objects.filter(url__contains=HOST).order_by("url"))
        through = Account.administrators.through
        admins = []
        for n, account in enumerate(accounts):
            forv = forvaltningar[(n % len(enheter)) // 10]
            communicator = communicators[forvaltningar.index(forv)]
            if n % 33 == 0:  # one administrator: too few, and not the communicator
                admins.append(through(account=account, user=account.responsible))
                continue
            for user in {account.responsible, staff[(n + 2) % len(staff)], communicator}:
                admins.append(through(account=account, user=user))
        through.objects.bulk_create(admins, batch_size=big)
        Attestation.objects.bulk_create(
            (
                Attestation(
                    account=account,
                    user=account.responsible,
                    kind=Attestation.Kind.CREDENTIALS,
                    at=NOW - 30 * day,
                )
                for n, account in enumerate(accounts)
                if n % 33 != 2  # never checked: credentials lapsed
            ),
            batch_size=big,
        )
        CheckIn.objects.bulk_create(
            (
                CheckIn(
                    account=account,
                    user=account.responsible,
                    at=NOW - (20 if n % 33 == 4 else 2) * day,
                )
                for n, account in enumerate(accounts)
            ),
            batch_size=big,
        )

        # What earlier sweeps sent: last quarter's coverage reminders for every account
        # with a problem, and this quarter's for half of them; the reminders of half the
        # passive and unwatched accounts (the passive ones 40 days ago: a proposal is due).
        quarter, last_quarter = quarter_key(today), quarter_key(today - 92 * day)
        reminders = []
        for n, account in enumerate(accounts):
            sent_now = n % 2 == 0
            subjects = {
                0: [
                    f"coverage:{account.pk}:administratorer",
                    f"coverage:{account.pk}:kommunikator",
                ],
                1: [f"coverage:{account.pk}:ersattare"],
                2: [f"credentials:{account.pk}"],
            }.get(n % 33, [])
            for subject in subjects:
                reminders.append(
                    Reminder(subject=subject, stage=last_quarter, created_at=NOW - 95 * day)
                )
                if sent_now:
                    reminders.append(
                        Reminder(subject=subject, stage=quarter, created_at=NOW - 20 * day)
                    )
            if n % 33 == 3 and sent_now:
                spell = f"passive:{account.pk}:{account.last_activity_on.isoformat()}"
                reminders.append(Reminder(subject=spell, stage="remind", created_at=NOW - 40 * day))
            if n % 33 == 4 and sent_now:
                at = (NOW - 20 * day).isoformat()
                reminders.append(
                    Reminder(
                        subject=f"unwatched:{account.pk}:{at}",
                        stage="7d",
                        created_at=NOW - 12 * day,
                    )
                )

        # 4 half-years of snapshots per account; 2 % lack the last one (create_semiannual),
        # 1 % wait for an uploaded screenshot (remind_uploads), half of those reminded.
        periods = [last_ended(NOW)]
        for _ in range(3):
            periods.append(periods[-1].previous())
        snapshots = []
        for n, account in enumerate(accounts):
            for k, period in enumerate(periods):
                if k == 0 and n % 50 == 7:
                    continue
                waiting = k == 0 and n % 100 == 5
                snapshots.append(
                    Snapshot(
                        account=account,
                        period_key=period.key,
                        reason=Reason.SEMIANNUAL,
                        state=SnapshotState.NEEDS_UPLOAD if waiting else SnapshotState.SEALED,
                        due_at=period.due_at,
                        needs_upload_since=NOW - (10 + n % 10) * day if waiting else None,
                        sealed_at=None if waiting else period.due_at + day,
                        created_at=period.due_at - day,
                    )
                )
        Snapshot.objects.bulk_create(snapshots, batch_size=big)
        waiting = Snapshot.objects.filter(state=SnapshotState.NEEDS_UPLOAD)
        reminders += half_reminded(waiting, "snapshot", "7d", NOW - 9 * day)

        # Plans: three quarters established, each with an evaluation; 2 % of those due
        # within the 14 days' notice or overdue; the rest drafts and decided ones.
        plan_rows = []
        for n in range(n_plans):
            account = accounts[n % len(accounts)]
            established = n % 4 != 0
            plan_rows.append(
                Plan(
                    state=State.ESTABLISHED if established else State.DRAFT,
                    state_changed_at=NOW - (n % 300) * day,
                    created_by=account.responsible,
                    applicant=account.responsible,
                    unit=account.unit,
                    account=account,
                    created_at=NOW - 400 * day,
                    updated_at=NOW - (n % 300) * day,
                    established_at=NOW - (n % 300) * day if established else None,
                )
            )
        Plan.objects.bulk_create(plan_rows, batch_size=big)
        established = (
            Plan.objects.filter(state=State.ESTABLISHED).order_by("pk").values_list("pk", flat=True)
        )
        Evaluation.objects.bulk_create(
            (
                Evaluation(
                    plan_id=pk,
                    due_on=today + ((n % 20) - 5) * day
                    if n % 50 == 0
                    else today + (30 + n % 300) * day,
                )
                for n, pk in enumerate(established)
            ),
            batch_size=big,
        )
        soon = Evaluation.objects.filter(due_on__lte=today + 14 * day)
        reminders += half_reminded(soon, "evaluation", "due", NOW - 20 * day)

        # Moderation: 95 % handled; the open ones have their pending stages, a few
        # hundred of them due now.
        items = []
        for n in range(n_items):
            account = accounts[n % len(accounts)]
            open_ = n % 20 == 0
            due = (
                NOW + ((n % 1000) + 13) * datetime.timedelta(hours=1)
                if open_
                else NOW - (n % 700) * day
            )
            if open_ and n % 600 == 0:
                due = NOW - datetime.timedelta(hours=1)  # at the deadline now
            items.append(
                Item(
                    account=account,
                    kind="fraga",
                    text=f"Benchfråga {n}",
                    noticed_at=due - datetime.timedelta(hours=48),
                    due_at=due,
                    assignee=account.responsible,
                    created_at=due - datetime.timedelta(hours=48),
                    resolved_at=None if open_ else due - datetime.timedelta(hours=20),
                    outcome="" if open_ else "besvarad",
                )
            )
        Item.objects.bulk_create(items, batch_size=big)
        pending = []
        for item in Item.objects.filter(resolved_at__isnull=True).only("pk", "due_at"):
            for row in PendingReminder.schedule(item):
                if item.due_at > NOW or row.stage > 1:
                    pending.append(row)
        PendingReminder.objects.bulk_create(pending, batch_size=big)
        for n in range(n_notes // 100):
            reminders.append(
                Reminder(subject=f"item:{n}", stage="deadline", created_at=NOW - 30 * day)
            )
        Reminder.objects.bulk_create(reminders, batch_size=big)

        Notification.objects.bulk_create(
            (
                Notification(
                    recipient=staff[n % len(staff)],
                    kind="account_coverage",
                    subject=f"Påminnelse {n}",
                    body_text="Text",
                    created_at=NOW - (n % 365) * day,
                    rendered_at=NOW - (n % 365) * day,
                    due_at=NOW - (n % 365) * day,
                    sent_at=NOW - (n % 365) * day,
                    read_at=None if n % 3 else NOW - (n % 365) * day,
                )
                for n in range(n_notes)
            ),
            batch_size=big,
        )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return sizes


# -- floors: a plain SELECT of what each sweep finds due ----------------------------------


def floors():
    """{sweep name: a function that SELECTs the rows due for that sweep at NOW}. Each is
    the sweep's own selection, read as plain rows with nothing written."""
    from django.utils import timezone

    from accounts import jobs as accounts_jobs
    from accounts.lifecycle import credentials_lapsed
    from accounts.models import Account, PassiveRule
    from activityplans.models import Evaluation, Plan, State
    from archive.models import Snapshot
    from archive.models import State as SnapshotState
    from moderation.jobs import unwatched_accounts
    from moderation.models import PendingReminder
    from notifications.models import Notification

    today = timezone.localdate(NOW)

    def coverage():
        rows = []
        for problem in accounts_jobs.COVERAGE_PROBLEMS:
            rows += list(Account.objects.with_problem(problem).values_list("pk", "responsible_id"))
        return rows + list(credentials_lapsed(today).values_list("pk", "responsible_id"))

    def passive():
        rules = dict(PassiveRule.objects.values_list("platform", "days"))
        return list(accounts_jobs.passive_due(today, rules).values_list("pk", "responsible_id"))

    return {
        "notifications.deliver_pending": lambda: list(
            Notification.objects.pending(NOW).values_list("pk", "recipient_id")
        ),
        "activityplans.remind_waiting_plans": lambda: list(
            Plan.objects.waiting().filter(remind_at__lte=NOW).values_list("pk")
        ),
        "activityplans.remind_evaluations": lambda: list(
            Evaluation.objects.pending()
            .filter(plan__state=State.ESTABLISHED, due_on__lte=today + datetime.timedelta(days=14))
            .values_list("pk", "plan_id")
        ),
        "moderation.remind_deadlines": lambda: list(
            PendingReminder.objects.filter(due_at__lte=NOW).values_list("pk", "item_id", "stage")
        ),
        "moderation.remind_unwatched": lambda: list(
            unwatched_accounts(NOW).values_list("pk", "responsible_id")
        ),
        "archive.remind_uploads": lambda: list(
            Snapshot.objects.filter(state=SnapshotState.NEEDS_UPLOAD).values_list(
                "pk", "account_id"
            )
        ),
        "accounts.remind_passive": passive,
        "accounts.remind_coverage": coverage,
    }


# -- measuring ----------------------------------------------------------------------------


class Rollback(Exception):
    pass


def measure(sweep):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = sweep.run(NOW)
        seconds = time.perf_counter() - t0
    statements = [q["sql"] for q in ctx.captured_queries]
    return result, seconds, statements


FLOOR_RUNS = 5


def timed(fn, runs=FLOOR_RUNS):
    """The median seconds of `runs` calls of `fn` after one untimed call (the first read
    of a cold table is not the floor), and how many rows it returned."""
    rows = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(rows)


def written_since(marks):
    """The Reminder and Notification rows written since `marks` (their highest ids)."""
    from notifications.models import Notification, Reminder

    reminders = Reminder.objects.filter(pk__gt=marks[0]).values_list("subject", "stage")
    notifications = Notification.objects.filter(pk__gt=marks[1]).values_list(
        "recipient_id", "kind", "url", "context"
    )
    return list(reminders), list(notifications)


def marks():
    from django.db.models import Max

    from notifications.models import Notification, Reminder

    return tuple(
        model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in (Reminder, Notification)
    )


def bare_writes(reminders, notifications, runs=3):
    """The median seconds of writing the same rows a sweep wrote, and nothing else: the
    Reminder rows (claim_reminders, under other subjects so that the unique index takes
    them) and the Notification rows (write_unrendered), each run rolled back to a
    savepoint. What any sweep that records and writes its reminders must do."""
    from django.db import transaction

    from notifications.services import claim_reminders, write_unrendered

    keys = [(f"bench-writes:{subject}", stage) for subject, stage in reminders]
    times = []
    for _ in range(runs):
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                claim_reminders(keys, NOW, known=set())
                write_unrendered(notifications, NOW)
                times.append(time.perf_counter() - t0)
                raise Rollback
        except Rollback:
            pass
    return statistics.median(times)


def batches(name, due_rows):
    """How many batches a sweep may take for `due_rows` due rows (its own batch size)."""
    from moderation import jobs as moderation_jobs
    from notifications import jobs as notification_jobs
    from notifications.services import Reminders

    size = {
        "moderation.remind_deadlines": moderation_jobs.BATCH,
        "notifications.deliver_pending": notification_jobs.BATCH,
    }.get(name, Reminders.BATCH)
    return due_rows // size + 1


# The statements a sweep may run per batch of work: its selection, the day's absences and
# role holders, the sent check, the active users, the claim (savepoint, INSERT, release),
# the notifications' INSERT; the outbox adds its claim, the loaders and the rendering UPDATE.
PER_BATCH = 25


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size of the kommun (1.0)")
    parser.add_argument("--database", default="kk_bench_sweeps", help="throwaway database")
    parser.add_argument("--fresh", action="store_true", help="drop the database and seed again")
    parser.add_argument("--show", default="", help="print the statements of this sweep")
    args = parser.parse_args()
    if args.scale != 1.0 and args.database == "kk_bench_sweeps":
        args.database = f"kk_bench_sweeps_{str(args.scale).replace('.', '_')}"
    setup(args)

    from django.conf import settings
    from django.db import connection, transaction
    from django.urls import reverse

    from config.sweeps import SWEEPS

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL.")
        return 0
    t0 = time.perf_counter()
    sizes = seed(args.scale)
    print(
        f"Database {settings.DATABASES['default']['NAME']}, scale {args.scale}: "
        + ", ".join(f"{v:,} {k}" for k, v in sizes.items())
        + f" (ready in {time.perf_counter() - t0:.0f} s)\n"
    )
    reverse("moderation:list")  # load the URLconf, which the first sweep would otherwise pay

    by_name = {s.name: s for s in SWEEPS}
    order = [s.name for s in SWEEPS if s.name not in ("archive.capture_due",)]
    order.insert(order.index("archive.create_semiannual"), "archive.capture_due")
    order.append("notifications.deliver_pending")
    floor_of = floors()
    header = (
        f"{'sweep':38} {'run':5} {'result':>8} {'stmts':>6} {'ms':>9} {'floor ms':>9} "
        f"{'due':>6} {'writes ms':>9} {'rest':>6}  target"
    )
    print(header)
    print("-" * len(header))
    failed = 0
    try:
        with transaction.atomic():
            for name in order:
                sweep = by_name[name]
                floor_s, due = timed(floor_of[name]) if name in floor_of else (None, None)
                for run in ("work", "idle"):
                    before = marks()
                    result, seconds, statements = measure(sweep)
                    writes = rest = ""
                    if run == "work" and floor_s is not None and due:
                        reminders, notifications = written_since(before)
                        if reminders or notifications:
                            bare = bare_writes(reminders, notifications)
                            writes = f"{bare * 1000:.1f}"
                            rest = f"{(seconds - bare) / max(floor_s, 0.001):.1f}×"
                    if run == "work":
                        allowed = PER_BATCH * batches(name, due or 0)
                        ok = len(statements) <= allowed and (
                            floor_s is None
                            or not due
                            or seconds <= FLOOR_FACTOR * max(floor_s, 0.001)
                        )
                        target = f"≤ {allowed} stmts" + (
                            f", ≤ {FLOOR_FACTOR:g}× floor" if floor_s is not None and due else ""
                        )
                    else:
                        ok = len(statements) <= IDLE_MAX
                        target = f"≤ {IDLE_MAX} stmts"
                    failed += not ok
                    floor_ms = (
                        f"{floor_s * 1000:9.1f}"
                        if floor_s is not None and run == "work"
                        else " " * 9
                    )
                    shown = result if isinstance(result, int) else "-"
                    print(
                        f"{name:38} {run:5} {shown!s:>8} {len(statements):6} {seconds * 1000:9.1f} "
                        f"{floor_ms} {due if due is not None and run == 'work' else '':>6} "
                        f"{writes:>9} {rest:>6}  {target} {'PASS' if ok else 'FAIL'}"
                    )
                    if args.show == name:
                        for sql in statements:
                            print("    ", sql[:300])
            raise Rollback
    except Rollback:
        pass
    print()
    print("ALL TARGETS MET" if not failed else f"{failed} TARGET(S) FAILED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
