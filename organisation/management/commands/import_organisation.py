from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.importing import run_command
from organisation import importing


class Command(BaseCommand):
    help = (
        "Import the organisation (units and chefs) from a CSV or XLSX file: the plan row "
        "by row, then (without --dry-run) the import after a yes. The columns: README, or "
        "the template at /organisation/import/mall.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="only show what would change")
        parser.add_argument("--no-input", action="store_false", dest="interactive")
        parser.add_argument("--user", help="who the people's history names (a user name)")

    def handle(self, *args, file, dry_run, interactive, user, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {user!r}.")
        run_command(
            importing,
            file,
            dry_run=dry_run,
            interactive=interactive,
            actor=actor,
            options={},
            stdout=self.stdout,
            style=self.style,
        )
