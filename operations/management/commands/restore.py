from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, restore_backup, verify_archive

from .verify_archive import report_lines


class Command(BaseCommand):
    help = (
        "Restore the backup SRC (from `manage.py backup`) into this installation's empty "
        "database and empty media folder, after checking every file against the backup's "
        "manifest; then check every sealed snapshot and package against its stored "
        "SHA-256. Exits nonzero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="the backup folder")

    def handle(self, src, **options):
        try:
            checked = restore_backup(src)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {src}: {checked.checked['backup files']} files match the manifest."
        )
        report = verify_archive()
        for line in report_lines(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"Restored, but {len(report.problems)} sealed files do not match.")
        self.stdout.write(self.style.SUCCESS("Restore verified."))
