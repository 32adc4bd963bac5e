"""Importing the register the kommun already keeps in a spreadsheet (CSV or XLSX, see
core.tabular): always planned first, row by row (created, updated, unchanged or refused
with the reason), then applied when confirmed, through the register's own services, so
that each account's history records the import. A second import of the same file
changes nothing: rows are matched to accounts by the normalised address
(accounts.urlkeys), as the register itself is. A row naming a unit or a person that is
not in Kanalkoll is refused, never guessed. An imported account keeps its real last
activity, or the date given at import, so that the passive-account rule does not fire
for every imported account at once.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.importing import CREATED, OUTCOME_LABELS, REFUSED, UNCHANGED, UPDATED
from core.tabular import cells, columns, parse_date
from organisation.models import Unit

from . import platforms, services
from .models import Account, Kind, Status
from .urlkeys import InvalidAccountURL, url_key

# field -> (required, headers; the first is the template's)
COLUMNS = {
    "display_name": (True, ["Namn", "Kontots namn", "Konto"]),
    "platform": (True, ["Plattform", "Kanal"]),
    "url": (True, ["Adress", "Adress (URL)", "URL", "Webbadress", "Länk"]),
    "handle": (False, ["Användarnamn", "Handle"]),
    "kind": (False, ["Typ", "Typ av konto"]),
    "unit": (True, ["Enhet", "Ägande enhet", "Verksamhet"]),
    "responsible": (True, ["Ansvarig", "Ansvarig person", "Kontoansvarig"]),
    "purpose": (True, ["Syfte"]),
    "audience": (True, ["Målgrupp"]),
    "opened_on": (False, ["Startdatum", "Startat", "Startad", "Start"]),
    "last_activity_on": (False, ["Senaste aktivitet", "Senast aktiv", "Senaste inlägg"]),
}
TEMPLATE_EXAMPLE = [
    "Biblioteket i Ekdala",
    "Instagram",
    "https://www.instagram.com/ekdalabibliotek",
    "@ekdalabibliotek",
    "Verksamhetskonto",
    "Biblioteket",
    "anna.berg",
    "Väcka läslust och berätta om bibliotekets evenemang.",
    "Unga vuxna i Ekdala",
    "2021-03-01",
    "2026-11-20",
]
# The fields an import compares and sets; those a plan decides are locked on accounts
# that rest on an established Aktivitetsplan, as in the register's edit form.
COMPARED = ("display_name", "platform", "url", "handle", "kind", "unit", "responsible")
COMPARED += ("purpose", "audience", "opened_on")
PLAN_LOCKED = ("purpose", "audience", "responsible")
PLATFORM_ALIASES = {"facebook": platforms.FACEBOOK_PAGE, "twitter": platforms.X}


@dataclass
class Row:
    line: int  # the line in the file (the header is line 1)
    name: str
    outcome: str = REFUSED
    reason: str = ""
    changes: list = field(default_factory=list)  # the labels of changed fields
    account_id: int | None = None
    values: dict = field(default_factory=dict)

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]


class Refused(Exception):
    pass


def _choice(text, choices, aliases=None):
    key = text.strip().casefold()
    for value, label in choices:
        if key in (value.casefold(), str(label).casefold()):
            return value
    if aliases and key in aliases:
        return aliases[key]
    return None


def find_unit(text):
    """The unit a cell names: by name (any letter case), or as "Enhet, Förvaltning"."""
    units = list(Unit.objects.filter(name__iexact=text)[:2])
    if len(units) == 1:
        return units[0]
    name, _sep, forvaltning = text.rpartition(",")
    if not units and name.strip():
        units = list(
            Unit.objects.filter(
                name__iexact=name.strip(), forvaltning__name__iexact=forvaltning.strip()
            )[:2]
        )
        if len(units) == 1:
            return units[0]
    if units:
        raise Refused(
            _("Enheten ”%(unit)s” finns flera gånger; skriv den som ”Enhet, Förvaltning”.")
            % {"unit": text}
        )
    raise Refused(_("Enheten ”%(unit)s” finns inte i Kanalkoll.") % {"unit": text})


def find_person(text):
    """The active person a cell names, by user name or e-mail address."""
    people = list(
        get_user_model()
        .objects.filter(Q(username__iexact=text) | Q(email__iexact=text), is_active=True)
        .distinct()[:2]
    )
    if len(people) == 1:
        return people[0]
    if people:
        raise Refused(_("Flera personer har e-postadressen ”%(person)s”.") % {"person": text})
    raise Refused(
        _("Personen ”%(person)s” finns inte i Kanalkoll (eller har slutat).") % {"person": text}
    )


def _date(text, label):
    try:
        return parse_date(text)
    except ValueError:
        raise Refused(
            _("%(column)s ”%(value)s” är inget datum (skriv till exempel 2024-03-01).")
            % {"column": label, "value": text}
        ) from None


def _values(cell, today):
    """The row's values for the register, or Refused with the first reason."""
    for name in ("display_name", "platform", "url", "unit", "responsible", "purpose", "audience"):
        if not cell.get(name):
            raise Refused(_("Kolumnen %(column)s är tom.") % {"column": COLUMNS[name][1][0]})
    known = platforms.choices()
    platform = _choice(cell["platform"], known, PLATFORM_ALIASES)
    if platform is None:
        raise Refused(
            _("Plattformen ”%(value)s” är okänd. Kända: %(known)s.")
            % {"value": cell["platform"], "known": ", ".join(name for _slug, name in known)}
        )
    kind = None  # optional cells left empty change nothing on an account already there
    if cell.get("kind"):
        kind = _choice(cell["kind"], Kind.choices)
        if kind is None:
            raise Refused(_("Kontotypen ”%(value)s” är okänd.") % {"value": cell["kind"]})
    try:
        URLValidator(schemes=["http", "https"])(cell["url"])
        key = url_key(cell["url"])
    except (ValidationError, InvalidAccountURL) as exc:
        message = str(exc) if isinstance(exc, InvalidAccountURL) else _("Adressen är ogiltig.")
        raise Refused(message) from None
    opened_on = _date(cell.get("opened_on", ""), COLUMNS["opened_on"][1][0])
    activity = _date(cell.get("last_activity_on", ""), COLUMNS["last_activity_on"][1][0])
    if activity and activity > today:
        raise Refused(_("Senaste aktivitet kan inte vara ett datum i framtiden."))
    return key, {
        "display_name": cell["display_name"][:200],
        "platform": platform,
        "url": cell["url"],
        "handle": cell.get("handle", "")[:200] or None,
        "kind": kind,
        "unit": find_unit(cell["unit"]),
        "responsible": find_person(cell["responsible"]),
        "purpose": cell["purpose"],
        "audience": cell["audience"],
        "opened_on": opened_on,
        "last_activity_on": activity,
    }


def _activity_on(options, today):
    value = (options or {}).get("activity_on")
    return datetime.date.fromisoformat(value) if value else today


def plan(header, rows, *, options=None, today):
    """What importing the rows would do, row by row (nothing is saved). The option
    `activity_on` (ISO date, default today) is the last activity of a new account whose
    row gives none."""
    activity_on = _activity_on(options, today)
    found = columns(header, COLUMNS)
    seen = {}
    results = []
    for number, raw in enumerate(rows, start=2):
        cell = cells(raw, found)
        row = Row(line=number, name=cell.get("display_name") or cell.get("url") or "")
        results.append(row)
        try:
            key, values = _values(cell, today)
            if key in seen:
                raise Refused(_("Samma adress som rad %(line)s.") % {"line": seen[key]})
            seen[key] = number
            _compare(row, key, values, activity_on)
        except Refused as refusal:
            row.outcome, row.reason = REFUSED, str(refusal)
    return results


def _compare(row, key, values, activity_on):
    account = Account.objects.filter(url_key=key).first()
    row.values = values
    if account is None:
        row.outcome = CREATED
        values["last_activity_on"] = values["last_activity_on"] or activity_on
        values["kind"] = values["kind"] or Kind.SERVICE
        values["handle"] = values["handle"] or ""
        return
    row.account_id = account.pk
    if account.status == Status.CLOSED:
        raise Refused(_("Kontot med den här adressen är avslutat i registret."))
    changed = [
        name
        for name in COMPARED
        if values[name] is not None and values[name] != getattr(account, name)
    ]
    if "url" in changed and url_key(account.url) == key:
        changed.remove("url")  # the same address, written another way
    locked = [name for name in changed if name in PLAN_LOCKED]
    if account.plan_reference and locked:
        raise Refused(
            _(
                "Kontot bygger på aktivitetsplan %(plan)s: %(fields)s ändras genom en ny "
                "version av planen, inte genom import."
            )
            % {
                "plan": account.plan_reference,
                "fields": ", ".join(str(Account._meta.get_field(n).verbose_name) for n in locked),
            }
        )
    activity = values["last_activity_on"]
    if activity and (account.last_activity_on is None or activity > account.last_activity_on):
        changed.append("last_activity_on")
    row.changes = [str(Account._meta.get_field(n).verbose_name) for n in changed]
    row.outcome = UPDATED if changed else UNCHANGED
    row.values = {name: values[name] for name in changed}


def apply(actor, header, rows, *, options=None, now, source):
    """Import the rows (planned again, against the register as it is now) in one
    transaction; each created or updated account's history names the import."""
    reason = (_("Import av kontoregistret: %(file)s") % {"file": source})[:100]
    today = timezone.localdate(now)
    with transaction.atomic():
        results = plan(header, rows, options=options, today=today)
        for row in results:
            if row.outcome not in (CREATED, UPDATED):
                continue
            values = dict(row.values)
            activity = values.pop("last_activity_on", None)
            if row.outcome == CREATED:
                account = services.register_account(
                    actor, {**values, "status": Status.ACTIVE}, now=now, reason=reason
                )
                row.account_id = account.pk
            elif values:
                services.update_account(actor, row.account_id, values, now=now, reason=reason)
            if activity:
                Account.objects.filter(pk=row.account_id).update(last_activity_on=activity)
    return results
