"""The public register: one query shape behind the page, the open data and verify.

Field names of the open data are stable and documented in the README.

The rows are read through the ORM (`values()` over the account and the units and the
person it joins). The register changes a few times a week, so the page and the JSON are
cached per filter, keyed by the register's version (accounts.registerversion); this
module builds what a cache miss serves.
"""

import math

from django.db.models import Q
from django.utils.translation import gettext as _

from organisation.models import Unit

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

# What a row is built from: the account, its unit and förvaltning, the responsible person.
_COLUMNS = (
    "id",
    "display_name",
    "platform",
    "handle",
    "url",
    "kind",
    "unit__name",
    "unit__forvaltning__name",
    "purpose",
    "audience",
    "language",
    "responsible__title",
    "responsible__first_name",
    "responsible__last_name",
    "contact_email",
    "unit__contact_email",
    "unit__forvaltning__contact_email",
    "opened_on",
    "last_snapshot_on",
    "status",
    "closed_on",
    "privacy_url",
    "confirmed_on",
)
_ORDER = ("display_name", "id")

# Where the search looks, besides the unit's name.
_SEARCHED = ("display_name", "handle", "url", "purpose", "audience", "unit__name")


class BadFilter(ValueError):
    pass


SEARCH_MAX_LENGTH = 200


def _search_words(text):
    text = " ".join((text or "").split())
    if len(text) > SEARCH_MAX_LENGTH:
        raise BadFilter(_("Söktexten får vara högst %(n)s tecken.") % {"n": SEARCH_MAX_LENGTH})
    return text.split()[:8]


def _iso(value):
    return value.isoformat() if value is not None else None


class PublicRegister:
    """Rows of the public register, shaped for the public (no internal fields).

    `kommun` (the root unit, or None if the database has none) is read with the first
    rows or page.
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
        """The selected accounts (a queryset); BadFilter for a filter that cannot be."""
        accounts = Account.objects.filter(status__in=list(statuses))
        for word in _search_words(text):
            # Every word somewhere in the name, handle, address, purpose, audience or the
            # unit's name; case-insensitive, wildcards taken literally.
            anywhere = Q()
            for column in _SEARCHED:
                anywhere |= Q(**{f"{column}__icontains": word})
            accounts = accounts.filter(anywhere)
        if platform:
            if platform not in self.platform_names:
                raise BadFilter(_("Okänd plattform: %(value)s") % {"value": platform})
            accounts = accounts.filter(platform=platform)
        if unit:
            try:
                path = Unit.objects.values_list("path", flat=True).get(pk=int(unit))
            except (ValueError, TypeError, Unit.DoesNotExist) as exc:
                raise BadFilter(_("Okänd enhet: %(value)s") % {"value": unit}) from exc
            accounts = accounts.filter(unit__path__startswith=path)
        return accounts

    def select_by(self, parameters, **options):
        """The accounts a request's `platform` and `unit` parameters select (select)."""
        return self.select(
            platform=parameters.get("platform"), unit=parameters.get("unit"), **options
        )

    def by_url_key(self, key):
        """The account with this URL key unless it is only planned: (row, status,
        closed_on), or None."""
        found = (
            Account.objects.filter(url_key=key)
            .exclude(status=Status.PLANNED)
            .values(*_COLUMNS)
            .first()
        )
        if found is None:
            return None
        self._read_kommun()
        return self.public(found), found["status"], _iso(found["closed_on"])

    def rows(self, selection):
        """Every selected row, read in chunks (a server-side cursor on PostgreSQL)."""
        self._read_kommun()
        found = selection.order_by(*_ORDER).values(*_COLUMNS)
        for row in found.iterator(chunk_size=2000):
            yield self.public(row)

    def page(self, selection, number, size):
        """One page of rows: (rows, count, pages). Out-of-range pages are empty."""
        self._read_kommun()
        count = selection.count()
        # The page's ids come from the (status, display_name, id) index alone, then only
        # those rows are joined: an OFFSET over the whole join reads and sorts every row.
        start = (number - 1) * size
        ids = selection.order_by(*_ORDER).values("pk")[start : start + size]
        found = (
            Account.objects.filter(pk__in=ids).order_by(*_ORDER).values(*_COLUMNS)
            if start < count
            else []
        )
        return [self.public(row) for row in found], count, max(1, math.ceil(count / size))

    def forvaltningar(self):
        """(id, name) of each förvaltning, by name: the choices of the page's filter."""
        units = Unit.objects.filter(kind=Unit.Kind.FORVALTNING).order_by("name")
        return list(units.values_list("id", "name"))

    def _read_kommun(self):
        self.kommun = Unit.objects.kommun()

    def public(self, r):
        """One row as the public sees it: the PUBLIC_FIELDS, in order."""
        kommun = self.kommun
        person = f"{r['responsible__first_name']} {r['responsible__last_name']}".strip()
        row = {
            "id": r["id"],
            "name": r["display_name"],
            "platform": r["platform"],
            "platform_name": self.platform_names.get(r["platform"], r["platform"]),
            "handle": r["handle"],
            "url": r["url"],
            "kind": r["kind"],
            "kind_name": self.kind_names.get(r["kind"], r["kind"]),
            "unit": r["unit__name"],
            "forvaltning": r["unit__forvaltning__name"],
            "purpose": r["purpose"],
            "audience": r["audience"],
            "language": r["language"],
            "responsible_function": r["responsible__title"] or self.default_function,
            "responsible_name": (person or None)
            if kommun and kommun.publish_person_names
            else None,
            "contact_email": r["contact_email"]
            or r["unit__contact_email"]
            or r["unit__forvaltning__contact_email"]
            or (kommun.contact_email if kommun else ""),
            "opened_on": _iso(r["opened_on"]),
            "last_archived_on": _iso(r["last_snapshot_on"]),
            "privacy_url": r["privacy_url"] or (kommun.privacy_url if kommun else "") or None,
            "confirmed_on": _iso(r["confirmed_on"]),
        }
        if self.closed:
            row["closed_on"] = _iso(r["closed_on"])
        return row
