"""Passive accounts, lapsed credential checks and lapsed yearly confirmations, for the
compliance overview."""

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.worklist import SECTION_ROWS, ComplianceEntry, ComplianceSection

from . import lifecycle
from .models import Account


def day(value):
    """A date, or an aware moment's day in Stockholm, as the overview writes it."""
    if value is None:
        return _("aldrig")
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, "Y-m-d")


def account_entry(account, detail, anchor=""):
    """One account in a section of the overview: its page, its name, what is wrong."""
    return ComplianceEntry(
        url=reverse("accounts:detail", args=[account.pk]) + anchor,
        text=account.display_name,
        detail=detail,
    )


def account_section(accounts, entries, **fields):
    """A section of the overview that lists `accounts` (a queryset): their number, the
    first `entries`, and their ids for the headline."""
    return ComplianceSection(
        count=accounts.count(),
        entries=entries,
        account_ids=accounts.values_list("pk", flat=True),
        **fields,
    )


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
        account_section(
            passive,
            [
                account_entry(
                    account,
                    _(
                        "%(days)s dagar sedan senaste aktivitet (gräns %(limit)s), ansvarig %(person)s"
                    )
                    % {"days": days, "limit": limit, "person": account.responsible},
                )
                for account, days, limit in lifecycle.passive_accounts(
                    today, visible, limit=SECTION_ROWS
                )
            ],
            id="passiva",
            title=_("Passiva konton"),
            empty=_("Inga passiva konton."),
            remedy=_(
                "Den ansvarige eller kontots administratörer registrerar senaste inlägg på "
                "kontots sida; annars föreslår förvaltningskommunikatören att kontot avslutas."
            ),
        ),
        account_section(
            lapsed,
            [
                account_entry(
                    account,
                    _("senast kontrollerad %(date)s, ansvarig %(person)s")
                    % {"date": day(account.last_credentials), "person": account.responsible},
                )
                for account in lapsed[:SECTION_ROWS]
            ],
            id="inloggning",
            title=_("Kvartalskontroll av inloggning och lösenordsförvaring saknas"),
            danger=True,
            empty=_("Alla konton har kontrollerats det senaste kvartalet."),
            remedy=_(
                "Kontrollen görs av den ansvarige eller kontots administratörer, med knappen "
                "”Administratörerna kan logga in …” på kontots sida."
            ),
        ),
        account_section(
            unconfirmed,
            [
                account_entry(
                    account,
                    _("skulle ha bekräftats %(date)s (senast %(last)s), ansvarig %(person)s")
                    % {
                        "date": day(account.confirmation_due_at),
                        "last": day(account.confirmed_on),
                        "person": account.responsible,
                    },
                    anchor="#bekrafta",
                )
                for account in unconfirmed[:SECTION_ROWS]
            ],
            id="bekraftelse",
            title=_("Årlig bekräftelse av uppgifterna har gått ut"),
            empty=_("Alla konton har bekräftats det senaste året."),
            remedy=_(
                "Den ansvarige (eller ersättaren eller en administratör) bekräftar "
                "uppgifterna på kontots sida, eller ändrar dem och bekräftar; efter 30 dagar "
                "får förvaltningskommunikatören veta."
            ),
        ),
    ]
