"""The public register: one query shape behind the page, the open data and verify.

Field names of the open data are stable and documented in the README.
"""

import math

from django.utils.translation import gettext as _

from organisation.models import Unit

from .models import Account, Kind, Platform, Status

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
)

_COLUMNS = {
    "id": "id",
    "name": "display_name",
    "platform": "platform",
    "handle": "handle",
    "url": "url",
    "kind": "kind",
    "unit": "unit__name",
    "forvaltning": "unit__forvaltning__name",
    "purpose": "purpose",
    "audience": "audience",
    "language": "language",
    "title": "responsible__title",
    "first_name": "responsible__first_name",
    "last_name": "responsible__last_name",
    "account_email": "contact_email",
    "unit_email": "unit__contact_email",
    "forvaltning_email": "unit__forvaltning__contact_email",
    "opened_on": "opened_on",
    "last_archived_on": "last_snapshot_on",
    "status": "status",
    "closed_on": "closed_on",
}


class BadFilter(ValueError):
    pass


class PublicRegister:
    """Rows of the public register, shaped for the public (no internal fields)."""

    def __init__(self, kommun=None):
        self.kommun = kommun if kommun is not None else Unit.objects.kommun()
        self.show_names = bool(self.kommun and self.kommun.publish_person_names)
        self.kommun_email = (self.kommun.contact_email if self.kommun else "") or ""
        # Translated once per register, not once per row.
        self.platform_names = {value: str(label) for value, label in Platform.choices}
        self.kind_names = {value: str(label) for value, label in Kind.choices}
        self.default_function = _("Kontoansvarig")

    def queryset(self, platform=None, unit=None, statuses=(Status.ACTIVE,)):
        qs = Account.objects.filter(status__in=statuses)
        if platform:
            if platform not in self.platform_names:
                raise BadFilter(_("Okänd plattform: %(value)s") % {"value": platform})
            qs = qs.filter(platform=platform)
        if unit:
            try:
                unit_obj = Unit.objects.only("path").get(pk=int(unit))
            except (ValueError, TypeError, Unit.DoesNotExist) as exc:
                raise BadFilter(_("Okänd enhet: %(value)s") % {"value": unit}) from exc
            qs = qs.filter(unit__path__startswith=unit_obj.path)
        return qs.order_by("display_name", "id")

    def rows(self, qs, stream=False):
        names = list(_COLUMNS)
        values_qs = qs.values_list(*_COLUMNS.values())
        for values in values_qs.iterator(chunk_size=2000) if stream else values_qs:
            yield self.row(dict(zip(names, values, strict=True)))

    def row(self, r):
        return {
            "id": r["id"],
            "name": r["name"],
            "platform": r["platform"],
            "platform_name": self.platform_names.get(r["platform"], r["platform"]),
            "handle": r["handle"],
            "url": r["url"],
            "kind": r["kind"],
            "kind_name": self.kind_names.get(r["kind"], r["kind"]),
            "unit": r["unit"],
            "forvaltning": r["forvaltning"],
            "purpose": r["purpose"],
            "audience": r["audience"],
            "language": r["language"],
            "responsible_function": r["title"] or self.default_function,
            "responsible_name": (
                f"{r['first_name']} {r['last_name']}".strip() or None if self.show_names else None
            ),
            "contact_email": r["account_email"]
            or r["unit_email"]
            or r["forvaltning_email"]
            or self.kommun_email,
            "opened_on": r["opened_on"].isoformat() if r["opened_on"] else None,
            "last_archived_on": r["last_archived_on"].isoformat()
            if r["last_archived_on"]
            else None,
            "status": r["status"],
            "closed_on": r["closed_on"].isoformat() if r["closed_on"] else None,
        }

    def page(self, qs, number, size):
        """One page of rows: (rows, count, pages). Out-of-range pages are empty."""
        count = qs.count()
        pages = max(1, math.ceil(count / size))
        start = (number - 1) * size
        if start >= count:
            return [], count, pages
        # Pick the page's ids from the (status, display_name, id) index alone, then join
        # just those rows: an OFFSET over the whole join reads and sorts every row before.
        ids = qs.values("pk")[start : start + size]
        return list(self.rows(qs.filter(pk__in=ids))), count, pages


def public_fields(row):
    return {name: row[name] for name in PUBLIC_FIELDS}
