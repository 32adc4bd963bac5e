"""Open moderation items for "Att göra", most urgent first."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.worklist import TodoItem
from organisation.deputies import Deputies

from .models import Item
from .views import my_accounts


def items(user, now):
    """Due at the item's deadline."""
    found = []
    for item in (
        Item.objects.open()
        .filter(account__in=my_accounts(user, Deputies.at(now)))
        .select_related("account")
        .order_by("due_at")[:100]
    ):
        left = item.due_at - now
        # Whole hours towards zero: 2 h 10 min late is "2 timmar", not floor(-2.2) = 3.
        hours = int(abs(left.total_seconds()) // 3600)
        if left.total_seconds() < 0:
            detail = ngettext(
                "Försenat %(hours)s timme (skulle hanteras %(due)s)",
                "Försenat %(hours)s timmar (skulle hanteras %(due)s)",
                hours,
            )
        else:
            detail = ngettext(
                "%(hours)s timme kvar, senast %(due)s",
                "%(hours)s timmar kvar, senast %(due)s",
                hours,
            )
        found.append(
            TodoItem(
                title=_("%(kind)s på %(account)s")
                % {"kind": item.get_kind_display(), "account": item.account.display_name},
                detail=detail
                % {
                    "hours": hours,
                    "due": formats.date_format(timezone.localtime(item.due_at), "j F H:i"),
                },
                url=reverse("moderation:detail", args=[item.pk]),
                kind=_("Moderering"),
                due_at=item.due_at,
            )
        )
    return found
