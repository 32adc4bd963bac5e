"""Importing the organisation (units and their chefs) from the kommun's spreadsheet
(core.tabular, core.importing): planned row by row, applied when confirmed.

A row is a unit: its name, the unit it belongs to ("Ingår i"; empty: the kommun, so the
unit is a förvaltning), optionally its type, its functional address and its chef. Units
are matched by name, so a second import of the same file changes nothing; a unit may
belong to one named earlier in the file. A chef who is not in Kanalkoll, or a parent
that is neither in Kanalkoll nor earlier in the file, refuses the row. A new chef
replaces the unit's chef; both changes are recorded in the people's history.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import registry
from core.importing import CREATED, OUTCOME_LABELS, REFUSED, UNCHANGED, UPDATED
from core.tabular import TableError, cells, columns

from .models import Role, RoleAssignment, Unit
from .services import record_role_changes

COLUMNS = {
    "name": (True, ["Enhet", "Namn", "Enhetens namn"]),
    "parent": (False, ["Ingår i", "Överordnad enhet", "Förvaltning"]),
    "kind": (False, ["Typ"]),
    "contact_email": (False, ["Funktionsadress", "E-post"]),
    "chef": (False, ["Chef", "Chefens användarnamn"]),
}
TEMPLATE_EXAMPLE = ["Biblioteket", "Kultur- och fritidsförvaltningen", "Enhet", "", "anna.berg"]


class Refused(Exception):
    pass


@dataclass
class Row:
    line: int
    name: str
    outcome: str = REFUSED
    reason: str = ""
    changes: list = field(default_factory=list)
    unit: Unit | None = None
    parent_name: str = ""
    kind: str = ""
    contact_email: str | None = None
    chef: object = None

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]


def _person(text):
    people = list(
        get_user_model()
        .objects.filter(Q(username__iexact=text) | Q(email__iexact=text), is_active=True)
        .distinct()[:2]
    )
    if len(people) != 1:
        raise Refused(
            _("Personen ”%(person)s” finns inte i Kanalkoll (eller har slutat).") % {"person": text}
        )
    return people[0]


def _unit_named(name):
    units = list(Unit.objects.filter(name__iexact=name)[:2])
    if len(units) > 1:
        raise Refused(_("Enheten ”%(unit)s” finns flera gånger i Kanalkoll.") % {"unit": name})
    return units[0] if units else None


def _kind(text, parent_is_kommun):
    wanted = Unit.Kind.FORVALTNING if parent_is_kommun else Unit.Kind.ENHET
    if text:
        given = next(
            (v for v, label in Unit.Kind.choices if text.casefold() in (v, str(label).casefold())),
            None,
        )
        if given is None and text.casefold() == "enhet":
            given = Unit.Kind.ENHET
        if given != wanted:
            raise Refused(
                _(
                    "Typen ”%(kind)s” stämmer inte: en enhet direkt under kommunen är en "
                    "förvaltning, de andra är enheter."
                )
                % {"kind": text}
            )
    return wanted


def plan(header, rows, *, options=None, today):
    found = columns(header, COLUMNS)
    kommun = Unit.objects.kommun()
    if kommun is None:
        raise TableError(_("Kommunen finns inte i Kanalkoll ännu; lägg in den i administrationen."))
    planned = {}  # name (casefolded) -> Row, units created or kept by the file
    results = []
    for number, raw in enumerate(rows, start=2):
        cell = cells(raw, found)
        row = Row(line=number, name=cell["name"])
        results.append(row)
        try:
            _plan_row(row, cell, kommun, planned)
        except Refused as refusal:
            row.outcome, row.reason = REFUSED, str(refusal)
    return results


def _plan_row(row, cell, kommun, planned):
    if not row.name:
        raise Refused(_("Kolumnen Enhet är tom."))
    key = row.name.casefold()
    if key in planned:
        raise Refused(_("Enheten finns redan på rad %(line)s.") % {"line": planned[key].line})
    parent_name = cell.get("parent", "") or kommun.name
    if parent_name.casefold() == key:
        raise Refused(_("En enhet kan inte ingå i sig själv."))
    parent_is_kommun = parent_name.casefold() == kommun.name.casefold()
    if not parent_is_kommun and parent_name.casefold() not in planned:
        parent = _unit_named(parent_name)
        if parent is None:
            raise Refused(
                _(
                    "Enheten ”%(unit)s” som raden ingår i finns varken i Kanalkoll eller "
                    "tidigare i filen."
                )
                % {"unit": parent_name}
            )
        parent_is_kommun = parent.kind == Unit.Kind.KOMMUN
    row.kind = _kind(cell.get("kind", ""), parent_is_kommun)
    row.parent_name = parent_name
    row.contact_email = cell.get("contact_email") or None
    if row.contact_email:
        from django.core.validators import validate_email

        try:
            validate_email(row.contact_email)
        except ValidationError:
            raise Refused(
                _("Funktionsadressen ”%(email)s” är ingen e-postadress.")
                % {"email": row.contact_email}
            ) from None
    row.chef = _person(cell["chef"]) if cell.get("chef") else None
    row.unit = _unit_named(row.name)
    planned[key] = row
    if row.unit is None:
        row.outcome = CREATED
        return
    unit = row.unit
    if unit.kind == Unit.Kind.KOMMUN:
        raise Refused(_("Kommunen själv ändras i administrationen."))
    changes = []
    if unit.parent is None or unit.parent.name.casefold() != parent_name.casefold():
        changes.append(_("ingår i"))
    if unit.kind != row.kind:
        changes.append(_("typ"))
    if row.contact_email is not None and row.contact_email != unit.contact_email:
        changes.append(_("funktionsadress"))
    if (
        row.chef is not None
        and not RoleAssignment.objects.filter(unit=unit, role=Role.CHEF, user=row.chef).exists()
    ):
        changes.append(_("chef"))
    row.changes = changes
    row.outcome = UPDATED if changes else UNCHANGED


def apply(actor, header, rows, *, options=None, now, source):
    """Import the rows, planned again against the organisation as it is now, in one
    transaction: units created or changed, chefs set, the people's history recording
    each role that changed."""
    cause = _("import av organisationen: %(file)s") % {"file": source}
    results = plan(header, rows, options=options, today=timezone.localdate(now))
    try:
        _apply(actor, results, now=now, cause=cause)
    except _Rollback as failed:
        for row in results:
            if row is not failed.row and row.outcome in (CREATED, UPDATED):
                row.outcome = REFUSED
                row.reason = _("Inte importerad: rad %(line)s kunde inte sparas.") % {
                    "line": failed.row.line
                }
    return results


def _apply(actor, results, *, now, cause):
    with transaction.atomic():
        kommun = Unit.objects.kommun()
        by_name = {}
        for row in results:
            if row.outcome not in (CREATED, UPDATED, UNCHANGED):
                continue
            parent_key = row.parent_name.casefold()
            parent = by_name.get(parent_key) or (
                kommun if parent_key == kommun.name.casefold() else _unit_named(row.parent_name)
            )
            unit = row.unit or Unit(name=row.name)
            if row.outcome != UNCHANGED:
                unit.parent, unit.kind = parent, row.kind
                if row.contact_email is not None:
                    unit.contact_email = row.contact_email
                try:
                    unit.full_clean()
                except ValidationError as exc:
                    row.outcome, row.reason = REFUSED, " ".join(exc.messages)
                    raise _Rollback(row) from exc
                unit.save()
                if row.chef is not None:
                    _set_chef(actor, unit, row.chef, now=now, cause=cause)
            by_name[row.name.casefold()] = unit
            row.unit = unit
        if any(row.outcome in (CREATED, UPDATED) for row in results):
            registry.public_register_changed(now=now)


class _Rollback(Exception):
    def __init__(self, row):
        super().__init__("import refused")
        self.row = row


def _set_chef(actor, unit, chef, *, now, cause):
    held = RoleAssignment.objects.filter(unit=unit, role=Role.CHEF)
    before = {(a.user_id, unit, Role.CHEF) for a in held}
    held.exclude(user=chef).delete()
    RoleAssignment.objects.get_or_create(user=chef, unit=unit, role=Role.CHEF)
    record_role_changes(before, {(chef.pk, unit, Role.CHEF)}, actor=actor, now=now, cause=cause)
