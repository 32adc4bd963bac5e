"""Open moderation items for "Att göra", most urgent first."""

import datetime

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import durations
from core.worklist import OVERDUE, SOON, TodoItem
from organisation.deputies import Deputies

from .models import Item, Kind
from .views import my_account_ids

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
    accounts = my_account_ids(user, Deputies.at(now))
    found = new_comments(accounts)
    for item in (
        Item.objects.open()
        .filter(account__in=accounts, due_at__isnull=False)
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


def new_comments(accounts):
    """One row per account with delivered comments waiting in triage, due from the
    moment the oldest of them came in (they have no deadline until classified)."""
    waiting = (
        Item.objects.open()
        .filter(account__in=accounts, kind=Kind.NEW_COMMENT)
        .values("account", "account__display_name")
        .annotate(n=Count("id"), since=Min("noticed_at"))
        .order_by("since")
    )
    return [
        TodoItem(
            title=ngettext(
                "%(n)d ny kommentar att sortera på %(account)s",
                "%(n)d nya kommentarer att sortera på %(account)s",
                row["n"],
            )
            % {"n": row["n"], "account": row["account__display_name"]},
            detail=_("Mottagen sedan %(since)s")
            % {"since": formats.date_format(timezone.localtime(row["since"]), "j F H:i")},
            url=reverse("moderation:list") + f"?konto={row['account']}",
            kind=_("Moderering"),
            due_at=row["since"],
        )
        for row in waiting
    ]
