"""`manage.py seed_demo` speaks the interface's language, Swedish, to whoever tries the
demo: one line per seeder, named by what it seeded, then the demo sign-in. (Issue 13:
"seed output mixes languages"; the walk of December 2026 found it all English.)"""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SEEDED = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
# Words that gave English away in the output before.
ENGLISH = {
    "new",
    "units",
    "users",
    "the",
    "register",
    "assessments",
    "plans",
    "items",
    "accounts",
    "checked",
    "snapshots",
    "requests",
    "ready",
    "sign",
    "password",
}


def seed_output():
    out = io.StringIO()
    with time_machine.travel(SEEDED, tick=False):
        call_command("seed_demo", stdout=out, no_color=True)
    return out.getvalue()


def test_seed_demo_prints_swedish_only(settings, media):
    settings.KANALKOLL_DEV = True
    first, again = seed_output(), seed_output()
    for text in (first, again):  # the first run and a rerun alike
        lines = text.splitlines()
        assert [line.split(":")[0] for line in lines[:7]] == [
            "Organisation",
            "Konton",
            "Dataskydd",
            "Aktivitetsplaner",
            "Moderering",
            "Arkiv",
            "Allmänna handlingar",
        ]
        assert lines[7].startswith("Demodata klara. Logga in på http://127.0.0.1:8000/logga-in/")
        assert lines[8].split() == ["medarbetare", "lösenord:", "kanalkoll-demo"]
        assert lines[-1] == "Alla 23 demoanvändare står i README, med roll och enhet."
        words = {word.lower() for word in re.findall(r"[^\W\d_]+", text)}
        assert not words & ENGLISH, text
    # Counts read as Swedish in the singular and the plural alike.
    assert "Allmänna handlingar: 1 ny begäran" in first
    assert "Allmänna handlingar: 0 nya begäranden" in again
    assert "Konton: 30 i förteckningen (30 nya)" in first
