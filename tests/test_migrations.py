"""Upgrades: a database with data at an earlier schema migrates forward, and
no migration takes a long lock on a table that grows without that being reviewed."""

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parent.parent
APPS = ("organisation", "notifications", "accounts", "activityplans", "moderation", "archive")

# The baseline: the squashed initial migrations of the first release (nothing was
# deployed before it, so the earlier history was folded into one or two migrations per
# app; two where foreign keys between apps would otherwise form a circle). Every later
# migration is an upgrade of an installed kommun's data and is tested from here: rows
# written with the baseline's historical models must come through to the latest schema,
# and a data migration adds its own assertions below.
EARLIER = [("organisation", "0001_initial"), ("notifications", "0002_initial"),
           ("accounts", "0002_initial"), ("activityplans", "0002_initial"),
           ("moderation", "0002_initial"), ("archive", "0002_initial")]  # fmt: skip

UPGRADE = """
import datetime
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

EARLIER = %(earlier)r
executor = MigrationExecutor(connection)
executor.migrate(EARLIER)
apps = executor.loader.project_state(EARLIER).apps
now = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.UTC)

Unit = apps.get_model("organisation", "Unit")
User = apps.get_model("organisation", "User")
Account = apps.get_model("accounts", "Account")
Item = apps.get_model("moderation", "Item")
Notification = apps.get_model("notifications", "Notification")
kommun = Unit.objects.create(name="Gamla kommun", kind="kommun", path="0001/")
person = User.objects.create(username="anna", email="anna@gamla.example", unit=kommun)
account = Account.objects.create(
    platform="x", display_name="Gamla kommun", handle="@gamla",
    url="https://x.com/GamlaKommun", url_key="x.com/gamlakommun",
    kind="huvudkonto", purpose="Nyheter", audience="Invånare", status="aktivt",
    unit=kommun, responsible=person, created_at=now, updated_at=now,
)
item = Item.objects.create(
    account=account, kind="fraga", text="Öppet i dag?", posted_at=now, noticed_at=now,
    due_at=now + datetime.timedelta(hours=48), assignee=person, created_at=now,
)
note = Notification.objects.create(recipient=person, kind="plan_waiting", subject="Väntar",
    body_text="Text", created_at=now, due_at=now, rendered_at=now)

executor = MigrationExecutor(connection)
executor.migrate(executor.loader.graph.leaf_nodes())
executor = MigrationExecutor(connection)
assert not executor.migration_plan(executor.loader.graph.leaf_nodes())

from accounts.models import Account as NewAccount
from moderation.models import Item as NewItem
from notifications.models import Notification as NewNotification
account = NewAccount.objects.get(pk=account.pk)
assert account.url_key == "x.com/gamlakommun", account.url_key
assert account.platform == "x", account.platform
assert NewItem.objects.get(pk=item.pk).account_id == account.pk
assert NewNotification.objects.get(pk=note.pk).rendered_at == now
print("upgraded")
"""


def _fresh_database(tmp_path):
    """A DATABASE_URL for a new, empty database, and how to remove it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'upgrade.sqlite3'}", lambda: None
    import psycopg2

    name = f"{db['NAME']}_upgrade"
    params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None,
              "password": db["PASSWORD"] or None}  # fmt: skip
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}", drop


def test_a_database_with_data_at_an_earlier_schema_migrates_forward(db, tmp_path):
    """migrate to the earlier schema, write rows with the historical models, migrate to
    the latest: the data migrations carry the rows over (in a process of its own, on a
    database of its own, as `manage.py migrate` runs on an installation)."""
    url, drop = _fresh_database(tmp_path)
    try:
        result = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c",
             UPGRADE % {"earlier": EARLIER}],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "DEBUG": "0", "KANALKOLL_ENV_FILE": "/dev/null",
                 "SECRET_KEY": "test-only-not-secret"},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        drop()
    assert result.returncode == 0, result.stderr[-4000:]
    assert "upgraded" in result.stdout


# Statements that hold a lock on an existing table for as long as they take (PostgreSQL):
# an index built without CONCURRENTLY blocks writes, a type change or SET NOT NULL
# rewrites or scans the table under an exclusive lock, a new unique or check constraint
# or foreign key scans it, and a data migration's UPDATEs hold its rows.
LOCKING = re.compile(
    r"CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)|ADD CONSTRAINT .* (UNIQUE|CHECK|FOREIGN KEY)"
    r"|ALTER COLUMN .* TYPE |SET NOT NULL|Raw Python operation"
)
# Reviewed: each is quick at the sizes a kommun has (a few thousand accounts and plans,
# some hundred thousand notifications and moderation items after years).
REVIEWED = {
    ("moderation", "0003_reminder_batch_entries"):
        "reminder batches not yet sent: a handful at most (a sweep's batches are sent within "
        "minutes); the entries' table is new",
    ("accounts", "0003_yearly_confirmation"):
        "accounts: thousands of rows at most; two partial indexes on new, nullable columns "
        "and one UPDATE per open account, about a second in all",
    ("accounts", "0004_platform_catalogue"):
        "the index of the new platform table's slug (a dozen rows)",
    ("accounts", "0006_account_platform_page_id"):
        "partial unique index on accounts (hundreds, at most thousands of rows), over a new "
        "column that is empty everywhere",
    ("accounts", "0008_account_name_index"):
        "a btree over the accounts' names (a few thousand in a kommun, 10,000 in the scale "
        "benchmark): well under a second, inside the deploy's stop",
    ("activityplans", "0004_plan_state_changed_index"):
        "a btree over two columns of the plans (a few thousand in a kommun, 20,000 in the "
        "scale benchmark): well under a second, inside the deploy's stop",
    ("moderation", "0005_item_diarium_created_index"):
        "a partial index over the diarised items only (saklig kritik and items with a "
        "diarienummer, a small part of the items): a second or two at a million items, "
        "inside the deploy's stop",
    ("moderation", "0007_item_open_account_index"):
        "a partial index over the open items only (those not yet handled, a few percent of "
        "the items): one scan of the table, a second or two at a million items, inside the "
        "deploy's stop",
    ("moderation", "0006_batch_entries_in_the_batch_row"):
        "drops the batch-entry table, whose rows are copied into their batch first: only "
        "the unsent batches' entries, a handful at most",
}  # fmt: skip


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
    reason="the locks are PostgreSQL's (production); sqlmigrate's SQL differs on SQLite",
)
def test_no_migration_takes_an_unreviewed_lock_on_an_existing_table(db):
    loader = MigrationLoader(connection)
    found = {}
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in APPS or migration.initial:
            continue  # an initial migration runs on tables it creates, empty
        out = io.StringIO()
        call_command("sqlmigrate", app, name, stdout=out)
        sql = out.getvalue()
        created = set(re.findall(r'CREATE TABLE "(\w+)"', sql))
        for statement in sql.split(";\n"):
            text = " ".join(line for line in statement.split("\n") if not line.startswith("--"))
            raw = "Raw Python operation" in statement
            table = re.search(r'(?:ALTER TABLE|ON) "(\w+)"', text)
            if raw or (table and table[1] not in created and LOCKING.search(text)):
                found.setdefault((app, name), []).append(text.strip() or "RunPython")
    unreviewed = {key: found[key] for key in found if key not in REVIEWED}
    assert not unreviewed, (
        "These migrations lock an existing table while they run: build indexes with "
        "AddIndexConcurrently (atomic = False), batch data migrations, add NOT NULL in "
        "steps; or, if the table stays small, add the migration to REVIEWED with the "
        f"reason: {unreviewed}"
    )
    assert set(REVIEWED) <= set(found), set(REVIEWED) - set(found)
