"""Open moderation items for "Att göra", most urgent first."""

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core import durations
from core.worklist import OVERDUE, SOON, TodoItem
from organisation.deputies import Deputies

from .models import Item
from .views import my_accounts

SOON_WITHIN = datetime.timedelta(hours=12)  # the sweep's first reminder


def _what(item):
    """What the item says, short: its text, else its link, else its author."""
    text = " ".join((item.text or "").split())
    if text:
        return f"”{Truncator(text).chars(60)}”"
    return item.post_url or item.author or _("utan text")


def items(user, now):
    """Due at the item's deadline. Each row names the item by what it says, so that
    seven questions on one account do not read alike, and says how late it is."""
    found = []
    for item in (
        Item.objects.open()
        .filter(account__in=my_accounts(user, Deputies.at(now)))
        .select_related("account")
        .order_by("due_at")[:100]
    ):
        left = item.due_at - now
        due = formats.date_format(timezone.localtime(item.due_at), "j F H:i")
        if left.total_seconds() < 0:
            detail = _("Försenat %(span)s (skulle hanteras senast %(due)s)")
            urgency = OVERDUE
        else:
            detail = _("%(span)s kvar, senast %(due)s")
            urgency = SOON if left <= SOON_WITHIN else ""
        found.append(
            TodoItem(
                title=_("%(kind)s på %(account)s: %(what)s")
                % {
                    "kind": item.get_kind_display(),
                    "account": item.account.display_name,
                    "what": _what(item),
                },
                detail=detail % {"span": durations.describe(left), "due": due},
                url=reverse("moderation:detail", args=[item.pk]),
                kind=_("Moderering"),
                due_at=item.due_at,
                urgency=urgency,
            )
        )
    return found
