from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.sweeps import SWEEPS


class Command(BaseCommand):
    help = "Run every periodic sweep once (for cron deployments and tests)."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Run only these sweeps (default: all).")

    def handle(self, *args, names=(), **options):
        known = {s.name for s in SWEEPS}
        unknown = set(names) - known
        if unknown:
            raise CommandError(
                f"Unknown sweep(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(known))}"
            )
        for sweep in SWEEPS:
            if names and sweep.name not in names:
                continue
            result = sweep.run(timezone.now())
            self.stdout.write(f"{sweep.name}: {result}")
