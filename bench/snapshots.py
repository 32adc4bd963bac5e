"""Benchmark of the snapshot PDFs: 200 renders, and a half-year run of 500 accounts.

Run from the project directory (it makes and migrates its own THROWAWAY database):

    KANALKOLL_DEV=1 .venv/bin/python bench/snapshots.py
    KANALKOLL_DEV=1 .venv/bin/python bench/snapshots.py --renders 20 --accounts 50  # quick

The database is DATABASE_URL if it names a database with "bench" in it, else
postgres://postgres@127.0.0.1:5432/kanalkoll_bench_snap; it is created if missing and
migrated. Snapshots cannot be deleted through the app, so each run empties the archive
tables with TRUNCATE (hence the throwaway database). PDFs and screenshots go to a
temporary MEDIA_ROOT that is removed at the end.

What is measured:
1. Rendering. One snapshot with a realistic screenshot (1280 × 4000 pixels: a header,
   a cover photo and posts with text and photos) is rendered N times (default 200)
   through archive.document.render_snapshot. Alternating with it (each goes first every
   other time), the same HTML with the same files (stylesheet, fonts and the screenshot,
   already in memory) is rendered by bare WeasyPrint: HTML(...).write_pdf(pdf_variant=
   "pdf/a-2b") with its defaults. The figure is the median per PDF as a ratio to bare
   WeasyPrint (target at most 1.3×), in CPU time of the process (on a shared machine
   wall time mostly measures the neighbours); wall time is printed beside it.
2. Memory, in a child process: N renders with tracemalloc on; after 10, N/2 and N
   renders the high-water marks so far (traced Python memory, RSS) and what is still
   held after gc.collect(). Flat: what is held does not grow, and the high-water marks
   do not rise from N/2 to N (by more than 8 MiB).
3. A half-year run: 500 accounts (default), the period's snapshots made by
   jobs.create_semiannual, then two worker processes each running jobs.capture_due
   until nothing is due, with archive.capture.capture replaced by a fast stand-in that
   returns the same 1280 × 4000 screenshot. Wall time from the sweep to the last seal,
   and a check that every snapshot was sealed, once.

The report always exits 0; read the PASS/FAIL column.
"""

import argparse
import datetime
import io
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kanalkoll_bench_snap"
if "bench" not in urlsplit(os.environ.get("DATABASE_URL", "")).path:
    os.environ["DATABASE_URL"] = DEFAULT_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("SECRET_KEY"):
    os.environ["KANALKOLL_DEV"] = "1"
if "KANALKOLL_BENCH_MEDIA" not in os.environ:
    os.environ["KANALKOLL_BENCH_MEDIA"] = tempfile.mkdtemp(prefix="kanalkoll-bench-snap-")
os.environ["MEDIA_ROOT"] = os.environ["KANALKOLL_BENCH_MEDIA"]
os.environ.setdefault(
    "STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")


def ensure_database():
    """Create the throwaway database if it does not exist (before Django connects)."""
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    conn = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, password=url.password,
        dbname="postgres",
    )  # fmt: skip
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


RENDER_TARGET = 1.3
MEMORY_SLACK_MIB = 8
TURN = datetime.datetime(2030, 1, 1, 0, 5, tzinfo=datetime.UTC)  # 2029-H2 has ended
HOST = "bench-snap.example"
PREFIX = "benchsnap-"


def realistic_screenshot(width=1280, height=4000, seed=5):
    """A PNG like a social media start page: header, cover photo, posts with text lines,
    avatars and photos. Photos are noise, so that they compress as badly as real ones."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    page = Image.new("RGB", (width, height), (240, 242, 245))
    draw = ImageDraw.Draw(page)

    def photo(w, h):
        noise = Image.effect_noise((w, h), 60).filter(ImageFilter.GaussianBlur(1.2))
        tint = tuple(rnd.randrange(40, 220) for _ in range(3))
        return Image.merge("RGB", [noise.point(lambda v, t=t: (v + t) // 2) for t in tint])

    draw.rectangle((0, 0, width, 56), fill=(255, 255, 255))
    draw.rectangle((16, 12, 140, 44), fill=(24, 119, 242))
    page.paste(photo(width - 160, 360), (80, 70))
    draw.ellipse((110, 340, 270, 500), fill=(255, 255, 255), outline=(200, 200, 200), width=4)
    top = 520
    while top < height - 200:
        card = (240, top, width - 240, min(height - 20, top + 620))
        draw.rectangle(card, fill=(255, 255, 255))
        draw.ellipse((card[0] + 16, top + 16, card[0] + 56, top + 56), fill=(120, 140, 170))
        for line in range(rnd.randrange(2, 6)):
            y = top + 72 + line * 22
            x = card[0] + 16
            while x < card[2] - 60:  # words
                w = rnd.randrange(18, 70)
                draw.rectangle((x, y, x + w, y + 12), fill=(50, 50, 50))
                x += w + 7
        y = top + 200
        if y + 380 < card[3]:
            page.paste(photo(card[2] - card[0] - 32, 380), (card[0] + 16, y))
        top = card[3] + 24
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


def setup():
    ensure_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE archive_snapshot, archive_receipt, notifications_reminder, "
            "notifications_notification RESTART IDENTITY CASCADE"
        )


def seed(accounts):
    """A kommun, a unit with a responsible person, and `accounts` active accounts."""
    from accounts import platforms
    from accounts.models import Account, Status
    from accounts.urlkeys import url_key
    from organisation.models import Role, RoleAssignment, Unit, User

    kommun = Unit.objects.kommun() or Unit.objects.create(
        name="Benchby kommun", kind=Unit.Kind.KOMMUN, website=f"https://{HOST}/"
    )
    forv, _ = Unit.objects.get_or_create(
        name=f"{PREFIX}Kultur- och fritidsförvaltningen",
        defaults={"kind": Unit.Kind.FORVALTNING, "parent": kommun},
    )
    unit, _ = Unit.objects.get_or_create(
        name=f"{PREFIX}Biblioteken", defaults={"kind": Unit.Kind.ENHET, "parent": forv}
    )
    person, _ = User.objects.get_or_create(
        username=f"{PREFIX}ansvarig",
        defaults={
            "first_name": "Åsa",
            "last_name": "Öberg",
            "title": "Bibliotekarie",
            "unit": unit,
        },
    )
    RoleAssignment.objects.get_or_create(user=person, role=Role.MEDARBETARE, unit=unit)
    have = set(
        Account.objects.filter(url__startswith=f"https://{HOST}/").values_list("url", flat=True)
    )
    rows = []
    for i in range(accounts):
        url = f"https://{HOST}/konto{i:04d}"
        if url in have:
            continue
        rows.append(
            Account(
                platform=platforms.FACEBOOK_PAGE,
                display_name=f"Biblioteket i Älvsjö {i:04d}",
                handle=f"@bibliotek{i}",
                url=url,
                url_key=url_key(url),
                unit=unit,
                responsible=person,
                purpose="Berätta om bibliotekets evenemang och svara på frågor om lån.",
                audience="Invånare, särskilt barnfamiljer och studerande",
                status=Status.ACTIVE,
                opened_on=datetime.date(2024, 3, 1),
                created_at=TURN,
                updated_at=TURN,
            )
        )
    Account.objects.bulk_create(rows, batch_size=500)
    return Account.objects.filter(url__startswith=f"https://{HOST}/").order_by("url")


# -- 1. rendering ----------------------------------------------------------------------


def bare_fetcher(files):
    """The files the app's fetcher served, already in memory: what bare WeasyPrint gets."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from config.pdf import ProjectOnlyFetcher

    class Bare(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in files:  # a font the app's kept font configuration had already
                response = ProjectOnlyFetcher().fetch(url)
                files[url] = (response.read(), response.headers.get("Content-Type"))
            body, mime = files[url]
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return Bare()


def snapshot_for_render(account, png):
    from archive import services
    from archive.models import Method, Reason, Snapshot, State

    # Waiting for an upload: the capture sweep of the half-year run leaves it alone.
    snapshot = Snapshot.objects.create(
        account=account,
        period_key="2029-H2",
        reason=Reason.ON_DEMAND,
        state=State.NEEDS_UPLOAD,
        due_at=TURN,
        created_at=TURN,
    )
    snapshot.method = Method.AUTOMATIC
    snapshot.captured_at = TURN
    snapshot.register_data = services.register_data(account)
    return snapshot


def what_the_app_renders(snapshot, png):
    """The HTML render_snapshot hands WeasyPrint and every file its fetcher served
    (stylesheet, fonts, the screenshot's parts), captured from one render."""
    from config import pdf

    seen = {"files": {}}

    class Recording(pdf.ProjectOnlyFetcher):
        def fetch(self, url, headers=None):
            response = super().fetch(url, headers)
            body = response.read()
            seen["files"][url] = (body, response.headers.get("Content-Type"))
            return pdf.URLFetcherResponse(url, body, {"Content-Type": seen["files"][url][1]})

    real_html, real_fetcher = pdf.HTML, pdf.ProjectOnlyFetcher

    def spy(*, string, **kwargs):
        seen["html"] = string
        return real_html(string=string, **kwargs)

    pdf.HTML, pdf.ProjectOnlyFetcher = spy, Recording
    try:
        from archive.document import render_snapshot

        render_snapshot(snapshot, png)
    finally:
        pdf.HTML, pdf.ProjectOnlyFetcher = real_html, real_fetcher
    return seen["html"], seen["files"]


def bare_render(html, resources):
    from weasyprint import HTML

    from config.pdf import BASE_URL

    return HTML(string=html, base_url=BASE_URL, url_fetcher=bare_fetcher(resources)).write_pdf(
        pdf_variant="pdf/a-2b"
    )


def measure_rendering(renders, png):
    from archive.document import render_snapshot

    account = seed(1)[0]
    snapshot = snapshot_for_render(account, png)
    html, resources = what_the_app_renders(snapshot, png)
    for _ in range(2):  # warm-up: imports, templates, font caches of the OS
        render_snapshot(snapshot, png)
        bare_render(html, resources)
    times = {"app": [], "bare": [], "app_cpu": [], "bare_cpu": []}
    out = {}

    def timed(name, fn, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        out[name] = fn(*args)
        times[name + "_cpu"].append(time.process_time() - cpu)
        times[name].append(time.perf_counter() - wall)

    for i in range(renders):
        # Alternating which goes first, so that neither always follows the other's garbage.
        pair = [("app", render_snapshot, snapshot, png), ("bare", bare_render, html, resources)]
        for name, fn, *args in pair if i % 2 == 0 else reversed(pair):
            timed(name, fn, *args)
    pdf_app, pdf_bare = out["app"], out["bare"]
    return {
        **{name: statistics.median(values) for name, values in times.items()},
        "app_kib": len(pdf_app) // 1024,
        "bare_kib": len(pdf_bare) // 1024,
        "png_kib": len(png) // 1024,
    }


def say(text):
    print(text, file=sys.stderr, flush=True)


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(renders):
    """In this (child) process: N renders with tracemalloc on. At 10, N/2 and N renders:
    the high-water marks so far (traced Python memory and RSS) and the memory still
    held after a full garbage collection. Prints one line per mark."""
    import gc

    from archive.document import render_snapshot

    png = realistic_screenshot()
    account = seed(1)[0]
    snapshot = snapshot_for_render(account, png)
    tracemalloc.start()
    for i in range(1, renders + 1):
        render_snapshot(snapshot, png)
        if i in (10, renders // 2, renders):
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            rss = rss_mib()
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] / 2**20
            print(f"MEMORY {i} {peak:.1f} {rss:.1f} {held:.1f}", flush=True)


# -- 2. the half-year run ------------------------------------------------------------------


def worker_child():
    """One worker: capture what is due until nothing is left; prints how many it sealed."""
    from archive import capture, jobs

    png = realistic_screenshot()
    capture.capture = lambda url: png
    sealed = 0
    while True:
        done = jobs.capture_due(TURN)
        sealed += done
        if not done and not jobs.due_ids(TURN, 1):
            break
    print(f"SEALED {sealed}")


def half_year_run(accounts):
    from django.db import transaction
    from django.db.models import Count

    from accounts.models import Status
    from archive import jobs
    from archive.models import Reason, Snapshot

    bench = seed(accounts)
    # Exactly `accounts` active (a planned account gets no snapshot): an earlier run may
    # have made more.
    last = f"https://{HOST}/konto{accounts:04d}"
    with transaction.atomic():  # bench data, set past the register's services
        bench.filter(url__lt=last).service_update(status=Status.ACTIVE)
        bench.filter(url__gte=last).service_update(status=Status.PLANNED)
    t0 = time.perf_counter()
    made = jobs.create_semiannual(TURN)
    workers = [_child("--worker") for _ in range(2)]
    outputs = [w.communicate()[0] for w in workers]
    wall = time.perf_counter() - t0
    sealed = [
        int(line.split()[1])
        for out in outputs
        for line in out.splitlines()
        if line.startswith("SEALED")
    ]
    states = dict(
        Snapshot.objects.filter(period_key="2029-H2", reason=Reason.SEMIANNUAL)
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {"made": made, "wall": wall, "per_worker": sealed, "states": states}


def _child(flag, *args):
    return subprocess.Popen(
        [sys.executable, __file__, flag, *map(str, args)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    setup_done = os.environ.get("KANALKOLL_BENCH_SETUP") == "1"
    if setup_done:
        django.setup()
    else:
        setup()
        os.environ["KANALKOLL_BENCH_SETUP"] = "1"
    if args.worker:
        return worker_child()
    if args.memory_child:
        return memory_child(args.memory_child)

    from django.db import connection

    try:
        png = realistic_screenshot()
        print(f"Database {connection.settings_dict['NAME']} ({connection.vendor}), "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        load = os.getloadavg()[0]
        say(f"rendering {args.renders} snapshots, each beside bare WeasyPrint…")
        r = measure_rendering(args.renders, png)
        # CPU time: on a shared machine it is what the render costs, wall time is noise.
        ratio = r["app_cpu"] / r["bare_cpu"]
        say(f"memory: {args.renders} renders with tracemalloc in a child process…")
        child = _child("--memory-child", args.renders)
        marks = {
            int(line.split()[1]): tuple(map(float, line.split()[2:]))
            for line in child.communicate()[0].splitlines()
            if line.startswith("MEMORY")
        }
        say(f"half-year run: {args.accounts} accounts, two workers…")
        run = half_year_run(args.accounts) if args.accounts else None
        load = (load, os.getloadavg()[0])
    finally:
        shutil.rmtree(os.environ["KANALKOLL_BENCH_MEDIA"], ignore_errors=True)

    def verdict(ok):
        return "PASS" if ok else "FAIL"

    n = args.renders
    print(f"Load average (1 min) at the start and the end: {load[0]:.1f}, {load[1]:.1f}")
    print(f"Screenshot 1280 × 4000 px, {r['png_kib']} KiB PNG; PDF {r['app_kib']} KiB")
    print(f"{'measure':<46} {'wall (CPU)':>24}  target")
    print(f"{'render_snapshot per PDF, median of ' + str(n):<46} "
          f"{r['app'] * 1000:>14.0f} ms ({r['app_cpu'] * 1000:.0f})")  # fmt: skip
    print(f"{'bare WeasyPrint, same HTML and files':<46} "
          f"{r['bare'] * 1000:>14.0f} ms ({r['bare_cpu'] * 1000:.0f})")  # fmt: skip
    print(f"{'ratio, wall (CPU; the verdict)':<46} {r['app'] / r['bare']:>16.2f}× ({ratio:.2f}×)  "
          f"≤ {RENDER_TARGET}× {verdict(ratio <= RENDER_TARGET)}")  # fmt: skip
    keys = sorted(marks)
    first, half, last = (marks[k] for k in (keys + keys[-1:])[:3])
    after = " / ".join(map(str, keys))
    for label, index in (("tracemalloc peak", 0), ("peak RSS", 1), ("held after gc.collect()", 2)):
        values = " / ".join(f"{m[index]:.1f}" for m in (first, half, last))
        print(f"{label + ' after ' + after:<46} {values:>20} MiB")
    # Flat: what stays held does not grow with the renders, and the high-water marks
    # stop rising once the cyclic collector's garbage has reached its level.
    flat = (
        last[2] <= first[2] + MEMORY_SLACK_MIB
        and last[0] <= half[0] + MEMORY_SLACK_MIB
        and last[1] <= half[1] + MEMORY_SLACK_MIB
    )
    print(f"{'memory flat (held; peaks from ' + str(keys[1]) + ' to ' + str(n) + ')':<46} "
          f"{'':>24}  ≤ +{MEMORY_SLACK_MIB} MiB {verdict(flat)}")  # fmt: skip
    if run is None:
        return
    complete = (
        run["states"] == {"forseglad": args.accounts} and sum(run["per_worker"]) == args.accounts
    )
    print(f"{'half-year run: ' + str(args.accounts) + ' accounts, 2 workers':<46} "
          f"{run['wall']:>22.1f} s  all sealed once {verdict(complete)}")  # fmt: skip
    print(f"  made {run['made']}, sealed per worker {run['per_worker']}, "
          f"{run['wall'] / max(1, args.accounts) * 1000:.0f} ms per snapshot, states {run['states']}")  # fmt: skip


if __name__ == "__main__":
    main()
