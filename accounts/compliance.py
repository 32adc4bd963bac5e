"""Passive accounts and lapsed credential checks, for the compliance overview."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.worklist import SECTION_ROWS, ComplianceEntry, ComplianceSection

from . import lifecycle
from .models import Account


def sections(user, now):
    today = timezone.localdate(now)
    visible = Account.objects.visible_to(user)
    passive = lifecycle.passive_accounts(today, visible)
    lapsed = (
        lifecycle.credentials_lapsed(today, visible)
        .select_related("responsible")
        .order_by("last_credentials", "display_name")
    )
    return [
        ComplianceSection(
            id="passiva",
            title=_("Passiva konton"),
            count=len(passive),
            entries=[
                ComplianceEntry(
                    url=reverse("accounts:detail", args=[account.pk]),
                    text=account.display_name,
                    detail=_(
                        "%(days)s dagar sedan senaste aktivitet (gräns %(limit)s), ansvarig %(person)s"
                    )
                    % {"days": days, "limit": limit, "person": account.responsible},
                )
                for account, days, limit in passive[:SECTION_ROWS]
            ],
            empty=_("Inga passiva konton."),
            remedy=_(
                "Den ansvarige eller kontots administratörer registrerar senaste inlägg på "
                "kontots sida; annars föreslår förvaltningskommunikatören att kontot avslutas."
            ),
            account_ids=[account.pk for account, _days, _limit in passive],
        ),
        ComplianceSection(
            id="inloggning",
            title=_("Kvartalskontroll av inloggning och lösenordsförvaring saknas"),
            count=lapsed.count(),
            danger=True,
            entries=[
                ComplianceEntry(
                    url=reverse("accounts:detail", args=[account.pk]),
                    text=account.display_name,
                    detail=_("senast kontrollerad %(date)s, ansvarig %(person)s")
                    % {
                        "date": formats.date_format(
                            timezone.localtime(account.last_credentials), "Y-m-d"
                        )
                        if account.last_credentials
                        else _("aldrig"),
                        "person": account.responsible,
                    },
                )
                for account in lapsed[:SECTION_ROWS]
            ],
            empty=_("Alla konton har kontrollerats det senaste kvartalet."),
            remedy=_(
                "Kontrollen görs av den ansvarige eller kontots administratörer, med knappen "
                "”Administratörerna kan logga in …” på kontots sida."
            ),
            account_ids=lapsed.values_list("pk", flat=True),
        ),
    ]
