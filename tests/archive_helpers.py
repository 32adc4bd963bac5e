"""Helpers and fixtures of the archive tests (tests/test_archive*.py). The fixtures
`media` and `fake_capture` are made available to every test module by tests/conftest.py."""

import datetime
import io
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from archive.models import Snapshot
from archive.periods import Period
from notifications.models import Notification

STHLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def screenshot(width=640, height=1500):
    """A PNG like a browser's: a page with a header band and stripes."""
    image = Image.new("RGB", (width, height), "#ffffff")
    for top in range(0, height, 100):
        image.paste((20, 90, 160), (0, top, width, top + 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class Browser:
    """Stands in for archive.capture.capture: records the URLs, returns a PNG or raises."""

    def __init__(self):
        self.calls = []
        self.outcome = screenshot()
        self.delay = 0
        self.lock = threading.Lock()

    def __call__(self, url):
        with self.lock:
            self.calls.append(url)
        time.sleep(self.delay)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.fixture
def fake_capture(monkeypatch, media):
    fake = Browser()
    monkeypatch.setattr("archive.capture.capture", fake)
    return fake


def sent(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def semiannual(account, key="2026-H2"):
    period = Period.from_key(key)
    return Snapshot.objects.create(
        account=account, period_key=key, due_at=period.due_at, created_at=period.due_at
    )


LONG_AGO = datetime.date(2025, 1, 1)


def opened_long_ago(account):
    """The `account` fixture is registered today (whatever day the suite runs on); these
    tests need it active in 2026."""
    account.opened_on = LONG_AGO
    account.save()
    return account
