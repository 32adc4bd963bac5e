"""The production smoke test: Kanalkoll run as a server runs it.

gunicorn, the two Celery workers and beat are started with the ExecStart lines of the
systemd units in deploy/systemd (as the container's entry point does), against a
throwaway PostgreSQL database and a Redis database of their own, with the production
settings (DEBUG off, collected static files, HTTPS as the proxy reports it) and e-mail
over SMTP to aiosmtpd on 127.0.0.1. Through HTTP, as the real roles do: sign in with the
CSRF token of the sign-in form, draft and submit a plan, and let the chef, the
förvaltningskommunikatör and the kommunikationschef approve it to fastställd. The
default queue's worker is stopped mid-way (as `systemctl stop` does) and started again:
every notification reaches the SMTP server exactly once. `/healthz` reports every part,
and the missing worker while it is gone.

Marked `production`: `.ci/run` runs it on its own (`make test-production`); it takes
about two minutes, most of it migrating and collecting the static files.
"""

import collections
import email
import email.header
import email.utils
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
PASSWORD = "smoke-test-lösenord-7"  # noqa: S105 - a throwaway database's users

SEED = """
from organisation.models import Role, RoleAssignment, Unit, User
kommun = Unit.objects.create(name="Röktest kommun", kind=Unit.Kind.KOMMUN,
    contact_email="kontakt@rok.example")
kultur = Unit.objects.create(name="Kulturförvaltningen", kind=Unit.Kind.FORVALTNING, parent=kommun)
bibliotek = Unit.objects.create(name="Biblioteket", kind=Unit.Kind.ENHET, parent=kultur)
for username, unit, role in [
    ("medarbetare", bibliotek, Role.MEDARBETARE),
    ("kollega", bibliotek, Role.MEDARBETARE),
    ("chef", bibliotek, Role.CHEF),
    ("kommunikator", kultur, Role.KOMMUNIKATOR),
    ("kommunikationschef", kommun, Role.KOMMUNIKATIONSCHEF),
]:
    user = User.objects.create_user(username, f"{username}@rok.example", PASSWORD,
        first_name=username.capitalize(), last_name="Röktest", unit=unit)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
# The plan's platform has a current, signed-off data-protection assessment (a plan is not
# fastställd without one); the assessment's own flow is tested in test_dataprotection.
import datetime
from django.utils import timezone
from dataprotection.models import Assessment, State
officer = User.objects.create_user("dataskyddsombud", "dso@rok.example", PASSWORD, unit=kommun)
RoleAssignment.objects.create(user=officer, role=Role.DATASKYDDSOMBUD, unit=kommun)
now = timezone.now()
Assessment.objects.create(platform="instagram", state=State.SIGNED_OFF,
    channels="Kommunens konton.", personal_data="Kommentarer.", legal_basis="Artikel 6.1 e.",
    necessity="Invånarna finns där.", transfer_basis="EU–US Data Privacy Framework.",
    review_on=timezone.localdate(now) + datetime.timedelta(days=365),
    created_by=officer, created_at=now, submitted_at=now, decided_by=officer, decided_at=now)
"""


def unit_command(name):
    """The ExecStart line of deploy/systemd/kanalkoll-NAME.service, for this checkout (what
    deploy/container-run.sh does for /app)."""
    text = (UNITS / f"kanalkoll-{name}.service").read_text()
    (line,) = [ln for ln in text.splitlines() if ln.startswith("ExecStart=")]
    line = line.removeprefix("ExecStart=").replace("%%", "%").replace("/opt/kanalkoll", str(ROOT))
    return line.split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout, every=0.5, show=None):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; last seen: {show()}" if show else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{seen}")
        time.sleep(every)


# -- the outside world: SMTP, PostgreSQL, Redis ------------------------------------------


class Mailbox:
    """aiosmtpd's handler: keeps each message as received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.original_content))
        )
        return "250 OK"

    def per_notification(self):
        return collections.Counter(int(m["X-Kanalkoll-Notification"]) for _, m in self.messages)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


def _postgres():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        if os.environ.get("CI"):
            pytest.fail("the production smoke test needs DATABASE_URL=postgres://…")
        pytest.skip("the production smoke test runs against PostgreSQL (DATABASE_URL)")
    return urlsplit(url)


@pytest.fixture
def database():
    """A throwaway PostgreSQL database beside the configured one; yields its URL and a
    function running SQL in it."""
    import psycopg2

    base = _postgres()
    name = f"kanalkoll_smoke_{os.getpid()}"
    admin = psycopg2.connect(
        host=base.hostname,
        port=base.port or 5432,
        user=base.username,
        password=base.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = base._replace(path=f"/{name}").geturl()
    connections = []

    def sql(query, *params):
        if not connections:
            conn = psycopg2.connect(url)
            conn.autocommit = True
            connections.append(conn)
        with connections[0].cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    yield url, sql
    for conn in connections:
        conn.close()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def redis_url():
    """A Redis database number that nobody uses now (the suite uses 0): the workers'
    queues and their remote control (pidbox) stay within it. Emptied afterwards."""
    import redis

    broker = urlsplit(os.environ.get("CELERY_BROKER_URL", ""))
    if broker.scheme != "redis":
        if os.environ.get("CI"):
            pytest.fail("the production smoke test needs CELERY_BROKER_URL=redis://…")
        pytest.skip("the production smoke test runs against Redis (CELERY_BROKER_URL)")
    for number in range(15, 7, -1):
        url = broker._replace(path=f"/{number}").geturl()
        client = redis.Redis.from_url(url)
        if client.dbsize() == 0:
            client.set("kanalkoll-smoke-test", os.getpid())
            break
    else:
        pytest.fail("no empty Redis database among 8–15 for the smoke test")
    yield url
    client.flushdb()


# -- the server ------------------------------------------------------------------------


class Server:
    """The processes of deploy/systemd, each started from its unit's command line."""

    def __init__(self, env, logs):
        self.env = env
        self.logs = logs
        self.processes = {}

    def manage(self, *args):
        result = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result.stdout

    def start(self, name):
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.processes[name] = (
            subprocess.Popen(
                unit_command(name),
                cwd=ROOT,  # the unit's WorkingDirectory
                env=self.env,  # the unit's EnvironmentFile
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            log,
        )

    def stop(self, name):
        """As `systemctl stop` with KillMode=mixed: SIGTERM to the main process (a warm
        shutdown), SIGKILL to the rest only if it does not end in time."""
        process, log = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
            raise AssertionError(f"{name} did not stop on SIGTERM") from None
        finally:
            log.close()
        return process.returncode

    def alive(self):
        for name, (process, _) in self.processes.items():
            assert process.poll() is None, f"{name} died:\n{self.log(name)}"

    def log(self, name):
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop_all(self):
        for name in list(self.processes):
            try:
                self.stop(name)
            except AssertionError:
                pass


class Browser:
    """A person's browser behind the kommun's proxy: the proxy's headers (HTTPS), the
    cookies the app sets, and the CSRF token taken from each form before it is sent."""

    def __init__(self, port):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies = {}

    def request(self, method, path, data=None):
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def get(self, path):
        return self.request("GET", path)

    def submit(self, page, action, data):
        """GET `page`, take the CSRF token from its form, POST `data` to `action`."""
        status, _, html = self.get(page)
        assert status == 200, (page, status)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, f"no CSRF token in the form on {page}"
        return self.request("POST", action, {"csrfmiddlewaretoken": match[1], **data})

    def sign_in(self, username):
        status, headers, _ = self.submit(
            "/logga-in/", "/logga-in/", {"username": username, "password": PASSWORD}
        )
        assert status == 302 and headers["Location"] == "/att-gora/", (username, status)
        assert self.get("/att-gora/")[0] == 200

    def decide(self, plan_id, state, **extra):
        status, headers, _ = self.submit(
            f"/planer/{plan_id}/",
            f"/planer/{plan_id}/beslut/",
            {"expected_state": state, "decision": "approve", "comment": "", **extra},
        )
        assert status == 302 and headers["Location"] == f"/planer/{plan_id}/", status
        _, _, html = self.get(f"/planer/{plan_id}/")
        assert "Beslutet är registrerat" in html


def healthz(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # Plain HTTP from this host, as a load balancer's or container's check asks.
        connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture
def server(database, redis_url, smtp, tmp_path):
    url, _ = database
    smtp_port, _ = smtp
    web_port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "TZ": os.environ.get("TZ", "UTC"),
        # deploy/kanalkoll.env.example, for this machine:
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"https://127.0.0.1:{web_port}",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEFAULT_FROM_EMAIL": "kanalkoll@rok.example",
        "KANALKOLL_ENV_FILE": "/dev/null",
        "KANALKOLL_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "KANALKOLL_BIND": f"127.0.0.1:{web_port}",
        "KANALKOLL_WEB_WORKERS": "2",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Server(env, logs)
    running.web_port = web_port
    # The release steps of an installation: migrate, collect the static files.
    running.manage("migrate", "--no-input", "-v0")
    running.manage("collectstatic", "--no-input", "-v0")
    running.manage("shell", "-c", f"PASSWORD = {PASSWORD!r}\n{SEED}")
    for name in ("web", "worker", "worker-pdf", "beat"):
        running.start(name)
    try:
        yield running
    finally:
        running.stop_all()
        # pytest shows what a test printed only when it failed: the processes' logs then.
        for name in ("web", "worker", "worker-pdf", "beat"):
            print(f"--- {name}.log (in {logs})\n{running.log(name)}")


def plan_form(unit_id, admin_ids, substitute_id):
    return {
        "action": "submit",
        "unit": unit_id,
        "assignment": "nytt_konto",
        "platform": "instagram",
        "account_kind": "verksamhetskonto",
        "account_name": "Biblioteket läser",
        "url": "https://www.instagram.com/roktestbiblioteket",
        "duration": "tills_vidare",
        "purpose": "Väcka läslust hos unga vuxna.",
        "goals": "500 följare efter ett år.",
        "audience": "Unga vuxna 16–25 år",
        "complements": "Länkar till evenemangskalendern.",
        "content_plan": "Boktips och evenemang.",
        "frequency": "3 inlägg i veckan",
        "time_allocated": "Fyra timmar i veckan.",
        "platform_knowledge": "Flera års vana.",
        "personal_data": "Bilder bara med samtycke.",
        "evaluation_plan": "Följs upp varje kvartal.",
        "answers_within_48h": "on",
        "consent_confirmed": "on",
        "administrators": admin_ids,
        "substitute": substitute_id,
    }


def test_the_production_stack_from_draft_to_faststalld(server, database, smtp):
    _, sql = database
    _, mailbox = smtp
    port = server.web_port

    def notifications():
        return {
            pk: (address, sent is not None)
            for pk, address, sent in sql(
                "SELECT n.id, u.email, n.sent_at FROM notifications_notification n "
                "JOIN organisation_user u ON u.id = n.recipient_id"
            )
        }

    def all_delivered_once():
        rows = notifications()
        received = mailbox.per_notification()
        return rows and all(sent for _, sent in rows.values()) and set(received) == set(rows)

    # Up: every part, beat included (it answers the ping as soon as it ticks).
    status, body = wait_for(
        "healthz to report every part ok",
        lambda: (r := _health(port)) and r[1].get("status") == "ok" and r,
        timeout=90,
        show=lambda: _health(port),
    )
    server.alive()
    host = socket.gethostname()
    assert status == 200
    assert set(body) == {"status", "database", "broker", "workers", "beat", "outbox"}
    assert body["database"] == {"ok": True, "detail": "postgresql"}
    assert body["broker"] == {"ok": True, "detail": "redis"}
    assert body["workers"]["queues"] == {"celery": [f"default@{host}"], "pdf": [f"pdf@{host}"]}
    assert body["beat"]["ok"] is True and body["beat"]["nodes"] == [f"celerybeat@{host}"]
    assert body["outbox"] == {"ok": True, "detail": "", "pending": 0, "oldest_waiting_seconds": 0}

    (unit_id, admin_id, substitute_id) = sql(
        "SELECT u.unit_id, u.id, k.id FROM organisation_user u, organisation_user k "
        "WHERE u.username = 'medarbetare' AND k.username = 'kollega'"
    )[0]

    # The applicant signs in with the form's CSRF token and submits a complete plan.
    applicant = Browser(port)
    assert applicant.get("/planer/ny/")[0] == 302  # signed out: to the sign-in page
    applicant.sign_in("medarbetare")
    status, headers, html = applicant.submit(
        "/planer/ny/", "/planer/ny/", plan_form(unit_id, [admin_id, substitute_id], substitute_id)
    )
    assert status == 302, re.findall(r"(?:invalid-feedback|alert)[^>]*>(.*?)<", html, re.S)
    plan_id = int(re.fullmatch(r"/planer/(\d+)/", headers["Location"])[1])
    assert sql("SELECT state FROM activityplans_plan WHERE id = %s", plan_id) == [("inskickad",)]

    # The chef approves; the notifications so far arrive.
    chef = Browser(port)
    chef.sign_in("chef")
    chef.decide(plan_id, "inskickad")
    wait_for("the first notifications by SMTP", all_delivered_once, timeout=30)
    before = set(notifications())
    assert {address for address, _ in notifications().values()} >= {"chef@rok.example"}

    # The default queue's worker stops (systemctl stop: SIGTERM, a warm shutdown).
    assert server.stop("worker") == 0
    # The pdf worker goes on answering; on a busy machine one broadcast may miss its
    # reply, so wait for the answer in which only the default worker is missing.
    _, body = wait_for(
        "healthz to miss the default worker (and only it)",
        lambda: (
            (r := _health(port))
            and not r[1]["workers"]["ok"]
            and r[1]["workers"]["queues"]["pdf"]
            and r
        ),
        timeout=30,
        show=lambda: _health(port),
    )
    assert body["status"] == "degraded" and body["workers"]["queues"]["celery"] == []
    assert body["workers"]["queues"]["pdf"] and body["workers"]["detail"] == "no worker for celery"

    # Meanwhile the communicator and the kommunikationschef decide: their notifications
    # wait in the outbox and on the queue.
    communicator = Browser(port)
    communicator.sign_in("kommunikator")
    communicator.decide(plan_id, "godkand_av_chef")
    chief = Browser(port)
    chief.sign_in("kommunikationschef")
    chief.decide(plan_id, "forankrad", url="https://www.instagram.com/roktestbiblioteket")
    assert sql("SELECT state FROM activityplans_plan WHERE id = %s", plan_id) == [("faststalld",)]
    assert sql(
        "SELECT a.status, u.username FROM accounts_account a "
        "JOIN organisation_user u ON u.id = a.responsible_id "
        "WHERE a.url = 'https://www.instagram.com/roktestbiblioteket'"
    ) == [("aktivt", "medarbetare")]
    waiting = set(notifications()) - before
    assert waiting, "the last two decisions notify someone"
    time.sleep(2)
    assert not set(mailbox.per_notification()) & waiting, "no worker, yet mail was sent"
    assert _health(port)[1]["outbox"]["pending"] == len(waiting)

    # The worker starts again: everything waiting is delivered, nothing twice.
    server.start("worker")
    wait_for("the waiting notifications by SMTP", all_delivered_once, timeout=60)
    time.sleep(3)  # a second delivery, if there were one, would come now
    received = mailbox.per_notification()
    assert set(received) == set(notifications()) and set(received.values()) == {1}, received
    for recipients, message in mailbox.messages:
        pk = int(message["X-Kanalkoll-Notification"])
        assert recipients == [notifications()[pk][0]]
        # The kommun's name – Kanalkoll, at the configured address.
        name, address = email.utils.parseaddr(message["From"])
        assert address == "kanalkoll@rok.example"
        assert str(email.header.make_header(email.header.decode_header(name))) == (
            "Röktest kommun – Kanalkoll"
        )
    kinds = set(
        sql(
            "SELECT u.username, n.kind FROM notifications_notification n "
            "JOIN organisation_user u ON u.id = n.recipient_id"
        )
    )
    assert {
        ("chef", "plan_waiting"),
        ("kommunikator", "plan_waiting"),
        ("kommunikationschef", "plan_waiting"),
    } <= kinds, kinds

    # /healthz: every part ok again, the outbox empty, beat has been sending its sweeps.
    _, body = wait_for(
        "healthz to report every part ok",
        lambda: (r := _health(port)) and r[1]["status"] == "ok" and r,
        timeout=30,
        show=lambda: _health(port),
    )
    server.alive()
    assert all(body[part]["ok"] for part in body if part != "status")
    assert body["outbox"]["pending"] == 0
    assert set(mailbox.per_notification().values()) == {1}


def _health(port):
    try:
        return healthz(port)
    except (OSError, http.client.HTTPException, json.JSONDecodeError):
        return None
