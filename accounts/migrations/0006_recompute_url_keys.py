"""Recompute every account's url_key with today's accounts.urlkeys rule (percent-encoded
letters decoded, dot segments resolved, platform aliases such as twitter.com → x.com).

Two accounts that the new rule finds to be the same address would break the unique
constraint: the migration does not fail on them. Each account that would collide keeps
its old key, and the migration reports both accounts so that a curator can close or
correct one of them (after which saving the account recomputes its key). An address the
new rule refuses also keeps its old key and is reported.
"""

import logging
import sys
from collections import defaultdict

from django.db import migrations

logger = logging.getLogger(__name__)


def plan_keys(rows, key_of):
    """{pk: new key} for rows of (pk, url, old key), and the report lines: an account
    whose new key is refused or shared with another keeps its old key."""
    from accounts.urlkeys import InvalidAccountURL

    old = {pk: key for pk, _, key in rows}
    url = {pk: address for pk, address, _ in rows}
    report = []
    assigned = {}
    for pk, address, key in rows:
        try:
            assigned[pk] = key_of(address)
        except InvalidAccountURL as exc:
            assigned[pk] = key
            report.append(f"account {pk} ({address}): {exc}; keeps the key {key!r}")
    while True:
        groups = defaultdict(list)
        for pk, key in assigned.items():
            groups[key].append(pk)
        clashes = {key: pks for key, pks in groups.items() if len(pks) > 1}
        if not clashes:
            return assigned, report
        for key, pks in clashes.items():
            movers = [pk for pk in pks if old[pk] != key]
            for pk in movers:
                assigned[pk] = old[pk]
            others = ", ".join(f"account {pk} ({url[pk]})" for pk in sorted(pks))
            report.append(
                f"{others} are one address under the new rule ({key!r}); "
                f"{', '.join(str(pk) for pk in sorted(movers))} keep their old keys: "
                "close or correct one of them"
            )


def recompute_url_keys(apps, schema_editor, out=None):
    from accounts.platforms import SEED_CATALOGUE
    from accounts.urlkeys import url_key as database_url_key

    def url_key(url):  # the platforms' rules as they were then (no catalogue table yet)
        return database_url_key(url, SEED_CATALOGUE)

    Account = apps.get_model("accounts", "Account")
    rows = list(Account.objects.order_by("pk").values_list("pk", "url", "url_key"))
    assigned, report = plan_keys(rows, url_key)
    changed = {pk: key for pk, _, old in rows if (key := assigned[pk]) != old}
    # Two steps, so that two keys that trade places never meet the unique constraint.
    for pk in changed:
        Account.objects.filter(pk=pk).update(url_key=f"~recomputing~{pk}")
    for pk, key in changed.items():
        Account.objects.filter(pk=pk).update(url_key=key)
    for line in report:
        logger.warning("url_key: %s", line)
        print(f"\n  url_key: {line}", file=out or sys.stdout)
    return report


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_created_at_from_the_caller"),
    ]

    operations = [
        migrations.RunPython(recompute_url_keys, migrations.RunPython.noop, elidable=True),
    ]
