"""Values of "Var inloggningsuppgifterna förvaras" that look like a secret are replaced by
a neutral text (which the account page and the compliance overview flag, asking for the
reference), each with a new history entry saying so. Plain references are kept.

The secrets in the older history entries are removed afterwards by a named person with
`manage.py redact_credentials_history --user NAME`, which records who did it."""

from django.db import migrations
from django.utils import timezone

from accounts.credentials import REMOVED, looks_like_secret

REASON = "Migrering: misstänkt lösenord ersatt"


def replace_secrets(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    Historical = apps.get_model("accounts", "HistoricalAccount")
    HistoricalAdmins = apps.get_model("accounts", "HistoricalAccount_administrators")
    through = Account._meta.get_field("administrators").remote_field.through
    names = {f.attname for f in Account._meta.concrete_fields}
    copied = [f.attname for f in Historical._meta.concrete_fields if f.attname in names]
    now = timezone.now()
    for account in Account.objects.exclude(credentials_location="").iterator():
        if not looks_like_secret(account.credentials_location):
            continue
        account.credentials_location = REMOVED
        Account.objects.filter(pk=account.pk).update(credentials_location=REMOVED)
        record = Historical.objects.create(
            history_date=now,
            history_type="~",
            history_user=None,
            history_change_reason=REASON,
            **{name: getattr(account, name) for name in copied},
        )
        HistoricalAdmins.objects.bulk_create(
            HistoricalAdmins(
                id=row.id, account_id=row.account_id, user_id=row.user_id, history=record
            )
            for row in through.objects.filter(account_id=account.pk)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_credentials_reference_and_redaction"),
    ]

    operations = [
        migrations.RunPython(replace_secrets, migrations.RunPython.noop, elidable=False),
    ]
