import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.worklist import OVERDUE, TodoItem

from . import remedies
from .models import Account

# The yearly confirmation shows in "Att göra" from a month before its deadline.
CONFIRMATION_NOTICE = datetime.timedelta(days=30)


def _detail(remedies):
    """The problems and what to do, each "who does it" said once: the problems with the
    same answer (the user fixes them, or the same people do) are listed before it."""
    answers = {}
    for remedy in remedies:
        answer = _("Du rättar det på kontots sida.") if remedy["url"] else remedy["who"]
        answers.setdefault(answer, []).append(remedy["label"])
    return " ".join(
        " ".join(f"{label}." for label in labels) + f" {answer}"
        for answer, labels in answers.items()
    )


def items(user, now):
    """What waits in the register for the user: compliance problems on the accounts they
    answer for, and the yearly confirmations coming due."""
    return problems(user, now) + confirmations(user, now)


def problems(user, now):
    """Compliance problems on the accounts the user answers for: due now."""
    found = []
    for account in (
        Account.objects.open().filter(responsible=user).with_compliance().select_related("unit")
    ):
        problems = account.problems()
        if problems:
            found.append(
                TodoItem(
                    title=_("Åtgärda brister på %(account)s") % {"account": account.display_name},
                    detail=_detail(remedies.for_account(user, account, problems)),
                    url=reverse("accounts:detail", args=[account.pk]),
                    kind=_("Konto"),
                    due_at=now,
                )
            )
    return found


def confirmations(user, now):
    """The yearly "bekräfta uppgifterna" of the open accounts the user answers for, from
    a month before the deadline; due at the deadline, with a one-click confirm."""
    due = (
        Account.objects.open()
        .filter(responsible=user, confirmation_due_at__lte=now + CONFIRMATION_NOTICE)
        .order_by("confirmation_due_at", "pk")
    )
    return [
        TodoItem(
            title=_("Bekräfta uppgifterna om %(account)s") % {"account": account.display_name},
            detail=_(
                "Stämmer syfte, målgrupp, ansvarig, ersättare och administratörer? Senast "
                "%(date)s. Stämmer något inte, ändra det på kontots sida och bekräfta där."
            )
            % {
                "date": formats.date_format(
                    timezone.localtime(account.confirmation_due_at), "j F Y"
                )
            },
            url=reverse("accounts:detail", args=[account.pk]) + "#bekrafta",
            kind=_("Konto"),
            due_at=account.confirmation_due_at,
            urgency=OVERDUE if account.confirmation_due_at <= now else "",
            action_label=_("Uppgifterna stämmer – bekräfta"),
            action_url=reverse("accounts:confirm", args=[account.pk]),
        )
        for account in due
    ]
