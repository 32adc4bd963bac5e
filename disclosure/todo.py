"""'Att göra' for the handler: their open requests, oldest first; overdue when more than
one working day old (disclosure.clock)."""

from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core import durations
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
                # What is asked and how long it has waited: two requests never read alike.
                title=_("Begäran %(ref)s: %(what)s")
                % {"ref": request.reference, "what": Truncator(request.description).chars(70)},
                detail=_("%(state)s – inkom %(date)s (%(channel)s), väntar i %(span)s")
                % {
                    "state": request.get_state_display(),
                    "date": formats.date_format(timezone.localtime(request.received_at), "j F H:i"),
                    "channel": request.get_channel_display().lower(),
                    "span": durations.describe(now - request.received_at),
                },
                url=clock.request_url(request),
                kind=_("Utlämnande"),
                due_at=request.received_at,
                urgency=OVERDUE if clock.first_reminder(request.received_at) <= now else "",
            )
        )
    return found
