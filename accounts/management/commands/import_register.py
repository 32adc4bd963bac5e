from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import importing
from core.importing import run_command


class Command(BaseCommand):
    help = (
        "Import the register of accounts from a CSV or XLSX file: the plan row by row, "
        "then (without --dry-run) the import after a yes. The columns: README, or the "
        "template at /konton/import/mall.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="only show what would change")
        parser.add_argument("--no-input", action="store_false", dest="interactive")
        parser.add_argument("--user", help="who the accounts' history names (a user name)")
        parser.add_argument(
            "--activity-date",
            help="last activity (YYYY-MM-DD) of new accounts whose row gives none; default today",
        )

    def handle(self, *args, file, dry_run, interactive, user, activity_date, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {user!r}.")
        opts = {}
        if activity_date:
            import datetime

            try:
                opts["activity_on"] = datetime.date.fromisoformat(activity_date).isoformat()
            except ValueError as exc:
                raise CommandError(f"--activity-date {activity_date!r} is not YYYY-MM-DD") from exc
        run_command(
            importing,
            file,
            dry_run=dry_run,
            interactive=interactive,
            actor=actor,
            options=opts,
            stdout=self.stdout,
            style=self.style,
        )
