"""Who decides a plan's current step, and who may act on it: the one place that answers.

The chef of the applicant's unit (nearest unit up the tree with a chef other than the
applicant, so a chef who applies goes to the chef above), then the förvaltning's
communicator, then the kommunikationschef; during a recorded absence, whoever does their
work that day (organisation.deputies). Nobody decides their own plan.

`at` is the moment asked about (an aware datetime; None means now, for the views);
`deputies` may be passed instead, to answer many plans from the day's one query.
"""

from django.utils.translation import gettext as _

from organisation.deputies import Deputies
from organisation.models import Role, RoleHolders, User, communicator_of

from .models import WAITING


def _kommunikationschefs():
    return User.objects.filter(
        is_active=True, role_assignments__role=Role.KOMMUNIKATIONSCHEF
    ).order_by("role_assignments__id")


def kommunikationschef(exclude=None):
    qs = _kommunikationschefs()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def communicator_for(plan):
    """The förvaltningskommunikatör who receives the plan's evaluations and escalations."""
    return communicator_of(plan.unit)


class Routing:
    """The designated deciders of many plans from a constant number of queries: the
    chefs and communicators of every unit up the plans' trees in one
    (organisation.RoleHolders), the kommunikationschefs in one. One for a list or a desk;
    the plans' units must be loaded with them (select_related("unit"))."""

    def __init__(self, plans=()):
        self.holders = RoleHolders()
        self._chefs = None
        self.load(plans)

    def load(self, plans):
        self.holders.load({pk for plan in plans for pk in plan.unit.ancestor_ids})
        return self

    def kommunikationschef(self, exclude=None):
        if self._chefs is None:
            self._chefs = list(_kommunikationschefs())
        return next((p for p in self._chefs if exclude is None or p.pk != exclude.pk), None)

    def designated(self, plan, state=None):
        role = WAITING.get(state or plan.state)
        applicant_id = plan.applicant_id
        unit = plan.unit
        if role == Role.CHEF:
            return self.holders.chef_of(unit.ancestor_ids, exclude=plan.applicant)
        if role == Role.KOMMUNIKATOR:
            person = self.holders.communicator_of(unit.ancestor_ids, unit.forvaltning_id)
            if person is not None and person.pk != applicant_id:
                return person
            # No communicator, or the communicator applies: the kommunikationschef anchors.
            return self.kommunikationschef(exclude=plan.applicant)
        if role == Role.KOMMUNIKATIONSCHEF:
            return self.kommunikationschef(exclude=plan.applicant)
        return None


def roles_deciding(state):
    """The roles whose holders may be designated for `state`'s step (Routing.designated):
    its own, and for the communicator's step the kommunikationschef, who anchors when
    the förvaltning has no communicator or the communicator applies."""
    role = WAITING.get(state)
    if role == Role.KOMMUNIKATOR:
        return {Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF}
    return {role} if role else set()


def designated(plan, state=None, routing=None):
    """The person whose decision the plan waits for in `state` (default: its current
    state), before any substitute; None if nobody can take it. `routing` (a Routing)
    answers many plans from its few queries."""
    return (routing or Routing()).designated(plan, state)


def _deputies(at, deputies):
    return Deputies.given(deputies, at)


def deciders(plan, at=None, deputies=None, routing=None):
    """Everyone who may decide the current step: the designated person (an absent person
    is not locked out) and the one the plan waits for today (`current_actor`). A
    substitute who is away too is skipped, as organisation.deputies' `acts_as` says.
    Never the applicant. With a `routing` for many plans, without a query per plan."""
    deputies = _deputies(at, deputies)
    people = [
        designated(plan, routing=routing),
        current_actor(plan, deputies=deputies, routing=routing),
    ]
    found = {p.pk: p for p in people if p is not None and p.pk != plan.applicant_id}
    return list(found.values())


def current_actor(plan, at=None, deputies=None, routing=None):
    """The one person the plan waits for now (notified, reminded, shown in Att göra):
    whoever does the designated person's work today; if that is the applicant, the last
    one before them in the chain."""
    deputies = _deputies(at, deputies)
    person = designated(plan, routing=routing)
    acting = deputies.acting_for(person)
    if acting is None or acting.pk != plan.applicant_id:
        return acting
    people = [p for p in deputies.chain(person) if p.pk != plan.applicant_id]
    return people[-1] if people else None


def may_decide(user, plan, at=None, deputies=None, routing=None):
    """Whether `user` may decide the plan's current step; with a `routing` (and the
    day's `deputies`) for many plans, without a query per plan."""
    return plan.is_waiting and any(
        p.pk == user.pk for p in deciders(plan, at, deputies, routing=routing)
    )


def role_label(user, plan, at=None):
    """How `user` acts on the plan's current step, for the decision record."""
    person = designated(plan)
    role = WAITING.get(plan.state)
    label = Role(role).label if role else ""
    if person is not None and person.pk != user.pk:
        return _("Ersättare för %(person)s (%(role)s)") % {"person": person, "role": label}
    return str(label)
