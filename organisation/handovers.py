"""When someone leaves (organisation.services.deactivate_user, from the admin's action),
what they answered for is flagged and the communicator is asked to name a successor."""

from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import registry
from core.workflow import perform, perform_create
from core.worklist import ComplianceEntry, ComplianceSection, TodoItem

from .deputies import Deputies
from .models import (
    Handover,
)
from .workflow import Do, HandoverConflict, deciders, may_decide  # noqa: F401 - read by the views


def responsibilities(user):
    """Everything the apps list for this person: [{"kind", "title", "url"}]."""
    found = []
    for source in registry.responsibilities:
        found.extend(source(user))
    return found


def open_handover(user, now, *, actor=None, reason=""):
    """Flag what a person who left answered for; once per departure, and only if they
    answered for something: the handover's creation transition (organisation.workflow),
    taken by the system for `actor`. Called by deactivate_user, inside its transaction."""
    items = responsibilities(user)
    if not items:
        return None
    try:
        return perform_create(
            actor, Handover, Do.OPEN, parent=user, now=now, reason=reason, items=items
        )
    except IntegrityError:
        return None  # still open from an earlier departure: one per departure


def hand_over(actor, handover_id, successor, *, now):
    """Name the successor (organisation.workflow's one transition)."""
    return perform(
        actor,
        Handover.objects.get(pk=handover_id),
        Do.RESOLVE,
        expected_state=None,
        now=now,
        successor=successor,
    )


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
