"""Accounts without "tillsyn gjord" for 7 days, for the compliance overview."""

from django.utils.translation import gettext as _

from accounts.compliance import account_entry, account_section, day
from accounts.models import Account
from core.worklist import SECTION_ROWS

from .jobs import UNWATCHED_AFTER, unwatched_accounts


def sections(user, now):
    accounts = (
        unwatched_accounts(now)
        .filter(pk__in=Account.objects.visible_to(user))
        .select_related("responsible", "unit")
        .order_by("watched_since", "id")
    )
    entries = [
        account_entry(
            a,
            _("senaste tillsyn %(date)s, ansvarig %(person)s")
            % {"date": day(a.last_check_in), "person": a.responsible},
        )
        for a in accounts[:SECTION_ROWS]
    ]
    return [
        account_section(
            accounts,
            entries,
            id="tillsyn",
            title=_("Ingen tillsyn på %(days)s dagar") % {"days": UNWATCHED_AFTER.days},
            empty=_("Alla aktiva konton har haft tillsyn den senaste veckan."),
            remedy=_(
                "Den ansvarige eller ersättaren gör tillsyn på kontot och trycker ”Tillsyn gjord” "
                "under Moderering."
            ),
        )
    ]
