from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from retention import gallring


class Command(BaseCommand):
    help = (
        "Gallra what the informationshanteringsplan says has passed its period, under a "
        "recorded decision; --dry-run counts and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument(
            "--typ", action="append", dest="types", help="Only this record type (repeatable)."
        )

    def handle(self, *args, dry_run=False, types=None, **options):
        try:
            outcomes = gallring.run(now=timezone.now(), dry_run=dry_run, only=types)
        except gallring.GallringRefused as exc:
            raise CommandError(str(exc)) from exc
        except KeyError as exc:
            raise CommandError(f"Unknown or not disposable record type: {exc}") from exc
        for outcome in outcomes:
            stream = self.stderr if outcome.status == gallring.REFUSED else self.stdout
            prefix = "(torrkörning) " if dry_run and outcome.status == gallring.DISPOSED else ""
            stream.write(prefix + str(outcome))
