"""Passive accounts, lapsed credential checks and lapsed yearly confirmations, for the
compliance overview."""

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.worklist import SECTION_ROWS, ComplianceEntry, ComplianceSection

from . import lifecycle
from .models import Account


def _day(value):
    """A date, or an aware moment's day in Stockholm, as the overview writes it."""
    if value is None:
        return _("aldrig")
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, "Y-m-d")


def sections(user, now):
    today = timezone.localdate(now)
    visible = Account.objects.visible_to(user)
    passive = lifecycle.passive(today, visible)
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
            count=passive.count(),
            entries=[
                ComplianceEntry(
                    url=reverse("accounts:detail", args=[account.pk]),
                    text=account.display_name,
                    detail=_(
                        "%(days)s dagar sedan senaste aktivitet (gräns %(limit)s), ansvarig %(person)s"
                    )
                    % {"days": days, "limit": limit, "person": account.responsible},
                )
                for account, days, limit in lifecycle.passive_accounts(
                    today, visible, limit=SECTION_ROWS
                )
            ],
            empty=_("Inga passiva konton."),
            remedy=_(
                "Den ansvarige eller kontots administratörer registrerar senaste inlägg på "
                "kontots sida; annars föreslår förvaltningskommunikatören att kontot avslutas."
            ),
            account_ids=passive.values_list("pk", flat=True),
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
                    % {"date": _day(account.last_credentials), "person": account.responsible},
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
                        "date": _day(account.confirmation_due_at),
                        "last": _day(account.confirmed_on),
                        "person": account.responsible,
                    },
                )
                for account in unconfirmed[:SECTION_ROWS]
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
