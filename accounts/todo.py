from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Account


def items(user):
    """Compliance problems on the accounts the user answers for."""
    found = []
    for account in (
        Account.objects.open().filter(responsible=user).with_compliance().select_related("unit")
    ):
        problems = account.problems()
        if problems:
            found.append(
                {
                    "sort": (2, account.display_name),
                    "title": _("Åtgärda brister på %(account)s")
                    % {"account": account.display_name},
                    "detail": ", ".join(str(p.label) for p in problems),
                    "url": reverse("accounts:detail", args=[account.pk]),
                    "kind": _("Konto"),
                }
            )
    return found
