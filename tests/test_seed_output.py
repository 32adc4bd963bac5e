"""`manage.py seed_demo` speaks English, as every management command's output does:
one line per seeder, named by its app, then the demo sign-in."""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SEEDED = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
# Words that gave Swedish away in the output before; any å, ä or ö does too.
SWEDISH = {"nya", "ny", "för", "och", "av", "konton", "konto", "inga", "tillsyn", "ärenden"}


def seed_output():
    out = io.StringIO()
    with time_machine.travel(SEEDED, tick=False):
        call_command("seed_demo", stdout=out, no_color=True)
    return out.getvalue()


def test_seed_demo_prints_english_only(settings, media):
    settings.KANALKOLL_DEV = True
    for text in (seed_output(), seed_output()):  # the first run and a rerun alike
        lines = text.splitlines()
        assert [line.split(":")[0] for line in lines[:7]] == [
            "organisation",
            "accounts",
            "dataprotection",
            "activityplans",
            "moderation",
            "archive",
            "disclosure",
        ]
        assert lines[7].startswith("Demo data ready.")
        assert not re.search("[åäöÅÄÖ]", text), text
        words = {word.lower() for word in re.findall(r"[^\W\d_]+", text)}
        assert not words & SWEDISH, text
