"""About 30 demo accounts on every platform and in every status, mostly active, with
some compliance gaps on purpose.

The accounts themselves are data, one row each in demo_accounts.csv; this module seeds
them, with dates relative to the day.
"""

import csv
import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from organisation.models import Unit, User
from organisation.services import deactivate_user

from . import lifecycle, platforms, services
from .models import Account, Kind, Status
from .services import FULL_FIELDS, register_account
from .urlkeys import url_key


def _accounts():
    """The demo accounts, one row each in demo_accounts.csv: (name, platform, url, kind,
    unit, responsible, substitute or None, admins, status, graphic profile complete)."""
    with open(Path(__file__).with_name("demo_accounts.csv"), encoding="utf-8", newline="") as f:
        return [
            (
                row["name"],
                row["platform"],
                row["url"],
                Kind(row["kind"]),
                row["unit"],
                row["responsible"],
                row["substitute"] or None,
                row["admins"].split(),
                Status(row["status"]),
                row["graphic_profile"] == "ja",
            )
            for row in csv.DictReader(f)
        ]


ACCOUNTS = _accounts()

PURPOSES = {
    Kind.MAIN: (
        "Informera om kommunens service, nyheter och kriser och svara på frågor från invånarna.",
        "Invånare, företagare och besökare i Ekdala.",
    ),
    Kind.SERVICE: (
        "Berätta om verksamheten, locka fler besökare och svara på frågor om verksamheten.",
        "Verksamhetens besökare och deras anhöriga.",
    ),
    Kind.DIALOGUE: (
        "Samla synpunkter och föra dialog om verksamheten under en avgränsad tid.",
        "Berörda invånare och föreningar.",
    ),
    Kind.AMBASSADOR: (
        "Visa hur det är att arbeta i kommunens skolor, i tjänsten som ambassadör.",
        "Lärarstudenter och andra som kan vilja arbeta i kommunen.",
    ),
}


# Problems on purpose, by display name (and platform where a name has several).
# Every other open account shows recent activity and a credentials check this quarter.
PASSIVE_DAYS = {  # days since the last post: past the 90-day limit
    ("Gata och park informerar", platforms.FACEBOOK_PAGE): 104,
    ("Sommarlov i Ekdala", None): 150,  # paused after the summer
}
MORNING = datetime.time(9, 0)
CREDENTIALS_NOT_CHECKED = {"Förskolorna i Ekdala", "Gata och park informerar"}
# Not confirmed for more than a year: in the compliance overview and "Att göra".
CONFIRMATION_LAPSED = {"Gata och park informerar"}


def _key(name, platform):
    return (name, platform) if (name, platform) in PASSIVE_DAYS else (name, None)


@transaction.atomic
def seed(*, now, stdout=None):
    """Dates are relative to the day it is seeded: accounts opened over the last four
    years, most active in the last weeks, a few passive or unchecked on purpose."""
    actor = User.objects.get(username="kommunikationsavdelningen")
    users = {u.username: u for u in User.objects.all()}
    units = {u.name: u for u in Unit.objects.all()}
    today = timezone.localdate(now)
    created = 0
    for index, (
        name,
        platform,
        url,
        kind,
        unit,
        responsible,
        substitute,
        admins,
        status,
        graphic,
    ) in enumerate(ACCOUNTS):
        if Account.objects.filter(url_key=url_key(url)).exists():
            continue
        purpose, audience = PURPOSES[kind]
        opened = today - datetime.timedelta(days=1460 - 40 * index)
        # Registered on the day it opened (a planned one two weeks ago), so that its
        # history begins before the snapshots and checks below.
        day = opened if status != Status.PLANNED else today - datetime.timedelta(days=14)
        registered = min(now, timezone.make_aware(datetime.datetime.combine(day, MORNING)))
        quiet = PASSIVE_DAYS.get(_key(name, platform), (index * 5) % 19 + 1)
        account = register_account(
            actor,
            {
                "platform": platform,
                "display_name": name,
                "handle": "@" + url.rstrip("/").rsplit("/", 1)[-1].lstrip("@"),
                "url": url,
                "kind": kind,
                "unit": units[unit],
                "responsible": users[responsible],
                "substitute": users.get(substitute) if substitute else None,
                "purpose": purpose,
                "audience": audience,
                "language": "svenska",
                "credentials_location": f"Lösenordsvalvet: Sociala medier / {name} / {platforms.name_of(platform)}",
                "gp_states_official": True,
                "gp_links_website": graphic,
                "gp_contact_phone": graphic,
                # Those short of the graphic profile also lack this (the overview shows it).
                "accessibility_practice": "Alt-texter på alla bilder; filmer textas."
                if graphic
                else "",
                "status": status,
                "opened_on": None if status == Status.PLANNED else opened,
                "closed_on": opened + (today - opened) / 2 if status == Status.CLOSED else None,
                "last_activity_on": None
                if status in (Status.PLANNED, Status.CLOSED)
                else max(opened, today - datetime.timedelta(days=quiet)),
            },
            administrators=[users[a] for a in admins],
            fields=FULL_FIELDS + ("last_activity_on",),
            now=registered,
        )
        if status != Status.CLOSED and name not in CREDENTIALS_NOT_CHECKED:
            lifecycle.attest_credentials(
                users[responsible], account.pk, now=now - datetime.timedelta(days=10 + index)
            )
        if status != Status.CLOSED and name not in CONFIRMATION_LAPSED:
            # Confirmed at some time in the last year, spread out (none due at once).
            confirmed = max(
                registered + datetime.timedelta(days=1),
                now - datetime.timedelta(days=(index * 37) % 300 + 20),
            )
            if confirmed < now:
                services.confirm_account(
                    users[responsible],
                    account.pk,
                    now=confirmed,
                    may_confirm=lambda user, account: True,  # the demo's own data
                )
        created += 1
    departed = users["johan.falk"]
    if departed.is_active:  # has left: the communicator is to name a successor
        deactivate_user(users["admin"], departed, now, reason="Slutade på egen begäran.")
    if stdout:
        stdout.write(
            ngettext(
                "Konton: %(total)d i förteckningen (%(count)d nytt)",
                "Konton: %(total)d i förteckningen (%(count)d nya)",
                created,
            )
            % {"total": Account.objects.count(), "count": created}
        )
