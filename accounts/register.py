"""The public register: one query shape behind the page, the open data and verify.

Field names of the open data are stable and documented in the README.

The register is read with one raw SQL statement per request (rows, the kommun's row
and, for a page, the count), not through the ORM: building and compiling querysets
and turning values into dicts cost more than the query itself (bench/register.py).
"""

import math
from typing import NamedTuple

from django.db import connection
from django.utils.translation import gettext as _

from organisation.models import Unit, User

from . import platforms
from .models import Account, Kind, Status

PUBLIC_FIELDS = (
    "id",
    "name",
    "platform",
    "platform_name",
    "handle",
    "url",
    "kind",
    "kind_name",
    "unit",
    "forvaltning",
    "purpose",
    "audience",
    "language",
    "responsible_function",
    "responsible_name",
    "contact_email",
    "opened_on",
    "last_archived_on",
    "privacy_url",
    "confirmed_on",
)

_ACCOUNTS, _UNITS, _USERS = Account._meta.db_table, Unit._meta.db_table, User._meta.db_table

# The root unit, as Unit.objects.kommun() finds it (Unit's ordering is by path).
_KOMMUN_ID = (
    f"SELECT id FROM {_UNITS} WHERE kind = '{Unit.Kind.KOMMUN}' AND parent_id IS NULL "
    "ORDER BY path LIMIT 1"
)

# The columns, in the order PublicRegister.public() reads them; the kommun's three last.
_SELECT = f"""
SELECT a.id, a.display_name, a.platform, a.handle, a.url, a.kind, u.name, f.name,
       a.purpose, a.audience, a.language, p.title, p.first_name, p.last_name,
       a.contact_email, u.contact_email, f.contact_email,
       a.opened_on, a.last_snapshot_on, a.status, a.closed_on, a.privacy_url,
       a.confirmed_on, k.name, k.contact_email, k.publish_person_names, k.privacy_url{{extra}}
FROM {_ACCOUNTS} a
JOIN {_UNITS} u ON u.id = a.unit_id
LEFT JOIN {_UNITS} f ON f.id = u.forvaltning_id
JOIN {_USERS} p ON p.id = a.responsible_id
LEFT JOIN {_UNITS} k ON k.id = ({_KOMMUN_ID})
WHERE {{where}}
ORDER BY a.display_name, a.id
"""
_STATUS_COLUMN, _CLOSED_ON_COLUMN, _PRIVACY_COLUMN, _CONFIRMED_COLUMN, _KOMMUN_COLUMN = (
    19,
    20,
    21,
    22,
    23,
)

# Only the kommun and the count: what an empty page still shows.
_KOMMUN_AND_COUNT = f"""
SELECT k.name, k.contact_email, k.publish_person_names, k.privacy_url, {{count}}
FROM (SELECT 1 AS one) one LEFT JOIN {_UNITS} k ON k.id = ({_KOMMUN_ID})
"""
_COUNT = f"(SELECT COUNT(*) FROM {_ACCOUNTS} a WHERE {{where}})"

# A page's ids come from the (status, display_name, id) index alone, then only those
# rows are joined: an OFFSET over the whole join reads and sorts every row before.
_PAGE_IDS = (
    f"a.id IN (SELECT a.id FROM {_ACCOUNTS} a WHERE {{where}} "
    "ORDER BY a.display_name, a.id LIMIT %s OFFSET %s)"
)

_FORVALTNINGAR = (
    f"SELECT id, name FROM {_UNITS} WHERE kind = '{Unit.Kind.FORVALTNING}' ORDER BY name"
)


class BadFilter(ValueError):
    pass


SEARCH_MAX_LENGTH = 200
_SEARCHED = ("a.display_name", "a.handle", "a.url", "a.purpose", "a.audience")


def _like_operator():
    """PostgreSQL's case-insensitive LIKE; SQLite's LIKE is already (for ASCII)."""
    return "ILIKE" if connection.vendor == "postgresql" else "LIKE"


def _search_words(text):
    text = " ".join((text or "").split())
    if len(text) > SEARCH_MAX_LENGTH:
        raise BadFilter(_("Söktexten får vara högst %(n)s tecken.") % {"n": SEARCH_MAX_LENGTH})
    return text.split()[:8]


def _like_pattern(word):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Kommun(NamedTuple):
    name: str
    contact_email: str
    publish_person_names: bool
    privacy_url: str


class Selection(NamedTuple):
    """Which accounts: an SQL condition on `a` (accounts_account) and its parameters."""

    where: str
    params: list


def _iso(value):
    return value.isoformat() if value is not None else None


class PublicRegister:
    """Rows of the public register, shaped for the public (no internal fields).

    `kommun` is known after the first rows or page have been read (None if the
    database has no kommun).
    """

    def __init__(self, closed=False):
        """`closed`: the rows also carry `closed_on` (the closed accounts' list)."""
        self.closed = closed
        self.kommun = None
        # Translated once per register, not once per row.
        self.platform_names = platforms.names()
        self.kind_names = {value: str(label) for value, label in Kind.choices}
        self.default_function = _("Kontoansvarig")

    def select(self, platform=None, unit=None, statuses=(Status.ACTIVE,), text=None):
        where = [f"a.status IN ({', '.join(['%s'] * len(statuses))})"]
        params = list(statuses)
        for word in _search_words(text):
            # Every word somewhere in the name, handle, address, purpose, audience or the
            # unit's name; case-insensitive, wildcards taken literally.
            tests = [f"{column} {_like_operator()} %s ESCAPE '\\'" for column in _SEARCHED]
            tests.append(
                f"a.unit_id IN (SELECT id FROM {_UNITS} WHERE name {_like_operator()} %s ESCAPE '\\')"
            )
            where.append("(" + " OR ".join(tests) + ")")
            params.extend([_like_pattern(word)] * len(tests))
        if platform:
            if platform not in self.platform_names:
                raise BadFilter(_("Okänd plattform: %(value)s") % {"value": platform})
            where.append("a.platform = %s")
            params.append(platform)
        if unit:
            try:
                path = Unit.objects.values_list("path", flat=True).get(pk=int(unit))
            except (ValueError, TypeError, Unit.DoesNotExist) as exc:
                raise BadFilter(_("Okänd enhet: %(value)s") % {"value": unit}) from exc
            # The path holds only digits and slashes: nothing to escape for LIKE.
            where.append(f"a.unit_id IN (SELECT id FROM {_UNITS} WHERE path LIKE %s)")
            params.append(path + "%")
        return Selection(" AND ".join(where), params)

    def by_url_key(self, key):
        """The account with this URL key unless it is only planned: (row, status,
        closed_on), or None."""
        where = Selection("a.url_key = %s AND a.status <> %s", [key, Status.PLANNED])
        with connection.cursor() as cursor:
            cursor.execute(_SELECT.format(extra="", where=where.where), where.params)
            found = cursor.fetchone()
        if found is None:
            return None
        self._set_kommun(found)
        return self.public(found), found[_STATUS_COLUMN], _iso(found[_CLOSED_ON_COLUMN])

    def rows(self, selection):
        """Every selected row, read in chunks (a server-side cursor on PostgreSQL)."""
        sql = _SELECT.format(extra="", where=selection.where)
        server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
        with connection.chunked_cursor() if server_side else connection.cursor() as cursor:
            cursor.execute(sql, selection.params)
            while chunk := cursor.fetchmany(2000):
                self._set_kommun(chunk[0])
                yield from map(self.public, chunk)

    def page(self, selection, number, size):
        """One page of rows: (rows, count, pages). Out-of-range pages are empty."""
        count_sql = _COUNT.format(where=selection.where)
        sql = _SELECT.format(extra=f", {count_sql}", where=_PAGE_IDS.format(where=selection.where))
        params = [*selection.params, *selection.params, size, (number - 1) * size]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
            if found:
                self._set_kommun(found[0])
                count = found[0][-1]
            else:
                cursor.execute(_KOMMUN_AND_COUNT.format(count=count_sql), selection.params)
                kommun_and_count = cursor.fetchone()
                self._set_kommun(kommun_and_count, 0)
                count = kommun_and_count[-1]
        return list(map(self.public, found)), count, max(1, math.ceil(count / size))

    def forvaltningar(self):
        """(id, name) of each förvaltning, by name: the choices of the page's filter."""
        with connection.cursor() as cursor:
            cursor.execute(_FORVALTNINGAR)
            return cursor.fetchall()

    def _set_kommun(self, values, column=_KOMMUN_COLUMN):
        name, email, publish_names, privacy = values[column : column + 4]
        self.kommun = (
            None if name is None else Kommun(name, email or "", bool(publish_names), privacy or "")
        )

    def public(self, r):
        """One row as the public sees it: the PUBLIC_FIELDS, in order."""
        kommun = self.kommun
        row = {
            "id": r[0],
            "name": r[1],
            "platform": r[2],
            "platform_name": self.platform_names.get(r[2], r[2]),
            "handle": r[3],
            "url": r[4],
            "kind": r[5],
            "kind_name": self.kind_names.get(r[5], r[5]),
            "unit": r[6],
            "forvaltning": r[7],
            "purpose": r[8],
            "audience": r[9],
            "language": r[10],
            "responsible_function": r[11] or self.default_function,
            "responsible_name": (
                f"{r[12]} {r[13]}".strip() or None
                if kommun and kommun.publish_person_names
                else None
            ),
            "contact_email": r[14] or r[15] or r[16] or (kommun.contact_email if kommun else ""),
            "opened_on": _iso(r[17]),
            "last_archived_on": _iso(r[18]),
            "privacy_url": r[_PRIVACY_COLUMN] or (kommun.privacy_url if kommun else "") or None,
            "confirmed_on": _iso(r[_CONFIRMED_COLUMN]),
        }
        if self.closed:
            row["closed_on"] = _iso(r[_CLOSED_ON_COLUMN])
        return row
