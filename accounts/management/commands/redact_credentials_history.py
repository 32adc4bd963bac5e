"""Bulk cleanup after the credentials migration: remove every suspected secret from the
accounts' history, attributed to the named person (kommunikationsavdelningen or the
kommunikationschef), one recorded redaction per account."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Account
from accounts.redaction import (
    NothingToRedact,
    accounts_with_suspect_history,
    redact_credentials_history,
)

DEFAULT_REASON = "Rensning efter att lösenord skrivits i fältet för inloggningsuppgifter"


class Command(BaseCommand):
    help = "Remove suspected secrets from the accounts' history, attributed to --user."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the person responsible")
        parser.add_argument("--reason", default=DEFAULT_REASON)
        parser.add_argument(
            "--dry-run", action="store_true", help="only list the accounts that would change"
        )

    def handle(self, *args, user, reason, dry_run, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user named {user!r}.")
        ids = accounts_with_suspect_history()
        now = timezone.now()
        done = 0
        for account in Account.objects.filter(pk__in=ids).order_by("pk"):
            if dry_run:
                self.stdout.write(f"{account.pk} {account.display_name}")
                continue
            try:
                record = redact_credentials_history(actor, account, now, reason)
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
            except NothingToRedact:
                continue
            done += 1
            self.stdout.write(
                f"{account.pk} {account.display_name}: {len(record.history_ids)} history entries"
            )
        verb = "would be redacted" if dry_run else "redacted"
        self.stdout.write(self.style.SUCCESS(f"{len(ids) if dry_run else done} accounts {verb}."))
