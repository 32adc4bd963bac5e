"""The rows behind each figure of the pack (internalcontrol.figures), as the rows page
and the auditors see them: one row per account, item or snapshot, with whether it meets
the question. Counting the rows gives the figure."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.worklist import KOMMUN_TIME_ZONE
from moderation.models import PreservedCopy

from .figures import (
    Year,
    account_weeks,
    confirmed_in_year,
    current_platforms,
    evaluations_due,
    hours,
    open_population,
    population,
    question_items,
    removed_items,
    semiannual_snapshots,
    watched_weeks,
    with_plan,
)


def _yes(value):
    return str(_("ja")) if value else str(_("nej"))


def _when(moment):
    return timezone.localtime(moment, KOMMUN_TIME_ZONE).strftime("%Y-%m-%d %H:%M") if moment else ""


def _account_url(account_id):
    return reverse("accounts:detail", args=[account_id])


def _item_url(item_id):
    return reverse("moderation:detail", args=[item_id])


def rows(key, year, *, now, forvaltning=None):
    """(column headings, rows) behind question `key`: each row {"cells", "ok", "url"}."""
    y = Year(year, now)
    accounts = population(y, forvaltning).select_related("unit__forvaltning")
    if key == "plan":
        found = [
            {
                "cells": [a.display_name, a.get_platform_display(), _yes(a.ok)],
                "ok": a.ok,
                "url": _account_url(a.pk),
            }
            for a in with_plan(accounts, y).order_by("display_name", "pk")
        ]
        return [_("Konto"), _("Plattform"), _("Fastställd plan")], found
    if key == "evaluation":
        found = [
            {"cells": [a.display_name, _yes(a.ok)], "ok": a.ok, "url": _account_url(a.pk)}
            for a in evaluations_due(accounts, y).order_by("display_name", "pk")
        ]
        return [_("Konto"), _("Utvärdering lämnad")], found
    if key == "checkins":
        weeks = account_weeks(y, accounts)
        watched = watched_weeks(y, accounts)
        found = []
        for a in accounts.order_by("display_name", "pk"):
            mine = weeks.get(a.pk, [])
            seen = sum(1 for week in mine if (a.pk, week) in watched)
            found.append(
                {
                    "cells": [a.display_name, len(mine), seen],
                    "ok": seen == len(mine),
                    "url": _account_url(a.pk),
                }
            )
        return [_("Konto"), _("Veckor i registret"), _("Veckor med tillsyn")], found
    if key == "questions":
        found = []
        for i in question_items(y, forvaltning).order_by("noticed_at", "pk"):
            ok = i.resolved_at is not None and i.resolved_at <= i.due_at
            spent = round(hours(i.resolved_at - i.noticed_at), 1) if i.resolved_at else ""
            found.append(
                {
                    "cells": [
                        i.pk,
                        i.account.display_name,
                        _when(i.noticed_at),
                        _when(i.due_at),
                        _when(i.resolved_at),
                        spent,
                        _yes(ok),
                    ],
                    "ok": ok,
                    "url": _item_url(i.pk),
                }
            )
        return [
            _("Ärende"),
            _("Konto"),
            _("Upptäckt"),
            _("Tidsfrist"),
            _("Hanterad"),
            _("Svarstid (timmar)"),
            _("Inom tidsfristen"),
        ], found
    if key in ("removals", "preserved"):
        found = []
        copies = set(
            PreservedCopy.objects.filter(item__in=removed_items(y, forvaltning)).values_list(
                "item", flat=True
            )
        )
        for i in removed_items(y, forvaltning).order_by("removed_at", "pk"):
            ok = i.removed_at <= i.due_at if key == "removals" else i.pk in copies
            found.append(
                {
                    "cells": [
                        i.pk,
                        i.account.display_name,
                        i.get_removal_reason_display(),
                        _when(i.removed_at),
                        round(hours(i.removed_at - i.noticed_at), 1),
                        _yes(i.removed_at <= i.due_at),
                        _yes(i.pk in copies),
                    ],
                    "ok": ok,
                    "url": _item_url(i.pk),
                }
            )
        return [
            _("Ärende"),
            _("Konto"),
            _("Skäl"),
            _("Borttaget"),
            _("Svarstid (timmar)"),
            _("Inom tidsfristen"),
            _("Bevarad kopia"),
        ], found
    if key == "snapshots":
        found = []
        for s in semiannual_snapshots(y, forvaltning).order_by(
            "period_key", "account__display_name", "pk"
        ):
            ok = s.sealed_at is not None and s.sealed_at <= s.due_at
            found.append(
                {
                    "cells": [
                        s.account.display_name,
                        s.period_key,
                        _when(s.due_at),
                        _when(s.sealed_at),
                        _yes(ok),
                    ],
                    "ok": ok,
                    "url": _account_url(s.account_id),
                }
            )
        return [_("Konto"), _("Period"), _("Förfaller"), _("Förseglad"), _("I tid")], found
    open_accounts = open_population(y, forvaltning).order_by("display_name", "pk")
    if key == "administrators":
        found = []
        for a in open_accounts.with_compliance():
            ok = a.other_admin_count >= 2 and a.communicator_is_admin
            found.append(
                {
                    "cells": [a.display_name, a.other_admin_count, _yes(a.communicator_is_admin)],
                    "ok": ok,
                    "url": _account_url(a.pk),
                }
            )
        return [
            _("Konto"),
            _("Administratörer utöver kommunikatören"),
            _("Kommunikatören är administratör"),
        ], found
    if key == "register":
        confirmed = set(open_accounts.filter(confirmed_in_year(y)).values_list("pk", flat=True))
        found = [
            {
                "cells": [a.display_name, _yes(a.pk in confirmed)],
                "ok": a.pk in confirmed,
                "url": _account_url(a.pk),
            }
            for a in open_accounts
        ]
        return [_("Konto"), _("Uppgifterna bekräftade under året")], found
    if key == "dataprotection":
        platforms = current_platforms(y.reference_day)
        found = [
            {
                "cells": [a.display_name, a.get_platform_display(), _yes(a.platform in platforms)],
                "ok": a.platform in platforms,
                "url": _account_url(a.pk),
            }
            for a in open_accounts
        ]
        return [_("Konto"), _("Plattform"), _("Gällande bedömning")], found
    raise KeyError(key)
