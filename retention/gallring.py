"""The gallring job: dispose of what the informationshanteringsplan says is to be disposed
of, once its period has passed, under the nämnd's recorded decision, and write a
gallringsprotokoll of it.

For each type Kanalkoll can dispose of (retention.catalogue, a `Rule`) whose row in the
plan says gallras:
- no recorded decision (nämnd, paragraf, datum): refused; nothing is touched;
- otherwise the rows older than the cut-off (plan.cutoff), not still in use, and not
  covered by an active spärr, are deleted (through core.records.dispose, the only path
  that deletes a kept record) or have their personal fields blanked; one Protocol per type
  and run records the count, the cut-off, the dates, the SHA-256 of each row's canonical
  JSON (of the blanked values, for a blanked row) and the decision.
Types marked bevaras, types Kanalkoll cannot dispose of, sealed snapshots and the records
of this app are never touched. A run with `dry_run` counts and changes nothing.
"""

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import DateTimeField, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import records
from core.records import RecordsAreKept

from . import catalogue, holds, plan
from .models import Disposition, Protocol

log = logging.getLogger(__name__)

BATCH = 2000  # rows per transaction and protocol; a run goes on until none are due

DISPOSED, NOTHING, REFUSED, KEPT = "gallrat", "inget", "vagrat", "bevaras"


class GallringRefused(Exception):
    """A type was asked for that the plan gives no decision to dispose of."""


@dataclass
class Outcome:
    rtype: catalogue.RecordType
    entry: object
    status: str
    count: int = 0
    held: int = 0
    cutoff: object = None
    protocols: list = field(default_factory=list)

    @property
    def protocol(self):
        """The run's (first) protocol of this type; a large backlog writes one a batch."""
        return self.protocols[0] if self.protocols else None

    def __str__(self):
        if self.status == REFUSED:
            return f"{self.rtype.key}: vägrar, inget beslut"
        if self.status == KEPT:
            return f"{self.rtype.key}: bevaras"
        return f"{self.rtype.key}: {self.count} gallrade, {self.held} spärrade"


def canonical(value):
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def digest(value):
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def row_json(obj, fields=None):
    """The row as Django's serializer gives it ({"model", "pk", "fields"}), or only the
    named fields."""
    (data,) = serializers.serialize("python", [obj], fields=fields)
    return data


def eligible(rtype, entry, now):
    """(queryset of the rows past their period and not in use, the cut-off)."""
    rule = rtype.rule
    model = apps.get_model(rtype.model)
    limit = plan.cutoff(entry, now)
    is_moment = isinstance(model._meta.get_field(rule.date_field), DateTimeField)
    bound = limit if is_moment else limit.date()
    rows = model._default_manager.filter(**{f"{rule.date_field}__lt": bound}, **rule.eligible)
    if rule.unfinished:
        rows = rows.exclude(**rule.unfinished)
    if rule.action == catalogue.BLANK:
        rows = rows.exclude(Q(**dict(rule.blank)))  # already blank
    return rows, limit


def run(*, now, dry_run=False, only=None):
    """Run gallring at `now` for every type with a rule (or the keys in `only`, which
    raises GallringRefused for one the plan gives no decision). Returns [Outcome]."""
    types = catalogue.with_rules()
    if only is not None:
        unknown = set(only) - {t.key for t in types}
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        types = [t for t in types if t.key in only]
    outcomes = []
    entries = plan.current_entries()  # the whole plan in one query
    for rtype in types:
        entry = entries[rtype.key]
        if entry.disposition != Disposition.DISPOSE:
            outcomes.append(Outcome(rtype, entry, KEPT))
        elif not entry.has_decision:
            if only is not None:
                raise GallringRefused(
                    _("%(type)s gallras inte: planen har inget beslut för den.")
                    % {"type": rtype.name}
                )
            if not dry_run:
                log.warning("gallring refused for %s: no decision recorded", rtype.key)
            outcomes.append(Outcome(rtype, entry, REFUSED))
        else:
            outcomes.append(_dispose_all(rtype, now, dry_run))
    return outcomes


def _dispose_all(rtype, now, dry_run):
    """Batch after batch, each in its own transaction with its own protocol, until what
    is due is done (a backlog after a first decision does not wait for later nights)."""
    outcome = _dispose(rtype, now, dry_run)
    while not dry_run and outcome.count and outcome.count % BATCH == 0:
        more = _dispose(rtype, now, dry_run)
        if not more.count:
            break
        outcome.count += more.count
        outcome.protocols += more.protocols
    return outcome


def _dispose(rtype, now, dry_run):
    with transaction.atomic():
        if not dry_run:  # a preview waits for nobody
            holds.serialise_with_gallring()
        entry = plan.current_entry(rtype.key)  # as it stands inside the lock
        rows, limit = eligible(rtype, entry, now)
        held_q = holds.covering(rtype)
        held = rows.filter(held_q).count()
        free = rows.exclude(held_q).order_by("pk")
        if dry_run:
            return Outcome(rtype, entry, DISPOSED, free.count(), held, limit)
        batch = list(free.select_for_update(skip_locked=True, of=("self",))[:BATCH])
        if not batch:
            return Outcome(rtype, entry, NOTHING, 0, held, limit)
        protocol = _apply(rtype, entry, batch, now=now, limit=limit, held=held)
    return Outcome(rtype, entry, DISPOSED, protocol.count, held, limit, [protocol])


def _apply(rtype, entry, batch, *, now, limit, held):
    rule = rtype.rule
    model = type(batch[0])
    pks = [obj.pk for obj in batch]
    dates = [getattr(obj, rule.date_field) for obj in batch]
    if rule.action == catalogue.BLANK:
        fields = [name for name, _empty in rule.blank]
        checksums = [{"pk": o.pk, "sha256": digest(row_json(o, fields))} for o in batch]
        model._default_manager.filter(pk__in=pks).service_update(**dict(rule.blank))
        action = Protocol.Action.BLANKED
    else:
        fields = []
        checksums = [{"pk": o.pk, "sha256": digest(row_json(o))} for o in batch]
        files = [getattr(o, name) for o in batch for name in rule.files if getattr(o, name)]
        deleted = records.dispose(
            model._default_manager.filter(pk__in=pks), decision=entry.decision_text
        )
        if deleted != len(pks):  # rolls the batch back: the protocol must say what went
            raise RecordsAreKept(_("Gallringen tog bort något annat än det protokollet anger."))
        for stored in files:
            transaction.on_commit(lambda f=stored: f.storage.delete(f.name))
        action = Protocol.Action.DELETED
    return Protocol.objects.create(
        run_at=now,
        record_type=rtype.key,
        type_name=str(rtype.name),
        action=action,
        fields=fields,
        entry=entry,
        decision_body=entry.decision_body,
        decision_paragraph=entry.decision_paragraph,
        decision_date=entry.decision_date,
        retention=entry.retention_text(),
        cutoff=limit,
        earliest=_moment(min(dates)),
        latest=_moment(max(dates)),
        count=len(batch),
        held=held,
        checksums=checksums,
        sha256=digest(checksums),
    )


def _moment(value):
    """A protocol's earliest/latest: a date field's day at its start in Stockholm."""
    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
