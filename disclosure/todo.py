"""'Att göra' for the handler: their open requests, oldest first; overdue when more than
one working day old (disclosure.clock)."""

from django.utils.translation import gettext as _

from core.worklist import OVERDUE, TodoItem

from . import clock
from .models import OPEN_STATES, Request


def items(user, now):
    if not user.is_authenticated:
        return []
    found = []
    for request in Request.objects.filter(handler=user, state__in=OPEN_STATES).order_by(
        "received_at"
    ):
        found.append(
            TodoItem(
                title=_("Begäran om allmän handling %(ref)s") % {"ref": request.reference},
                detail=request.get_state_display(),
                url=clock.request_url(request),
                kind=_("Utlämnande"),
                due_at=request.received_at,
                urgency=OVERDUE if clock.first_reminder(request.received_at) <= now else "",
            )
        )
    return found
