"""Backups and restores: `manage.py backup DEST`, `restore SRC` and
`verify_archive`, on the suite's database (PostgreSQL in CI, where pg_dump and
pg_restore do the work; SQLite's backup API otherwise).

Seed, back up, restore into a new empty database and media folder (in a process of its
own, as an administrator runs it), verify; a file changed in the backup or in the
restored media folder is reported with a nonzero exit."""

import contextlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from activityplans.models import State
from notifications.models import Notification

from .factories import make_plan
from .test_archive_package import seal

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)
TABLES = (
    "organisation_user",
    "accounts_account",
    "accounts_historicalaccount",
    "activityplans_plan",
    "activityplans_planevent",
    "notifications_notification",
    "archive_snapshot",
)


@contextlib.contextmanager
def empty_database(tmp_path):
    """A new, empty database beside the suite's: (DATABASE_URL, run SQL in it)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"

        def sql(query):
            with contextlib.closing(sqlite3.connect(path)) as conn:
                return conn.execute(query).fetchall()

        yield f"sqlite:///{path}", sql
        return
    import psycopg2

    name = f"{db['NAME']}_restore"
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True

    def recreate():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')

    def sql(query):
        with contextlib.closing(psycopg2.connect(dbname=name, **params)) as conn:
            with conn.cursor() as cursor:
                cursor.execute(query)
                return cursor.fetchall()

    recreate()
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    try:
        yield f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}", sql
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def manage(*args, database_url, media_root):
    """manage.py in a process of its own, on the restored installation."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "0",
        "SECRET_KEY": "test-only-not-secret",
        "KANALKOLL_ENV_FILE": "/dev/null",
    }
    return subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def seeded(org, account, colleague, media):
    """Records of every kind that matters: the register, a plan on its way with its
    events and notifications, a sealed snapshot whose PDF is in the media folder."""
    make_plan(org.people.medarbetare, colleague, state=State.CHEF_APPROVED)
    snapshot = seal(account)
    assert Notification.objects.exists()
    return snapshot


def test_backup_restore_and_verify(seeded, media, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    pdf = f"media/{seeded.pdf.name}"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["files"][pdf]["sha256"] == seeded.sha256
    assert manifest["migrations"]["archive"].startswith("00")
    dump = manifest["database"]["file"]
    assert (backup / dump).stat().st_size == manifest["files"][dump]["size"] > 0
    assert not (tmp_path / "backup.partial").exists()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(backup))

    # Into a new, empty database and media folder, as the administrator would.
    restored_media = tmp_path / "restored-media"
    with empty_database(tmp_path) as (url, sql):
        result = manage("restore", str(backup), database_url=url, media_root=restored_media)
        assert result.returncode == 0, result.stderr
        assert "Checked 1 sealed snapshots, 0 packages." in result.stdout
        assert "Restore verified." in result.stdout
        assert (restored_media / seeded.pdf.name).read_bytes() == Path(seeded.pdf.path).read_bytes()
        for table in TABLES:
            assert sql(f"SELECT count(*) FROM {table}") == [(_count(table),)], table
        assert sql("SELECT sha256 FROM archive_snapshot") == [(seeded.sha256,)]

        # A restored installation is verified on its own too; a changed PDF is reported.
        result = manage("verify_archive", database_url=url, media_root=restored_media)
        assert result.returncode == 0 and "Every file matches" in result.stdout
        with open(restored_media / seeded.pdf.name, "ab") as fh:
            fh.write(b"% changed\n")
        result = manage("verify_archive", database_url=url, media_root=restored_media)
        assert result.returncode != 0
        assert f"MISMATCH snapshot {seeded.pk} ({seeded.pdf.name})" in result.stdout
        assert "1 mismatches" in result.stderr

    # Never over a database or media folder that holds anything.
    with pytest.raises(CommandError, match="database is not empty"):
        call_command("restore", str(backup))


def _count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_a_file_changed_in_the_backup_is_reported_and_nothing_restored(seeded, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    call_command("verify_archive", "--backup", str(backup))  # intact: no error
    with open(backup / "media" / seeded.pdf.name, "ab") as fh:
        fh.write(b"% changed in the backup\n")
    (backup / "media" / "stray.txt").write_text("not in the manifest")

    with pytest.raises(CommandError, match="2 mismatches"):
        call_command("verify_archive", "--backup", str(backup))
    with pytest.raises(CommandError, match="does not match its manifest") as exc:
        call_command("restore", str(backup))
    message = str(exc.value)
    assert f"media/{seeded.pdf.name}: SHA-256 " in message
    assert "media/stray.txt: in the backup but not in its manifest" in message
    assert "nothing was restored" in message

    (backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("restore", str(backup))
