"""Passive accounts and lapsed credential checks, for the compliance overview."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.worklist import ComplianceEntry, ComplianceSection

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
    unconfirmed = (
        visible.open()
        .filter(confirmation_due_at__lte=now)
        .select_related("responsible")
        .order_by("confirmation_due_at", "display_name")
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
                for account, days, limit in passive[:200]
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
                for account in lapsed[:200]
            ],
            empty=_("Alla konton har kontrollerats det senaste kvartalet."),
            remedy=_(
                "Kontrollen görs av den ansvarige eller kontots administratörer, med knappen "
                "”Administratörerna kan logga in …” på kontots sida."
            ),
            account_ids=lapsed.values_list("pk", flat=True),
        ),
        ComplianceSection(
            id="bekraftelse",
            title=_("Årlig bekräftelse av uppgifterna har gått ut"),
            count=unconfirmed.count(),
            entries=[
                ComplianceEntry(
                    url=reverse("accounts:detail", args=[account.pk]) + "#bekrafta",
                    text=account.display_name,
                    detail=_("skulle ha bekräftats %(date)s (senast %(last)s), ansvarig %(person)s")
                    % {
                        "date": formats.date_format(
                            timezone.localtime(account.confirmation_due_at), "Y-m-d"
                        ),
                        "last": formats.date_format(account.confirmed_on, "Y-m-d")
                        if account.confirmed_on
                        else _("aldrig"),
                        "person": account.responsible,
                    },
                )
                for account in unconfirmed[:200]
            ],
            empty=_("Alla konton har bekräftats det senaste året."),
            remedy=_(
                "Den ansvarige (eller ersättaren eller en administratör) bekräftar "
                "uppgifterna på kontots sida, eller ändrar dem och bekräftar; efter 30 dagar "
                "får förvaltningskommunikatören veta."
            ),
            account_ids=unconfirmed.values_list("pk", flat=True),
        ),
    ]
