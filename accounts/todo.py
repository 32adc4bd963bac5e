from django.urls import reverse
from django.utils.translation import gettext as _

from core.worklist import TodoItem

from . import remedies
from .models import Account


def _sentence(remedy):
    """One problem and what to do: "(you fix it)" or who does."""
    if remedy["url"]:
        return _("%(problem)s (du rättar det på kontots sida).") % {"problem": remedy["label"]}
    return f"{remedy['label']}. {remedy['who']}"


def items(user, now):
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
                    detail=" ".join(
                        _sentence(r) for r in remedies.for_account(user, account, problems)
                    ),
                    url=reverse("accounts:detail", args=[account.pk]),
                    kind=_("Konto"),
                    due_at=now,
                )
            )
    return found
