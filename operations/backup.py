"""Backups and restores of a whole installation: the database and the media folder,
with a manifest of every file's SHA-256.

A backup is a folder:

    manifest.json        format, when, the database vendor, the migrations applied,
                         and {path: {"sha256", "size"}} of every other file
    database.dump        PostgreSQL: `pg_dump --format=custom` (one snapshot, consistent)
    database.sqlite3     SQLite: the sqlite3 backup API (consistent while others write)
    media/...            a copy of MEDIA_ROOT (sealed snapshots, packages, preserved copies)

The database is copied first, the media folder after it: files are only ever added
(a sealed file never changes), so every file that a row in the copied database names
was already written when the database was copied, and is in the copy. A file added
after the database copy is in the backup without a row naming it, which is harmless.
The backup is written to DEST.partial and renamed to DEST when its manifest is complete,
so a DEST that exists is a whole backup.

A restore goes into an empty database (no tables: just created with createdb, or a
missing SQLite file) and an empty media folder, and refuses anything else. It checks the
backup against its manifest before it touches either, and afterwards checks every
sealed file against the checksum stored in the restored database (verify_archive).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "kanalkoll-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass
class Report:
    """What a check found: problems, one line each, and how much it looked at."""

    problems: list = field(default_factory=list)
    checked: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.problems


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashed(source, target):
    """Copy a file, returning the SHA-256 of the bytes written."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest()


def _files_under(root):
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _vendor():
    if connection.vendor not in DUMPS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _pg_env():
    db = connection.settings_dict
    env = {**os.environ}
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", str(db.get("PORT") or "")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[key] = value
    return env


def _run(command):
    try:
        result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is missing: install Debian's postgresql-client ({exc})."
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _dump_database(target):
    if _vendor() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])
    else:
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()


def _migrations():
    applied = MigrationRecorder(connection).applied_migrations()
    latest = {}
    for app, name in sorted(applied):
        latest[app] = max(latest.get(app, name), name)
    return latest


def create_backup(dest, *, now):
    """Write a backup of this installation to the folder `dest` (which must not exist);
    returns the manifest."""
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} exists already: give a new folder for the backup.")
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    vendor = _vendor()
    dump = partial / DUMPS[vendor]
    _dump_database(dump)
    files = {dump.name: {"sha256": sha256_of(dump), "size": dump.stat().st_size}}
    media_root = Path(settings.MEDIA_ROOT)
    for source in _files_under(media_root):
        relative = Path("media") / source.relative_to(media_root)
        digest = _copy_hashed(source, partial / relative)
        files[relative.as_posix()] = {"sha256": digest, "size": source.stat().st_size}
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "database": {"vendor": vendor, "file": dump.name},
        "migrations": _migrations(),
        "files": files,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.rename(dest)
    return manifest


def read_manifest(src):
    path = Path(src) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{src} has no {MANIFEST}: not a (complete) backup.") from exc
    except ValueError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown format {manifest.get('format')!r}.")
    return manifest


def check_backup(src):
    """Every file of the backup against its manifest: missing, changed, or not listed."""
    src = Path(src)
    manifest = read_manifest(src)
    report = Report()
    listed = manifest["files"]
    for name, expected in sorted(listed.items()):
        path = src / name
        if not path.is_file():
            report.problems.append(f"{name}: missing from the backup")
        elif (actual := sha256_of(path)) != expected["sha256"]:
            report.problems.append(
                f"{name}: SHA-256 {actual} does not match the manifest's {expected['sha256']}"
            )
    for path in _files_under(src):
        name = path.relative_to(src).as_posix()
        if name != MANIFEST and name not in listed:
            report.problems.append(f"{name}: in the backup but not in its manifest")
    report.checked["backup files"] = len(listed)
    return manifest, report


def _database_is_empty():
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        name = Path(connection.settings_dict["NAME"])
        if not name.exists() or name.stat().st_size == 0:
            return True  # opening it would create it
    return not connection.introspection.table_names()


def restore_backup(src):
    """Restore the backup `src` into this installation's empty database and empty media
    folder. Returns the report of the backup check (BackupError if it fails or if the
    database or the media folder is not empty); the caller verifies the archive after."""
    src = Path(src)
    manifest, report = check_backup(src)
    if not report.ok:
        raise BackupError(
            "The backup does not match its manifest; nothing was restored:\n  "
            + "\n  ".join(report.problems)
        )
    vendor = _vendor()
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"The backup is of a {manifest['database']['vendor']} database; "
            f"this installation uses {vendor}."
        )
    if not _database_is_empty():
        raise BackupError(
            "The database is not empty: restore only into a new, empty database "
            "(createdb, without migrate)."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if _files_under(media_root) or (media_root.is_dir() and any(media_root.iterdir())):
        raise BackupError(f"The media folder {media_root} is not empty: restore into an empty one.")
    dump = src / manifest["database"]["file"]
    if vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ]
        )
    else:
        connection.close()
        source = sqlite3.connect(dump)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    for name, expected in manifest["files"].items():
        if not name.startswith("media/"):
            continue
        target = media_root / name.removeprefix("media/")
        if _copy_hashed(src / name, target) != expected["sha256"]:
            raise BackupError(f"{name} changed while it was restored.")
    connection.close()  # the next query sees the restored database
    return report


def verify_archive():
    """Every sealed snapshot's PDF and every stored package against the SHA-256 stored
    when it was sealed (archive.integrity, the check every download makes)."""
    from archive import integrity
    from archive.models import SEALED_STATES, Package, Snapshot

    report = Report()
    snapshots = Snapshot.objects.filter(state__in=SEALED_STATES).exclude(sha256="")
    count = 0
    for snapshot in snapshots.order_by("pk").iterator():
        count += 1
        result = integrity.check(snapshot)
        if result is not None and not result.ok:
            report.problems.append(
                f"snapshot {snapshot.pk} ({snapshot.pdf.name}): {result.message} "
                f"(stored SHA-256 {snapshot.sha256})"
            )
    report.checked["sealed snapshots"] = count
    count = 0
    for package in Package.objects.order_by("pk").iterator():
        count += 1
        try:
            actual = sha256_of(package.file.path)
        except FileNotFoundError:
            actual = None
        if actual != package.sha256:
            found = f"SHA-256 {actual}" if actual else "no file"
            report.problems.append(
                f"package {package.pk} ({package.file.name}): {found}, "
                f"stored SHA-256 {package.sha256}"
            )
    report.checked["packages"] = count
    return report
