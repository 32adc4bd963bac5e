"""Benchmark of the public register: /register.json and /register/ with 10,000 accounts.

Run from the project directory, against a THROWAWAY database:

    createdb -h 127.0.0.1 -U postgres kanalkoll_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kanalkoll_bench
    KANALKOLL_DEV=1 .venv/bin/python manage.py migrate -v0
    KANALKOLL_DEV=1 .venv/bin/python bench/register.py            # seed (once) and measure
    KANALKOLL_DEV=1 .venv/bin/python bench/register.py --cleanup  # remove the bench rows
    # with the cache of production (Redis, this process's memory in front of it):
    CACHE_URL=redis://127.0.0.1:6379/1 KANALKOLL_DEV=1 .venv/bin/python bench/register.py

It uses the database the app uses (DATABASE_URL, else the laptop SQLite file) and writes
to it: 10,000 accounts whose URLs are on the host "bench.example", plus a few units and
users named "bench-…". Seeding is idempotent; a second run reuses the rows. If the
database has no kommun, one is created (and removed again by --cleanup).

Accounts are never deleted by the app (RecordsAreKept), so --cleanup removes the bench
rows with raw SQL DELETEs. Simplest of all is to drop the throwaway database.

What is measured, per endpoint: SQL queries per request (CaptureQueriesContext) and the
median wall time of a request through django.test.Client, after a warm-up. The app
serves the register from the cache (the rendered page body and the JSON per filter,
keyed by the register's version; accounts.conditional), so a timed request is what a
visitor meets between two changes of the register. The floor is a raw SQL fetch of the
same 100 rows with the same joins, serialised with json.dumps; the raw SQL lives here
only, the app reads through the ORM. Floor and endpoint are timed interleaved, request by
request (one endpoint request, then one floor, …), so that both meet the machine in the
same state: a busy neighbour slows both alike instead of one of them.

For information, not targets: a cache miss (what the first request after a change
costs: the ORM query and the template), and a conditional request that gets 304.

The query count is also measured with only 1,000 bench accounts (the other 9,000 are
deleted inside a transaction that is rolled back) to show that it does not grow, both
for a cache hit and for a miss.

The report always exits 0; read the PASS/FAIL column.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("SECRET_KEY"):
    os.environ["KANALKOLL_DEV"] = "1"
# Without `collectstatic` there is no manifest for {% static %}; the plain storage keeps
# the page renderable (production looks the names up in an in-memory manifest: as cheap).
if not (
    Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles")) / "staticfiles.json"
).exists():
    os.environ.setdefault(
        "STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts import conditional  # noqa: E402
from accounts.models import Account, Kind, Status  # noqa: E402
from accounts.platforms import SEED as PLATFORM_SEED  # noqa: E402
from accounts.urlkeys import url_key  # noqa: E402
from organisation.models import Unit, User  # noqa: E402

TOTAL = 10_000
SMALL = 1_000
HOST = "bench.example"
URL_PREFIX = f"https://{HOST}/"
PREFIX = "bench-"
KOMMUN_MARK = f"https://{HOST}/kommun"  # website of a kommun the bench created itself

JSON_TARGET = 2.0
HTML_TARGET = 4.0
QUERY_TARGET = 6

WORDS = (
    "Alby Fittja Hallunda Norsborg Tullinge Tumba Vårby Eriksberg Storvreten Skogås "
    "Biblioteket Kulturskolan Ungdomens Hus Fritidsgården Simhallen Äldreomsorgen "
    "Miljö Trafik Skola Förskola Gymnasiet Näringsliv Turism Krisinfo Evenemang"
).split()
STATUS_MIX = [Status.ACTIVE] * 16 + [
    Status.PLANNED,
    Status.PAUSED,
    Status.WINDING_DOWN,
    Status.CLOSED,
]


# -- seeding ------------------------------------------------------------------------


def bench_accounts():
    return Account.objects.filter(url__startswith=URL_PREFIX)


def seed():
    """Make sure the bench rows exist; returns how many bench accounts there are."""
    existing = bench_accounts().count()
    if existing >= TOTAL:
        return existing
    kommun = Unit.objects.kommun()
    if kommun is None:
        kommun = Unit.objects.create(
            name="Benchby kommun",
            kind=Unit.Kind.KOMMUN,
            website=KOMMUN_MARK,
            contact_email="kontakt@bench.example",
            publish_person_names=True,
        )
    units = []
    for f in range(1, 5):
        forv, _ = Unit.objects.get_or_create(
            name=f"{PREFIX}förvaltning {f}",
            defaults={
                "kind": Unit.Kind.FORVALTNING,
                "parent": kommun,
                "contact_email": f"forv{f}@bench.example" if f % 2 else "",
            },
        )
        units.append(forv)
        for e in range(1, 4):
            unit, _ = Unit.objects.get_or_create(
                name=f"{PREFIX}enhet {f}.{e}",
                defaults={
                    "kind": Unit.Kind.ENHET,
                    "parent": forv,
                    "contact_email": f"enhet{f}{e}@bench.example" if e == 1 else "",
                },
            )
            units.append(unit)
    users = []
    for n in range(1, 7):
        user, created = User.objects.get_or_create(
            username=f"{PREFIX}user-{n}",
            defaults={
                "first_name": random.Random(n).choice(["Anna", "Erik", "Sara", "Omar", "Lena"]),
                "last_name": f"Benchsson {n}",
                "title": "Kommunikatör" if n % 3 else "",
                "unit": units[n % len(units)],
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user)

    rnd = random.Random(2024)
    platforms = [slug for slug, _name, *_rules in PLATFORM_SEED]
    kinds = list(Kind.values)
    start = datetime.date(2012, 1, 1)
    registered = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)  # fixed: reruns alike
    have = set(bench_accounts().values_list("url", flat=True))
    batch = []
    for i in range(TOTAL):
        url = f"{URL_PREFIX}konto/{i:05d}"
        if url in have:
            continue
        status = STATUS_MIX[rnd.randrange(len(STATUS_MIX))]
        platform = platforms[rnd.randrange(len(platforms))]
        opened = start + datetime.timedelta(days=rnd.randrange(4000))
        name = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i:05d}"
        batch.append(
            Account(
                platform=platform,
                display_name=name,
                handle=f"@{name.split()[0].lower()}{i}" if i % 4 else "",
                url=url,
                url_key=url_key(url),
                kind=kinds[rnd.randrange(len(kinds))],
                unit=units[rnd.randrange(len(units))],
                responsible=users[rnd.randrange(len(users))],
                purpose=f"Informera om {name.lower()} och svara på frågor. " * 2,
                audience="Invånare, besökare och företagare i kommunen.",
                contact_email=f"konto{i}@bench.example" if i % 3 == 0 else "",
                status=status,
                opened_on=None if status == Status.PLANNED else opened,
                closed_on=opened + datetime.timedelta(days=900)
                if status == Status.CLOSED
                else None,
                last_snapshot_on=opened + datetime.timedelta(days=300) if i % 2 else None,
                gp_states_official=True,
                gp_links_website=bool(i % 5),
                gp_contact_phone=True,
                created_at=registered,
                updated_at=registered,
            )
        )
    Account.objects.bulk_create(batch, batch_size=1000)
    return bench_accounts().count()


def refresh_statistics():
    """Planner statistics as autovacuum would leave them; right after a bulk insert they
    are missing and PostgreSQL picks plans that no production database would see."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for table in ("accounts_account", "organisation_unit", "organisation_user"):
            cur.execute(f"VACUUM ANALYZE {table}")


def cleanup():
    bench_ids = "SELECT id FROM accounts_account WHERE url LIKE %s"
    like = URL_PREFIX + "%"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "DELETE FROM accounts_historicalaccount_administrators WHERE history_id IN "
            "(SELECT history_id FROM accounts_historicalaccount WHERE url LIKE %s)",
            [like],
        )
        cur.execute("DELETE FROM accounts_historicalaccount WHERE url LIKE %s", [like])
        cur.execute(
            f"DELETE FROM accounts_account_administrators WHERE account_id IN ({bench_ids})", [like]
        )
        cur.execute("DELETE FROM accounts_account WHERE url LIKE %s", [like])
        accounts = cur.rowcount
        cur.execute("DELETE FROM organisation_user WHERE username LIKE %s", [PREFIX + "%"])
        users = cur.rowcount
        units = 0
        for kind in (Unit.Kind.ENHET, Unit.Kind.FORVALTNING):
            cur.execute(
                "DELETE FROM organisation_unit WHERE name LIKE %s AND kind = %s",
                [PREFIX + "%", kind],
            )
            units += cur.rowcount
        cur.execute(
            "DELETE FROM organisation_unit u WHERE website = %s AND NOT EXISTS "
            "(SELECT 1 FROM organisation_unit c WHERE c.parent_id = u.id)",
            [KOMMUN_MARK],
        )
        units += cur.rowcount
    print(f"Removed {accounts} accounts, {users} users and {units} units.")


# -- measuring ----------------------------------------------------------------------

# The page's ids come from the (status, display_name, id) index alone (an index-only
# scan), then only those rows are joined: the fastest plain SQL for a page found, so
# the floor is a strict one. A plain ORDER BY … OFFSET over the whole join is ~10×
# slower in the middle of the register.
FLOOR_SQL = """
SELECT a.id, a.display_name, a.platform, a.handle, a.url, a.kind,
       u.name AS unit, f.name AS forvaltning, a.purpose, a.audience, a.language,
       p.title, p.first_name, p.last_name,
       a.contact_email, u.contact_email AS unit_email, f.contact_email AS forvaltning_email,
       a.opened_on, a.last_snapshot_on, a.status, a.closed_on
FROM accounts_account a
JOIN organisation_unit u ON u.id = a.unit_id
LEFT JOIN organisation_unit f ON f.id = u.forvaltning_id
JOIN organisation_user p ON p.id = a.responsible_id
WHERE a.id IN (
    SELECT id FROM accounts_account WHERE status = %s
    ORDER BY display_name, id LIMIT %s OFFSET %s
)
ORDER BY a.display_name, a.id
"""


def floor_once(page, size):
    with connection.cursor() as cur:
        cur.execute(FLOOR_SQL, [Status.ACTIVE, size, (page - 1) * size])
        names = [c[0] for c in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    body = json.dumps({"results": rows}, ensure_ascii=False, default=str).encode()
    assert len(rows) == size, f"floor fetched {len(rows)} rows"
    return body


def client():
    # The configured host and HTTPS, so that ALLOWED_HOSTS and SECURE_SSL_REDIRECT pass.
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost"
    if host in ("*", "") or host.startswith("."):
        host = "localhost"
    return Client(HTTP_HOST=host)


def request_once(c, url):
    response = c.get(url, secure=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.content  # the client has already closed the response


def interleaved_ms(endpoint, floor, runs, warmup):
    """Median ms of `endpoint` and of `floor`, timed alternately, one call each in turn."""
    for _ in range(warmup):
        endpoint()
        floor()
    endpoint_times, floor_times = [], []
    for _ in range(runs):
        for fn, times in ((endpoint, endpoint_times), (floor, floor_times)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(endpoint_times) * 1000, statistics.median(floor_times) * 1000


def miss_ms(c, url, runs):
    """Median ms of a request that finds the cache empty (cleared before each, untimed)."""
    times = []
    for _ in range(runs):
        conditional.clear()
        t0 = time.perf_counter()
        request_once(c, url)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def not_modified_ms(c, url, runs):
    """Median ms of a conditional request with the current ETag (answered 304)."""
    etag = c.get(url, secure=True)["ETag"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = c.get(url, secure=True, headers={"if-none-match": etag})
        times.append(time.perf_counter() - t0)
        assert response.status_code == 304, (url, response.status_code)
    return statistics.median(times) * 1000


def count_queries(c, url, miss=False):
    request_once(c, url)  # warm
    if miss:
        conditional.clear()
    with CaptureQueriesContext(connection) as ctx:
        request_once(c, url)
    return len(ctx.captured_queries)


def queries_with_small_register(c, urls):
    """Query counts with only SMALL bench accounts: delete the rest, measure, roll back.

    `urls` maps a key to (url, page); a middle page is taken from the smaller register.
    """

    class Rollback(Exception):
        pass

    counts = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(
                    "DELETE FROM accounts_account WHERE url LIKE %s AND url >= %s",
                    [URL_PREFIX + "%", f"{URL_PREFIX}konto/{SMALL:05d}"],
                )
            small = bench_accounts().count()
            active = Account.objects.filter(status=Status.ACTIVE).count()
            middle = max(1, -(-active // settings.KANALKOLL_REGISTER_PAGE_SIZE) // 2)
            for key, (url, page) in urls.items():
                if page > 1:
                    url = url.replace(f"page={page}", f"page={middle}")
                counts[key] = count_queries(c, url), count_queries(c, url, miss=True)
            raise Rollback
    except Rollback:
        pass
    return small, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cleanup", action="store_true", help="remove the bench rows and exit")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per endpoint (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (5)")
    args = parser.parse_args()

    if args.cleanup:
        cleanup()
        return 0

    db = settings.DATABASES["default"]
    print(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    print("Cache: " + " → ".join(type(tier).__name__ for tier in conditional.tiers()))
    t0 = time.perf_counter()
    n = seed()
    print(f"Bench accounts: {n} (ready in {time.perf_counter() - t0:.1f} s)")
    size = settings.KANALKOLL_REGISTER_PAGE_SIZE
    active = Account.objects.filter(status=Status.ACTIVE).count()
    pages = max(1, -(-active // size))
    middle = max(1, pages // 2)
    print(f"Active (public) accounts: {active}, {pages} pages of {size}\n")

    c = client()
    endpoints = [
        ("GET /register.json", "/register.json", 1, JSON_TARGET),
        (f"GET /register.json?page={middle}", f"/register.json?page={middle}", middle, JSON_TARGET),
        ("GET /register/", "/register/", 1, HTML_TARGET),
    ]
    small, small_counts = queries_with_small_register(c, {e[1]: (e[1], e[2]) for e in endpoints})
    refresh_statistics()  # after the rolled-back DELETE, which dirtied the visibility map
    conditional.clear()  # what the small register left under the same version

    results = []
    for label, url, page, target in endpoints:
        queries = count_queries(c, url), count_queries(c, url, miss=True)
        ms, floor = interleaved_ms(
            lambda u=url: request_once(c, u),
            lambda p=page: floor_once(p, size),
            args.runs,
            args.warmup,
        )
        miss = miss_ms(c, url, max(3, args.runs // 3))
        not_modified = not_modified_ms(c, url, max(3, args.runs // 3))
        results.append((label, small_counts[url], queries, ms, floor, target, miss, not_modified))
    conditional.clear()

    head = (
        f"{'endpoint':<28} {'queries':>9} {'q ok':>5} {'median ms':>10} "
        f"{'floor ms':>9} {'ratio':>6} {'target':>7} {'time ok':>8} "
        f"{'miss q':>7} {'miss ms':>8} {'304 ms':>7}"
    )
    print(
        f"queries = with {small} → {n} bench accounts; target ≤ {QUERY_TARGET}, not growing "
        "(a cache hit; 'miss q' the same for a cache miss, also ≤ the target)"
    )
    print(
        f"median of {args.runs} runs after {args.warmup} warm-up runs, endpoint and floor "
        "interleaved; miss ms: a request after emptying the cache; 304 ms: with If-None-Match\n"
    )
    print(head)
    print("-" * len(head))
    failed = 0
    for label, q_small, q, ms, floor, target, miss, not_modified in results:
        (hit_small, miss_small), (hit, miss_q) = q_small, q
        q_ok = hit <= QUERY_TARGET and hit <= hit_small and miss_q <= QUERY_TARGET
        q_ok = q_ok and miss_q <= miss_small
        ratio = ms / floor
        t_ok = ratio <= target
        failed += (not q_ok) + (not t_ok)
        print(
            f"{label:<28} {f'{hit_small}→{hit}':>9} {'PASS' if q_ok else 'FAIL':>5} {ms:>10.2f} "
            f"{floor:>9.2f} {ratio:>5.1f}× {f'≤ {target:g}×':>7} {'PASS' if t_ok else 'FAIL':>8} "
            f"{f'{miss_small}→{miss_q}':>7} {miss:>8.1f} {not_modified:>7.2f}"
        )
    print()
    print("ALL TARGETS MET" if not failed else f"{failed} TARGET(S) FAILED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
