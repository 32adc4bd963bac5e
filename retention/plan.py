"""The informationshanteringsplan as it stands: the newest version of each type's row, or
Kanalkoll's proposal (retention.catalogue) where the kommun has recorded none; recording a
new version; and the cut-off a row's period gives on a day."""

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation.models import Role

from . import catalogue
from .models import CountedFrom, Disposition, PlanEntry

# Who keeps the plan: kommunarkivet and kommunikationsavdelningen.
EDITORS = frozenset({Role.ARKIVARIE, Role.KOMMUNIKATIONSAVDELNINGEN})

FIELDS = (
    "process_code",
    "process_name",
    "disposition",
    "retention_months",
    "counted_from",
    "decision_body",
    "decision_paragraph",
    "decision_date",
    "note",
)


def may_edit(user):
    return bool(user and user.is_authenticated and user.has_role(*EDITORS))


def default_entry(rtype):
    """Kanalkoll's proposal for a type, as an unsaved version 0: no decision."""
    code, name = rtype.process
    return PlanEntry(
        record_type=rtype.key,
        version=0,
        process_code=code,
        process_name=str(name),
        disposition=rtype.disposition,
        retention_months=rtype.months,
        counted_from=rtype.counted_from,
        note=str(rtype.note),
    )


def current_entries():
    """{key: the plan's row} for every type: the newest version, or the proposal."""
    newest = {}
    for entry in PlanEntry.objects.order_by("record_type", "-version"):
        newest.setdefault(entry.record_type, entry)
    return {t.key: newest.get(t.key) or default_entry(t) for t in catalogue.TYPES}


def current_entry(key):
    rtype = catalogue.get(key)
    if rtype is None:
        raise KeyError(key)
    return PlanEntry.objects.filter(record_type=key).order_by("-version").first() or default_entry(
        rtype
    )


def rows():
    """(type, entry) for every type, in the plan's order: by process code, then name."""
    entries = current_entries()
    pairs = [(t, entries[t.key]) for t in catalogue.TYPES]
    return sorted(pairs, key=lambda pair: (pair[1].process_code, str(pair[0].name)))


def validate(rtype, values, *, today):
    """The errors ({field: message}) of a new version of `rtype`'s row."""
    errors = {}
    disposes = values.get("disposition") == Disposition.DISPOSE
    months = values.get("retention_months")
    if disposes and rtype.always_kept:
        errors["disposition"] = _("%(type)s bevaras alltid i Kanalkoll.") % {"type": rtype.name}
    elif disposes and rtype.rule is None and months is not None:
        errors["retention_months"] = _(
            "Kanalkoll kan inte gallra %(type)s efter en frist. Välj bevaras eller lämna "
            "fristen tom (gallras vid inaktualitet)."
        ) % {"type": rtype.name}
    elif disposes and rtype.rule is not None and months is None:
        errors["retention_months"] = _("Ange efter hur många månader den gallras.")
    elif disposes and months is not None and months < rtype.rule.min_months:
        errors["retention_months"] = _("Fristen är minst %(n)s månader för den här typen.") % {
            "n": rtype.rule.min_months
        }
    decision = [values.get(f) for f in ("decision_body", "decision_paragraph", "decision_date")]
    if any(decision) and not all(decision):
        errors["decision_body"] = _(
            "Ange nämnd, paragraf och datum för beslutet, eller inget av dem (förslag)."
        )
    if values.get("decision_date") and values["decision_date"] > today:
        errors["decision_date"] = _("Beslutsdatumet kan inte ligga i framtiden.")
    if not (values.get("process_code") or "").strip():
        errors["process_code"] = _("Ange processkoden.")
    if not (values.get("process_name") or "").strip():
        errors["process_name"] = _("Ange processen.")
    return errors


class NothingChanged(Exception):
    pass


def record_entry(actor, key, values, *, now):
    """A new version of the plan's row for `key`, by `actor` (arkivarie or
    kommunikationsavdelningen). Raises ValidationError with the errors, NothingChanged
    if it says what the plan says already."""
    if not may_edit(actor):
        raise PermissionDenied(_("Planen förs av kommunarkivet och kommunikationsavdelningen."))
    rtype = catalogue.get(key)
    if rtype is None:
        raise KeyError(key)
    values = {f: values.get(f) for f in FIELDS}
    if values["disposition"] == Disposition.KEEP:
        values["retention_months"] = None
    values["counted_from"] = values["counted_from"] or CountedFrom.RECORD
    for name in ("process_code", "process_name", "decision_body", "decision_paragraph", "note"):
        values[name] = (values[name] or "").strip()
    errors = validate(rtype, values, today=timezone.localdate(now))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One writer per type at a time: the versions are numbered in order.
        _lock(key)
        current = current_entry(key)
        if all(getattr(current, f) == values[f] for f in FIELDS) and not current.is_default:
            raise NothingChanged
        version = (
            PlanEntry.objects.filter(record_type=key).aggregate(n=Max("version"))["n"] or 0
        ) + 1
        return PlanEntry.objects.create(
            record_type=key, version=version, changed_by=actor, changed_at=now, **values
        )


def _lock(key):
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"retention:{key}"])


def history(key):
    return PlanEntry.objects.filter(record_type=key).select_related("changed_by")


def months_before(moment, months):
    """The same wall-clock moment `months` calendar months earlier (the day clamped to
    the month's last), naive."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff(entry, now):
    """Rows dated before this moment have passed `entry`'s period at `now`: `months`
    back in Stockholm's calendar, and counted from the end of the record's calendar year
    back to the start of that year (a row of 2026 with 12 months from the year's end
    goes on 1 January 2028)."""
    local = timezone.localtime(now).replace(tzinfo=None)
    moment = months_before(local, entry.retention_months or 0)
    if entry.counted_from == CountedFrom.YEAR_END:
        moment = datetime.datetime(moment.year, 1, 1)
    return timezone.make_aware(moment)
