import datetime

from django.core.management.base import CommandError

from accounts import importing
from core.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the register of accounts from a CSV or XLSX file: the plan row by row, "
        "then (without --dry-run) the import after a yes. The columns: README, or the "
        "template at /konton/import/mall.csv."
    )
    importer = importing
    user_help = "who the accounts' history names (a user name)"

    def add_options(self, parser):
        parser.add_argument(
            "--activity-date",
            help="last activity (YYYY-MM-DD) of new accounts whose row gives none; default today",
        )

    def import_options(self, *, activity_date=None, **options):
        if not activity_date:
            return {}
        try:
            return {"activity_on": datetime.date.fromisoformat(activity_date).isoformat()}
        except ValueError as exc:
            raise CommandError(f"--activity-date {activity_date!r} is not YYYY-MM-DD") from exc
