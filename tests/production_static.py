"""Static files in tests as in production: the configured storage (with DEBUG off,
whitenoise's CompressedManifestStaticFilesStorage and its hashed names), collected into
a STATIC_ROOT of the test run's own and served by whitenoise from there.

`collectstatic` with compression takes some twenty seconds, so a collection is kept in
var/test-static/<fingerprint>/, where the fingerprint covers everything that shapes it
(every source file's path and content, the storage, STATIC_URL, Django's and
whitenoise's versions). The first process to need a fingerprint collects it under a file
lock (pytest-xdist's workers wait for it, then use it) into a scratch folder that is
renamed into place only when complete, so that a crashed run never leaves half a
collection behind. Changing a static file gives a new fingerprint, hence a fresh
collection; older ones are removed then.

The fixtures are made available to every test module by tests/conftest.py."""

import fcntl
import hashlib
import os
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer

# collectstatic's default ignore patterns, so that the fingerprint covers what it copies.
IGNORE = ["CVS", ".*", "*~"]


def fingerprint():
    digest = hashlib.sha256()
    for part in (
        settings.STORAGES["staticfiles"]["BACKEND"],
        settings.STATIC_URL,
        version("django"),
        version("whitenoise"),
    ):
        digest.update(f"{part}\0".encode())
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(IGNORE):
            found.setdefault(path, storage)  # the first finder wins, as in collectstatic
    for path in sorted(found):
        digest.update(f"{path}\0".encode())
        with found[path].open(path) as fh:
            digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()[:16]


def collected_static_root():
    """The folder with a complete collection for today's static files (made if need be)."""
    base = Path(settings.BASE_DIR) / "var" / "test-static"
    base.mkdir(parents=True, exist_ok=True)
    key = fingerprint()
    root = base / key
    with open(base / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not root.is_dir():
            scratch = base / f".{key}-{os.getpid()}"
            shutil.rmtree(scratch, ignore_errors=True)
            with override_settings(STATIC_ROOT=str(scratch)):
                call_command("collectstatic", interactive=False, verbosity=0)
            scratch.rename(root)
            # Older collections, and scratch folders of runs that crashed (under the
            # lock nobody else is collecting).
            for other in base.iterdir():
                if other not in (root, base / ".lock"):
                    shutil.rmtree(other, ignore_errors=True)
    return root


@pytest.fixture(scope="session", autouse=True)
def _production_static():
    """STATIC_ROOT is a complete collection made by the production storage."""
    with override_settings(STATIC_ROOT=str(collected_static_root())):
        yield


def _served_by_the_app(application):
    """The live server's static handler: none. Static files reach the browser as they do
    in production, from whitenoise's middleware serving STATIC_ROOT (pytest-django's
    default handler looks files up with the finders, by their unhashed names)."""
    return application


@pytest.fixture(scope="session")
def live_server(request, _production_static):
    """pytest-django's live server (same address options), serving static files through
    the app's own middleware, over plain http like the rest of the suite (the kommun's
    proxy terminates TLS in production). SecurityMiddleware reads SECURE_SSL_REDIRECT
    once, when the server builds its handler, so it is off while the server starts,
    whichever test asks for the server first."""
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _served_by_the_app
    with override_settings(SECURE_SSL_REDIRECT=False):
        server.start()
    yield server
    server.stop()
