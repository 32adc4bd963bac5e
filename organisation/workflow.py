"""The handover's transition table (core.workflow): who names the successor of a person
who left (the register's curators and the communicator over the person's unit, and
whoever stands in for one of them) and what naming them does: each app hands over its
part (core.registry.handovers) in the same transaction. A handover is opened (the
creation transition, taken by the system) by organisation.handovers.open_handover when
someone is deactivated."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import registry
from core.workflow import CREATE, Conflict, Transition, Workflow

from .models import (
    REGISTER_CURATORS,
    Handover,
    HandoverEvent,
    Role,
    RoleAssignment,
    User,
    communicator_of,
)

OPEN, RESOLVED = "open", "resolved"


HandoverConflict = Conflict.of("HandoverConflict", "The successor is already named.", __name__)


class Do(models.TextChoices):
    OPEN = "open", gettext_lazy("Öppna överlämningen")
    RESOLVE = "resolve", gettext_lazy("Utse efterträdare")


def handover_url(handover):
    return reverse("organisation:handover", args=[handover.pk])


def state_of(handover):
    return OPEN if handover.resolved_at is None else RESOLVED


def may_decide(actor, handover, deputies):
    """The register's curators and the communicator over the person's unit, and whoever
    stands in for one of them on the deputies' day."""
    if not actor.is_active:
        return False
    if actor.has_role(*REGISTER_CURATORS):
        return True
    others = deputies.others_acted_for(actor)
    if (
        others
        and RoleAssignment.objects.filter(
            user__in=others, user__is_active=True, role__in=REGISTER_CURATORS
        ).exists()
    ):
        return True
    return handover.user.unit_id is not None and Role.KOMMUNIKATOR in deputies.roles_over(
        actor, handover.user.unit
    )


def deciders(user, deputies):
    """Who names the successor: the communicator of the person's unit, else the
    kommunikationschef; each through whoever does their work on the deputies' day."""
    people = []
    if user.unit_id:
        people.append(communicator_of(user.unit))
    people += list(
        User.objects.filter(is_active=True, role_assignments__role=Role.KOMMUNIKATIONSCHEF)
    )
    people = [deputies.acting_for(p) for p in people if p is not None]
    return list({p.pk: p for p in people}.values())


def apply_open(ctx):
    user, items, reason = ctx.parent, ctx.data["items"], ctx.data.get("reason", "")
    handover = Handover.objects.create(
        user=user, created_at=ctx.now, created_by=ctx.actor, reason=reason
    )
    ctx.comment = reason
    ctx.event_data = {"responsibilities": len(items)}
    for person in deciders(user, ctx.deputies):
        ctx.notify(person, "handover", {"person": user, "items": items}, handover_url(handover))
    return handover


def apply_resolve(ctx):
    handover, actor, now, successor = ctx.record, ctx.actor, ctx.now, ctx.data["successor"]
    if not successor.is_active or successor.pk == handover.user_id:
        raise ValidationError({"successor": _("Välj en aktiv person som inte är den som slutat.")})
    for hook in registry.handovers:
        hook(actor, handover.user, successor, now=now)
    handover.successor, handover.resolved_at, handover.resolved_by = successor, now, actor
    handover.save()
    ctx.comment = str(successor)
    ctx.event_data = {"successor": successor.pk}
    ctx.notify(
        successor,
        "handover_successor",
        {"person": handover.user, "actor": actor},
        handover_url(handover),
    )


TRANSITIONS = [
    # the deactivation of the person who left opens it
    Transition.by_system(
        Do.OPEN, CREATE, apply_open, target=OPEN, event=HandoverEvent.Action.OPENED
    ),
    Transition(
        Do.RESOLVE,
        frozenset({OPEN}),
        target=RESOLVED,
        may=lambda ctx: may_decide(ctx.actor, ctx.record, ctx.deputies),
        refusal=gettext_lazy(
            "Efterträdare utses av förvaltningskommunikatören eller kommunikationsavdelningen."
        ),
        conflict=gettext_lazy("Överlämningen är redan gjord."),
        apply=apply_resolve,
        url_name="organisation:handover",
        event=HandoverEvent.Action.RESOLVED,
    ),
]


WORKFLOW = Workflow(
    Handover,
    TRANSITIONS,
    related=("user", "user__unit"),  # of=("self",): user__unit may be null
    state_of=state_of,
    conflict_type=HandoverConflict,
)
