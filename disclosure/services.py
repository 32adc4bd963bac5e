"""Receiving a request: the register's new row and its first event. Every later step
goes through disclosure.workflow."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import clock
from .access import may_handle
from .models import Do, Request, RequestEvent, State


def receive(actor, data, *, now):
    """Register a request received at data["received_at"] (not after `now`), through
    data["channel"], asking data["description"]; the requester is optional. The handler
    is data["handler"] or the actor."""
    if not may_handle(actor):
        raise PermissionDenied(
            _("Begäranden registreras av registrator och kommunikationsavdelningen.")
        )
    received_at = data.get("received_at") or now
    errors = {}
    if received_at > now:
        errors["received_at"] = _("En begäran kan inte ha kommit in i framtiden.")
    if not (data.get("description") or "").strip():
        errors["description"] = _("Skriv vad som begärs.")
    handler = data.get("handler") or actor
    if not may_handle(handler):
        errors["handler"] = _("Välj en handläggare med rätt att handlägga begäranden.")
    if errors:
        raise ValidationError(errors)
    year = timezone.localtime(received_at).year
    with transaction.atomic():
        request = Request.objects.create(
            reference=f"UT-ny-{secrets.token_hex(6)}",  # replaced below, once the pk is known
            received_at=received_at,
            channel=data["channel"],
            requester_name=(data.get("requester_name") or "").strip(),
            requester_contact=(data.get("requester_contact") or "").strip(),
            description=data["description"].strip(),
            handler=handler,
            state=State.RECEIVED,
            created_by=actor,
            created_at=now,
            next_reminder_at=clock.first_reminder(received_at),
            reminder_stage=0,
        )
        request.reference = f"UT-{year}-{request.pk:04d}"
        request.save(update_fields=["reference"])
        RequestEvent.write(
            request, Do.RECEIVE, actor=actor, at=now, comment=request.get_channel_display()
        )
    return request
