from django.urls import reverse
from django.utils.translation import gettext as _

from core.worklist import TodoItem

from .models import Account


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
                    detail=", ".join(str(p.label) for p in problems),
                    url=reverse("accounts:detail", args=[account.pk]),
                    kind=_("Konto"),
                    due_at=now,
                )
            )
    return found
