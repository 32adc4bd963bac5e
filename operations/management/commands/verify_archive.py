from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, Report, check_backup, verify_archive


def report_lines(report):
    lines = [f"MISMATCH {problem}" for problem in report.problems]
    lines.append("Checked " + ", ".join(f"{n} {what}" for what, n in report.checked.items()) + ".")
    return lines


class Command(BaseCommand):
    help = (
        "Check every sealed snapshot's PDF and every stored package against the SHA-256 "
        "stored when it was sealed; with --backup SRC, also every file of that backup "
        "against its manifest. Lists each mismatch and exits nonzero if there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backup", metavar="SRC", help="also check this backup folder")

    def handle(self, backup=None, **options):
        report = verify_archive()
        if backup:
            try:
                _, checked = check_backup(backup)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            report = Report(
                problems=report.problems + checked.problems,
                checked={**report.checked, **checked.checked},
            )
        for line in report_lines(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"{len(report.problems)} mismatches.")
        self.stdout.write(self.style.SUCCESS("Every file matches its checksum."))
