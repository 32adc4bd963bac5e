"""The public register's version: one counter that every change of what the public
register shows bumps, in the change's own transaction.

What bumps it (tests/test_register_version.py has one test for each):
- an account saved through accounts.services (registered, edited, paused, closed,
  confirmed closures, plans that put an account on the register, imports): the one
  history record of accounts.services._one_history_record;
- the system's bookkeeping of a date the register shows (last snapshot:
  accounts.authorship.save_bookkeeping);
- a unit or a person changed where the register shows them (unit names, contact
  addresses, the kommun's settings; the responsible person's name and title): the
  organisation's import, the admin, SCIM and the sign-in's name update, through
  core.registry.public_register_changed.

Readers read the version first and the rows after, so that a page built while a change
commits is at worst newer than its key, never older.
"""

import hashlib
import uuid
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import RegisterVersion

ROW = 1

# Account fields kept by the system's bookkeeping that the public register shows.
PUBLIC_BOOKKEEPING = frozenset({"last_snapshot_on"})


class Version(NamedTuple):
    number: int
    token: str
    changed_at: object  # an aware datetime, or None before the first change

    def etag(self, *parts):
        """A strong ETag for one representation: this version and `parts` (what else the
        representation depends on: language, address, who is signed in)."""
        digest = hashlib.sha256("\n".join([self.token, *map(str, parts)]).encode())
        return f'"{self.number}-{digest.hexdigest()[:20]}"'

    def key(self, kind, *parts):
        """A cache key for one representation of this version."""
        digest = hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:32]
        return f"register:{kind}:{self.token}:{digest}"


def bump(*, now):
    """A change of the public register at `now`: call inside the change's transaction."""
    token = uuid.uuid4().hex
    changed = {"number": F("number") + 1, "token": token, "changed_at": now}
    if RegisterVersion.objects.filter(pk=ROW).update(**changed):
        return
    try:
        with transaction.atomic():
            RegisterVersion.objects.create(pk=ROW, number=1, token=token, changed_at=now)
    except IntegrityError:  # created by a concurrent change meanwhile
        RegisterVersion.objects.filter(pk=ROW).update(**changed)


def current():
    """The version as it stands (one query)."""
    # A primary key lookup (no ordering, no LIMIT) on a queryset built once: it runs on
    # every request of the register, where building the filter cost more than the query.
    rows = list(_CURRENT.all())
    return Version(*rows[0]) if rows else Version(0, "initial", None)


_CURRENT = RegisterVersion.objects.filter(pk=ROW).values_list("number", "token", "changed_at")
