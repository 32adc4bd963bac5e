"""What changed in the public register, read from the accounts' history: the entries of
/register.atom and the date the open data last changed (dcterms:modified).

A history version is a public change when an account became official (active after
being planned, new or closed), was closed, or changed what the public register shows
(name, address, platform, kind, unit, purpose, audience, language, contact, privacy
notice, or a pause). Changes the public never sees (administrators, credentials, the
responsible person) are not entries.
"""

import datetime
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from organisation.models import Unit

from . import platforms
from .models import Account, Status

# The history's columns that the public register shows (or derives from).
PUBLIC_COLUMNS = (
    "display_name",
    "platform",
    "handle",
    "url",
    "kind",
    "unit_id",
    "purpose",
    "audience",
    "language",
    "contact_email",
    "privacy_url",
    "status",
)
SHOWN = frozenset({Status.ACTIVE, Status.PAUSED, Status.WINDING_DOWN})


class Kind:
    NEW = "nytt"
    CHANGED = "andrat"
    CLOSED = "avslutat"


TITLES = {
    Kind.NEW: _("Nytt officiellt konto: %(name)s"),
    Kind.CHANGED: _("Ändrat konto: %(name)s"),
    Kind.CLOSED: _("Avslutat konto: %(name)s"),
}


class Change(NamedTuple):
    kind: str
    at: datetime.datetime
    account_id: int
    version_id: int
    row: dict  # the PUBLIC_COLUMNS of the version, plus "unit" (the unit's name)


def classify(previous, current):
    """The kind of public change from `previous` to `current` (history rows), or None."""
    before = previous["status"] if previous else None
    after = current["status"]
    if after == Status.CLOSED:
        return Kind.CLOSED if before != Status.CLOSED else None
    if after == Status.ACTIVE and before in (None, Status.PLANNED, Status.CLOSED):
        return Kind.NEW
    if after in SHOWN and before in SHOWN:
        if any(previous[name] != current[name] for name in PUBLIC_COLUMNS):
            return Kind.CHANGED
    return None


def public_changes(limit=50, scan=1000):
    """The newest public changes, newest first: at most `limit`, looked for among the
    `scan` newest versions in the register's history."""
    history = Account.history.model
    columns = ("history_id", "id", "history_date", *PUBLIC_COLUMNS)
    newest = list(history.objects.order_by("-history_date", "-history_id").values(*columns)[:scan])
    if not newest:
        return []
    # Each version's predecessor: the accounts' whole histories, in order.
    previous, last = {}, {}
    rows = (
        history.objects.filter(id__in={row["id"] for row in newest})
        .order_by("id", "history_date", "history_id")
        .values(*columns)
    )
    for row in rows.iterator(chunk_size=2000):
        previous[row["history_id"]] = last.get(row["id"])
        last[row["id"]] = row
    changes = []
    for row in newest:
        kind = classify(previous.get(row["history_id"]), row)
        if kind:
            changes.append(Change(kind, row["history_date"], row["id"], row["history_id"], row))
            if len(changes) >= limit:
                break
    units = Unit.objects.in_bulk({change.row["unit_id"] for change in changes})
    for change in changes:
        unit = units.get(change.row["unit_id"])
        change.row["unit"] = unit.name if unit else ""
        change.row["platform_name"] = platforms.name_of(change.row["platform"])
    return changes


def last_changed():
    """When the public register's content last changed, or None if it never had any."""
    found = public_changes(limit=1)
    return found[0].at if found else None
