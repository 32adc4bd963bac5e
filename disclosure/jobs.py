"""The request clock's sweep (disclosure.clock): idempotent, safe in two processes at
once. A reminder is sent only by whoever inserts its unique Reminder row
(notifications.services.notify_once); the request's next moment moves in the same
transaction."""

from django.db import transaction

from notifications.services import notify_once
from organisation.deputies import Deputies
from organisation.models import Role, User

from . import clock
from .models import OPEN_STATES, Request


def remind_requests(now):
    """One working day: remind the handler (whoever does their work today). Three: tell
    the kommunikationschef. With nothing due this is one query. Each stage is sent once
    (the Reminder row) and the clock moves on to the next stage in the same transaction."""
    due = list(
        Request.objects.filter(next_reminder_at__lte=now, state__in=OPEN_STATES).values_list(
            "pk", flat=True
        )
    )
    if not due:
        return 0
    deputies = Deputies.at(now)
    chefs = [
        deputies.acting_for(chef)
        for chef in User.objects.filter(
            is_active=True, role_assignments__role=Role.KOMMUNIKATIONSCHEF
        ).distinct()
    ]
    sent = 0
    for pk in due:
        with transaction.atomic():
            request = (
                Request.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, next_reminder_at__lte=now, state__in=OPEN_STATES)
                .select_related("handler")
                .first()
            )
            if request is None:
                continue
            stage = request.reminder_stage
            kind = next(k for s, _days, k in clock.STAGES if s == stage)
            handler = deputies.acting_for(request.handler)
            # A handler who has left is not reminded: the kommunikationschef is, at once.
            recipients = [handler] if stage == 0 and handler.is_active else chefs
            context = {"request": request, "handler": request.handler}
            if notify_once(
                f"disclosure:{request.pk}", f"stage{stage}", recipients, kind, context,
                clock.request_url(request), now=now,
            ):  # fmt: skip
                sent += 1
            Request.objects.filter(pk=request.pk).update(
                next_reminder_at=clock.after(stage, request.received_at),
                reminder_stage=stage + 1,
            )
    return sent
