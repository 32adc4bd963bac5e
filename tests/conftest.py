"""Shared fixtures: a small kommun with one person in each role.

kommun
├── Kultur- och fritidsförvaltningen (kommunikator)
│   └── Biblioteket (chef, medarbetare)
└── Utbildningsförvaltningen (kommunikator2)
    └── Skolan (outsider: medarbetare elsewhere)
"""

import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from accounts import conditional
from accounts.models import Account
from organisation.models import Role, Unit

from .archive_helpers import fake_capture, media  # noqa: F401 - fixtures of the archive tests
from .factories import AccountFactory, UserFactory, give_role, make_plan, signed_off_assessments
from .production_static import _production_static, live_server  # noqa: F401 - static as in production


def pytest_configure(config):
    """Tasks enqueued by this test run stay within it, so that the worker of a running
    `make run` never takes them and two runs never mix: a queue of its own on Redis,
    broker folders of its own on the filesystem transport."""
    from config.celery import app

    if (app.conf.broker_url or "").startswith("filesystem://"):
        folder = Path(tempfile.mkdtemp(prefix="kanalkoll-test-broker-"))
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "out"),
            "data_folder_out": str(folder / "out"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        for name in ("out", "processed", "control"):
            (folder / name).mkdir()
        config._kanalkoll_broker_folder = folder
    else:
        app.conf.task_default_queue = f"kanalkoll-test-{os.getpid()}"
        # The other queues too (config.settings.CELERY_TASK_ROUTES: pdf), by the same patterns.
        from django.conf import settings

        app.conf.task_routes = {
            pattern: {"queue": f"kanalkoll-test-{os.getpid()}-{route['queue']}"}
            for pattern, route in settings.CELERY_TASK_ROUTES.items()
        }


def pytest_unconfigure(config):
    folder = getattr(config, "_kanalkoll_broker_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Plain HTTP in tests; production defaults otherwise (static files too: see
    tests/production_static.py)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The public register's cache is keyed by a version that a rolled-back test may
    # have used too: every test starts with an empty cache (every tier of it).
    conditional.clear()


@pytest.fixture(autouse=True)
def _platform_catalogue(request):
    """The platform catalogue as migrated (accounts 0016): a transactional test (a live
    server, a browser) flushes every table when it ends, the catalogue too, so a test
    with the database gets it back first."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not (names & {"db", "transactional_db", "live_server"} or marker):
        yield
        return
    transactional = names & {"transactional_db", "live_server"} or (
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from accounts import platforms
    from accounts.models import Platform

    if not Platform.objects.exists():
        Platform.objects.bulk_create(
            Platform(
                slug=slug,
                name=name,
                position=position,
                hosts=hosts,
                aliases=aliases,
                short_links=short_links,
                feed_template=feed,
            )
            for position, (slug, name, hosts, aliases, short_links, feed) in enumerate(
                platforms.SEED, start=1
            )
        )
    platforms.forget()
    yield
    platforms.forget()


UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _use_broker(app, url):
    """Switch the Celery app to another broker URL, dropping pooled connections
    (the connection pool and the producer pool built on it). Not app.close(): that also
    takes the app off Celery's list of live apps, so that a shared task first imported
    later (moderation.tasks in a test after this one) would never be registered."""
    from config.celery import breaker

    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = app.conf.broker_write_url = url
    breaker.reset()


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where nothing listens."""
    from config.celery import app

    before = app.conf.broker_url
    _use_broker(app, UNREACHABLE_BROKER)
    yield
    _use_broker(app, before)


@pytest.fixture
def broker_black_hole():
    """Point the Celery app at a port that accepts connections and never answers (the
    worse case: nothing is refused, every read waits). Yields the server, which counts
    the connection attempts."""
    from config.celery import app

    from .servers import TcpServer

    before = app.conf.broker_url
    with TcpServer() as hole:
        _use_broker(app, f"redis://127.0.0.1:{hole.port}/0")
        yield hole
        _use_broker(app, before)


@pytest.fixture
def org(db):
    kommun = Unit.objects.create(
        name="Testby kommun",
        kind=Unit.Kind.KOMMUN,
        website="https://www.testby.example",
        contact_phone="08-123 45",
        contact_email="kontakt@testby.example",
    )
    kultur = Unit.objects.create(
        name="Kultur- och fritidsförvaltningen", kind=Unit.Kind.FORVALTNING, parent=kommun
    )
    bibliotek = Unit.objects.create(name="Biblioteket", kind=Unit.Kind.ENHET, parent=kultur)
    utbildning = Unit.objects.create(
        name="Utbildningsförvaltningen", kind=Unit.Kind.FORVALTNING, parent=kommun
    )
    skolan = Unit.objects.create(name="Skolan", kind=Unit.Kind.ENHET, parent=utbildning)

    def person(username, unit, *roles):
        user = UserFactory(username=username, unit=unit)
        for role, role_unit in roles:
            give_role(user, role, role_unit)
        return user

    people = SimpleNamespace(
        medarbetare=person("medarbetare", bibliotek, (Role.MEDARBETARE, bibliotek)),
        chef=person("chef", bibliotek, (Role.CHEF, bibliotek)),
        kommunikator=person("kommunikator", kultur, (Role.KOMMUNIKATOR, kultur)),
        kommunikationschef=person("kommunikationschef", kommun, (Role.KOMMUNIKATIONSCHEF, kommun)),
        kommunikationsavdelningen=person(
            "kommunikationsavdelningen", kommun, (Role.KOMMUNIKATIONSAVDELNINGEN, kommun)
        ),
        arkivarie=person("arkivarie", kommun, (Role.ARKIVARIE, kommun)),
        dataskyddsombud=person("dataskyddsombud", kommun, (Role.DATASKYDDSOMBUD, kommun)),
        registrator=person("registrator", kommun, (Role.REGISTRATOR, kommun)),
        admin=person("admin", kommun, (Role.SYSTEMADMINISTRATOR, kommun)),
        outsider=person("outsider", skolan, (Role.MEDARBETARE, skolan)),
        kommunikator2=person("kommunikator2", utbildning, (Role.KOMMUNIKATOR, utbildning)),
    )
    # Every platform has a current, signed-off data-protection assessment, so that plans
    # can be fastställda (tests/test_dataprotection.py takes them away).
    signed_off_assessments(people.kommunikationsavdelningen, people.dataskyddsombud)
    return SimpleNamespace(
        kommun=kommun,
        kultur=kultur,
        bibliotek=bibliotek,
        utbildning=utbildning,
        skolan=skolan,
        people=people,
    )


@pytest.fixture
def account(org):
    """An active, compliant library account run by medarbetare."""
    p = org.people
    account = AccountFactory(
        display_name="Biblioteket i Testby",
        url="https://www.instagram.com/testbybibliotek",
        platform="instagram",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        substitute=p.chef,
    )
    account.administrators.set([p.medarbetare, p.chef, p.kommunikator])
    return Account.objects.with_compliance().get(pk=account.pk)


@pytest.fixture
def colleague(org):
    """A second medarbetare in Biblioteket: administrator and substitute on plans."""
    return _person_in(org.bibliotek, "kollega", "Kim", "Kollega")


def _person_in(unit, username, first_name, last_name, role=Role.MEDARBETARE):
    user = UserFactory(username=username, unit=unit, first_name=first_name, last_name=last_name)
    give_role(user, role, unit)
    return user


@pytest.fixture
def plan(org, colleague):
    """A complete draft by medarbetare, ready to submit: administrators medarbetare and
    kollega, substitute kollega."""
    return make_plan(org.people.medarbetare, colleague)
