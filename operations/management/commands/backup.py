from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format on PostgreSQL, the backup API on "
        "SQLite) and the media folder into the new folder DEST, with a manifest of every "
        "file's SHA-256. Copy DEST off the server afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="a folder that does not exist yet")

    def handle(self, dest, **options):
        try:
            manifest = create_backup(dest, now=timezone.now())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = manifest["files"]
        size = sum(f["size"] for f in files.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {dest}: the {manifest['database']['vendor']} database "
                f"and {len(files) - 1} media files, {size} bytes."
            )
        )
