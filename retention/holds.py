"""Spärrar: placing and lifting a hold, and what the active holds cover for a type.

A hold is placed for a pending request for allmänna handlingar, a JO case or a police
report, and blocks gallring of what it covers until it is lifted. Both steps are events
(who, when, why). A later register of requests places its holds through place_hold()
with `source=` the request.
"""

import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import DateTimeField, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from archive.access import ARCHIVE_ROLES
from organisation.models import Role

from . import catalogue
from .models import HeldRecord, Hold, HoldEvent


class HoldConflict(Exception):
    """The hold has already been lifted."""


def may_hold(user):
    """Kommunarkivet, kommunikationsavdelningen and the kommunikationschef place and lift
    holds (who handles requests, JO cases and police reports about the accounts); the
    registrator places and lifts those of the requests they handle (disclosure)."""
    return bool(user and user.is_authenticated and user.has_role(*ARCHIVE_ROLES, Role.REGISTRATOR))


def serialise_with_gallring():
    """Holds and gallring take turns: a hold placed while a type is being disposed of
    waits for that transaction, and gallring sees every hold committed before it. (On
    SQLite every write transaction already holds the one write lock.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('retention:holds'))")


def parse_records(record_type, ids):
    """[(type key, pk)] from a type key and ids ("12, 14 15"); raises ValidationError."""
    if not ids.strip():
        return []
    rtype = catalogue.get(record_type)
    if rtype is None or rtype.is_part:
        raise ValidationError({"record_type": _("Välj vilken typ av handling det gäller.")})
    try:
        pks = sorted({int(part) for part in ids.replace(",", " ").split()})
    except ValueError as exc:
        raise ValidationError({"record_ids": _("Ange handlingarnas id som heltal.")}) from exc
    model = apps.get_model(rtype.model)
    found = set(model._default_manager.filter(pk__in=pks).values_list("pk", flat=True))
    missing = [str(pk) for pk in pks if pk not in found]
    if missing:
        raise ValidationError(
            {"record_ids": _("Finns inte: %(ids)s.") % {"ids": ", ".join(missing)}}
        )
    return [(rtype.model, pk) for pk in pks]


def place_hold(
    actor,
    *,
    reason,
    description,
    now,
    reference="",
    account=None,
    starts_on=None,
    ends_on=None,
    records=(),
    source=None,
):
    """Place a hold on an account, a period (both: that account in that period) and/or
    single records ([(model key, pk)]). Returns the hold."""
    if not may_hold(actor):
        raise PermissionDenied(_("Spärrar läggs av kommunarkivet och kommunikationsavdelningen."))
    errors = {}
    if not (description or "").strip():
        errors["description"] = _("Skriv varför spärren läggs.")
    if account is None and starts_on is None and ends_on is None and not records:
        errors["account"] = _("Ange vad spärren gäller: ett konto, en period eller handlingar.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("Periodens slut kan inte vara före dess början.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        serialise_with_gallring()
        hold = Hold.objects.create(
            reason=reason,
            reference=(reference or "").strip(),
            description=description.strip(),
            account=account,
            starts_on=starts_on,
            ends_on=ends_on,
            source_type=ContentType.objects.get_for_model(source) if source else None,
            source_id=source.pk if source else None,
            placed_by=actor,
            placed_at=now,
        )
        HeldRecord.objects.bulk_create(
            HeldRecord(hold=hold, record_type=key, object_id=pk) for key, pk in records
        )
        HoldEvent.write(
            hold, HoldEvent.Action.PLACED, actor=actor, at=now, comment=hold.description
        )
    return hold


def lift_hold(actor, pk, *, reason, now):
    """Lift a hold: gallring may again dispose of what it covered."""
    if not may_hold(actor):
        raise PermissionDenied(_("Spärrar hävs av kommunarkivet och kommunikationsavdelningen."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Skriv varför spärren hävs.")})
    with transaction.atomic():
        hold = Hold.objects.select_for_update().get(pk=pk)
        if hold.lifted_at is not None:
            raise HoldConflict(_("Spärren är redan hävd."))
        hold.lifted_at, hold.lifted_by, hold.lift_reason = now, actor, reason.strip()
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        HoldEvent.write(hold, HoldEvent.Action.LIFTED, actor=actor, at=now, comment=reason)
    return hold


def _day_range(model, field, starts_on, ends_on):
    q = Q()
    if starts_on:
        q &= Q(**{f"{field}__gte": start_of(model, field, starts_on)})
    if ends_on:
        q &= Q(**{f"{field}__lt": start_of(model, field, ends_on + datetime.timedelta(days=1))})
    return q


def start_of(model, field, day):
    """A day's start in Stockholm to compare `field` with (a date field: the day)."""
    if not isinstance(model._meta.get_field(field), DateTimeField):
        return day
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def covering(rtype, holds=None):
    """A Q of the rows of `rtype` that the active holds cover (a Q matching nothing if
    none do)."""
    rule = rtype.rule
    model = apps.get_model(rtype.model)
    holds = list(Hold.objects.active().prefetch_related("records")) if holds is None else holds
    q = Q(pk__in=[])
    for hold in holds:
        scoped = hold.account_id or hold.starts_on or hold.ends_on
        if scoped and (hold.account_id is None or rule.account_path):
            part = _day_range(model, rule.period, hold.starts_on, hold.ends_on)
            if hold.account_id:
                part &= Q(**{rule.account_path: hold.account_id})
            q |= part
        paths = {rtype.model: "pk", **dict(rule.via)}
        for record in hold.records.all():
            if record.record_type in paths:
                q |= Q(**{paths[record.record_type]: record.object_id})
    return q
