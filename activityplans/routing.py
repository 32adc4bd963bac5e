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
from organisation.models import Role, User, chef_of_unit, communicator_of

from .models import WAITING


def kommunikationschef(exclude=None):
    qs = User.objects.filter(
        is_active=True, role_assignments__role=Role.KOMMUNIKATIONSCHEF
    ).order_by("role_assignments__id")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def communicator_for(plan):
    """The förvaltningskommunikatör who receives the plan's evaluations and escalations."""
    return communicator_of(plan.unit)


def designated(plan, state=None):
    """The person whose decision the plan waits for in `state` (default: its current
    state), before any substitute; None if nobody can take it."""
    role = WAITING.get(state or plan.state)
    applicant = plan.applicant
    if role == Role.CHEF:
        return chef_of_unit(plan.unit, exclude=applicant)
    if role == Role.KOMMUNIKATOR:
        person = communicator_of(plan.unit)
        if person is not None and person.pk != applicant.pk:
            return person
        # No communicator, or the communicator applies: the kommunikationschef anchors.
        return kommunikationschef(exclude=applicant)
    if role == Role.KOMMUNIKATIONSCHEF:
        return kommunikationschef(exclude=applicant)
    return None


def _deputies(at, deputies):
    return Deputies.given(deputies, at)


def deciders(plan, at=None, deputies=None):
    """Everyone who may decide the current step: the designated person (an absent person
    is not locked out) and the one the plan waits for today (`current_actor`). A
    substitute who is away too is skipped, as organisation.deputies' `acts_as` says.
    Never the applicant."""
    deputies = _deputies(at, deputies)
    people = [designated(plan), current_actor(plan, deputies=deputies)]
    found = {p.pk: p for p in people if p is not None and p.pk != plan.applicant_id}
    return list(found.values())


def current_actor(plan, at=None, deputies=None):
    """The one person the plan waits for now (notified, reminded, shown in Att göra):
    whoever does the designated person's work today; if that is the applicant, the last
    one before them in the chain."""
    deputies = _deputies(at, deputies)
    person = designated(plan)
    acting = deputies.acting_for(person)
    if acting is None or acting.pk != plan.applicant_id:
        return acting
    people = [p for p in deputies.chain(person) if p.pk != plan.applicant_id]
    return people[-1] if people else None


def may_decide(user, plan, at=None, deputies=None):
    return plan.is_waiting and any(p.pk == user.pk for p in deciders(plan, at, deputies))


def role_label(user, plan, at=None):
    """How `user` acts on the plan's current step, for the decision record."""
    person = designated(plan)
    role = WAITING.get(plan.state)
    label = Role(role).label if role else ""
    if person is not None and person.pk != user.pk:
        return _("Ersättare för %(person)s (%(role)s)") % {"person": person, "role": label}
    return str(label)
