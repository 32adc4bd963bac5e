"""Accounts without "tillsyn gjord" for 7 days, for the compliance overview."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from core.worklist import SECTION_ROWS, ComplianceEntry, ComplianceSection

from .jobs import UNWATCHED_AFTER, unwatched_accounts


def sections(user, now):
    accounts = (
        unwatched_accounts(now)
        .filter(pk__in=Account.objects.visible_to(user))
        .select_related("responsible", "unit")
        .order_by("watched_since", "id")
    )
    entries = [
        ComplianceEntry(
            url=reverse("accounts:detail", args=[a.pk]),
            text=a.display_name,
            detail=_("senaste tillsyn %(date)s, ansvarig %(person)s")
            % {
                "date": formats.date_format(timezone.localtime(a.last_check_in), "Y-m-d")
                if a.last_check_in
                else _("aldrig"),
                "person": a.responsible,
            },
        )
        for a in accounts[:SECTION_ROWS]
    ]
    return [
        ComplianceSection(
            id="tillsyn",
            title=_("Ingen tillsyn på %(days)s dagar") % {"days": UNWATCHED_AFTER.days},
            count=accounts.count(),
            entries=entries,
            empty=_("Alla aktiva konton har haft tillsyn den senaste veckan."),
            remedy=_(
                "Den ansvarige eller ersättaren gör tillsyn på kontot och trycker ”Tillsyn gjord” "
                "under Moderering."
            ),
            account_ids=accounts.values_list("pk", flat=True),
        )
    ]
