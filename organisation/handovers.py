"""When someone leaves (organisation.services.deactivate_user, from the admin's action),
what they answered for is flagged and the communicator is asked to name a successor."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import registry
from core.worklist import ComplianceEntry, ComplianceSection, TodoItem
from notifications.services import notify

from .deputies import Deputies
from .models import (
    REGISTER_CURATORS,
    Handover,
    HandoverEvent,
    Role,
    RoleAssignment,
    User,
    communicator_of,
)


def responsibilities(user):
    """Everything the apps list for this person: [{"kind", "title", "url"}]."""
    found = []
    for source in registry.responsibilities:
        found.extend(source(user))
    return found


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


def open_handover(user, now, *, actor=None, reason=""):
    """Flag what a person who left answered for; once per departure, and only if they
    answered for something. Called by deactivate_user, inside its transaction."""
    items = responsibilities(user)
    if not items:
        return None
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                user=user, created_at=now, created_by=actor, reason=reason
            )
            HandoverEvent.write(
                handover,
                HandoverEvent.Action.OPENED,
                actor=actor,
                at=now,
                comment=reason,
                data={"responsibilities": len(items)},
            )
    except IntegrityError:
        return None  # still open from an earlier departure: one per departure
    for person in deciders(user, Deputies.at(now)):
        notify(
            person,
            "handover",
            {"person": user, "items": items},
            url=reverse("organisation:handover", args=[handover.pk]),
            now=now,
        )
    return handover


def hand_over(actor, handover_id, successor, *, now):
    with transaction.atomic():
        handover = (
            Handover.objects.select_for_update(of=("self",))  # user__unit may be null
            .select_related("user", "user__unit")
            .get(pk=handover_id)
        )
        if not may_decide(actor, handover, Deputies.at(now)):
            raise PermissionDenied(
                _(
                    "Efterträdare utses av förvaltningskommunikatören eller kommunikationsavdelningen."
                )
            )
        if handover.resolved_at is not None:
            raise ValidationError({"successor": _("Överlämningen är redan gjord.")})
        if not successor.is_active or successor.pk == handover.user_id:
            raise ValidationError(
                {"successor": _("Välj en aktiv person som inte är den som slutat.")}
            )
        for hook in registry.handovers:
            hook(actor, handover.user, successor, now=now)
        handover.successor, handover.resolved_at, handover.resolved_by = successor, now, actor
        handover.save()
        HandoverEvent.write(
            handover,
            HandoverEvent.Action.RESOLVED,
            actor=actor,
            at=now,
            comment=str(successor),
            data={"successor": successor.pk},
        )
        notify(
            successor,
            "handover_successor",
            {"person": handover.user, "actor": actor},
            url=reverse("organisation:handover", args=[handover.pk]),
            now=now,
        )
    return handover


def compliance_sections(user, now):
    pending = Handover.objects.filter(resolved_at__isnull=True).select_related("user", "user__unit")
    deputies = Deputies.for_day(timezone.localdate(now))
    visible = [h for h in pending if may_decide(user, h, deputies)]
    entries = [
        ComplianceEntry(
            url=reverse("organisation:handover", args=[h.pk]),
            text=str(h.user),
            detail=ngettext(
                "slutade %(date)s, %(n)s sak utan ansvarig",
                "slutade %(date)s, %(n)s saker utan ansvarig",
                len(responsibilities(h.user)),
            )
            % {
                "date": timezone.localtime(h.created_at).strftime("%Y-%m-%d"),
                "n": len(responsibilities(h.user)),
            },
        )
        for h in visible
    ]
    return [
        ComplianceSection(
            id="overlamning",
            title=_("Personer som slutat: efterträdare saknas"),
            count=len(entries),
            entries=entries,
            empty=_("Ingen överlämning väntar."),
        )
    ]


def todo_items(user, now):
    """A successor to name: due since the person left."""
    deputies = Deputies.for_day(timezone.localdate(now))
    return [
        TodoItem(
            title=_("Utse efterträdare för %(person)s") % {"person": h.user},
            detail=ngettext(
                "%(n)s konto, plan eller ärende saknar ansvarig.",
                "%(n)s konton, planer eller ärenden saknar ansvarig.",
                len(responsibilities(h.user)),
            )
            % {"n": len(responsibilities(h.user))},
            url=reverse("organisation:handover", args=[h.pk]),
            kind=_("Överlämning"),
            due_at=h.created_at,
        )
        for h in Handover.objects.filter(resolved_at__isnull=True).select_related(
            "user", "user__unit"
        )
        if may_decide(user, h, deputies)
    ]
