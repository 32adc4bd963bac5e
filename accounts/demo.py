"""About 30 demo accounts on every platform and in every status, mostly active, with
some compliance gaps on purpose.

Size: nearly all of it is the ACCOUNTS table, one tuple of ten values per demo account;
the code that seeds them (dates relative to the day) is the last ninety lines.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from organisation.models import Unit, User
from organisation.services import deactivate_user

from . import lifecycle, platforms, services
from .models import Account, Kind, Status
from .services import FULL_FIELDS, register_account
from .urlkeys import url_key

# name, platform, url, kind, unit, responsible, substitute, admins, status, graphic profile complete
ACCOUNTS = [
    (
        "Ekdala kommun",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/ekdalakommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "anders.holm",
        "kommunikationsavdelningen",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.ACTIVE,
        True,
    ),
    (
        "Ekdala kommun",
        platforms.INSTAGRAM,
        "https://www.instagram.com/ekdalakommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "kommunikationsavdelningen",
        "anders.holm",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.ACTIVE,
        True,
    ),
    (
        "Ekdala kommun",
        platforms.LINKEDIN,
        "https://www.linkedin.com/company/ekdala-kommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "kommunikationschef",
        "anders.holm",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.ACTIVE,
        True,
    ),
    (
        "Ekdala kommun",
        platforms.X,
        "https://x.com/ekdalakommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "anders.holm",
        None,
        ["anders.holm", "kommunikationsavdelningen"],
        Status.WINDING_DOWN,
        True,
    ),
    (
        "Ekdala kommun",
        platforms.THREADS,
        "https://www.threads.net/@ekdalakommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "kommunikationsavdelningen",
        "anders.holm",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.PLANNED,
        False,
    ),
    (
        "Ekdala kommun",
        platforms.MASTODON,
        "https://social.example/@ekdala",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "kommunikationsavdelningen",
        "anders.holm",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.ACTIVE,
        True,
    ),
    (
        "Ekdala kommun",
        platforms.YOUTUBE,
        "https://www.youtube.com/@ekdalakommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "anders.holm",
        "kommunikationsavdelningen",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.ACTIVE,
        True,
    ),
    (
        "Biblioteken i Ekdala",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/ekdalabibliotek",
        Kind.SERVICE,
        "Biblioteket",
        "medarbetare",
        "sara.lind",
        ["medarbetare", "sara.lind", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Biblioteken i Ekdala",
        platforms.INSTAGRAM,
        "https://www.instagram.com/ekdalabibliotek",
        Kind.SERVICE,
        "Biblioteket",
        "sara.lind",
        "medarbetare",
        ["medarbetare", "sara.lind", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Bokprat med biblioteket",
        platforms.PODCAST,
        "https://poddar.ekdala.example/bokprat",
        Kind.SERVICE,
        "Biblioteket",
        "sara.lind",
        None,
        ["sara.lind"],
        Status.ACTIVE,
        False,
    ),
    (
        "Läsfrämjande i Ekdala",
        platforms.BLOG,
        "https://lasframjande.ekdala.example",
        Kind.SERVICE,
        "Biblioteket",
        "medarbetare",
        "sara.lind",
        ["medarbetare", "sara.lind", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Bibliotekets läsecirkel",
        platforms.FACEBOOK_GROUP,
        "https://www.facebook.com/groups/ekdalalasecirkel",
        Kind.DIALOGUE,
        "Biblioteket",
        "medarbetare",
        "sara.lind",
        ["medarbetare", "sara.lind", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Fritidsgårdarna Ekdala",
        platforms.INSTAGRAM,
        "https://www.instagram.com/fritidekdala",
        Kind.SERVICE,
        "Fritidsgårdarna",
        "omar.haddad",
        "jonas.ek",
        ["omar.haddad", "jonas.ek", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Fritidsgårdarna Ekdala",
        platforms.TIKTOK,
        "https://www.tiktok.com/@fritidekdala",
        Kind.SERVICE,
        "Fritidsgårdarna",
        "omar.haddad",
        "jonas.ek",
        ["omar.haddad", "jonas.ek", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Sommarlov i Ekdala",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/sommarlovekdala",
        Kind.SERVICE,
        "Fritidsgårdarna",
        "jonas.ek",
        "omar.haddad",
        ["omar.haddad", "jonas.ek", "kommunikator"],
        Status.PAUSED,
        True,
    ),
    (
        "Kulturhuset Ekdala",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/kulturhusetekdala",
        Kind.SERVICE,
        "Kulturhuset",
        "eva.berg",
        "kommunikator",
        ["eva.berg", "kommunikator", "sara.lind"],
        Status.ACTIVE,
        True,
    ),
    (
        "Kulturhuset Ekdala",
        platforms.YOUTUBE,
        "https://www.youtube.com/@kulturhusetekdala",
        Kind.SERVICE,
        "Kulturhuset",
        "johan.falk",  # who has left (see seed)
        "kommunikator",
        ["johan.falk", "eva.berg", "kommunikator"],
        Status.ACTIVE,
        True,
    ),
    (
        "Kulturnatten 2023",
        platforms.INSTAGRAM,
        "https://www.instagram.com/kulturnatten2023",
        Kind.SERVICE,
        "Kulturhuset",
        "eva.berg",
        None,
        ["eva.berg"],
        Status.CLOSED,
        True,
    ),
    (
        "Ekdalaskolan",
        platforms.INSTAGRAM,
        "https://www.instagram.com/ekdalaskolan",
        Kind.SERVICE,
        "Ekdalaskolan",
        "maria.sund",
        "lena.aberg",
        ["maria.sund", "lena.aberg", "kommunikationsavdelningen"],
        Status.ACTIVE,
        True,
    ),
    (
        "Förskolorna i Ekdala",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/forskolornaekdala",
        Kind.SERVICE,
        "Förskolorna",
        "lena.aberg",
        "sofia.lund",
        ["lena.aberg", "sofia.lund", "maria.sund"],
        Status.ACTIVE,
        True,
    ),
    (
        "Jobba i skolan",
        platforms.LINKEDIN,
        "https://www.linkedin.com/showcase/jobba-i-ekdalas-skolor",
        Kind.SERVICE,
        "Utbildningsförvaltningen",
        "lena.aberg",
        "maria.sund",
        ["maria.sund", "lena.aberg", "kommunikationsavdelningen"],
        Status.ACTIVE,
        True,
    ),
    (
        "Maria Sund – lärare i Ekdala",
        platforms.INSTAGRAM,
        "https://www.instagram.com/mariasund.larare",
        Kind.AMBASSADOR,
        "Ekdalaskolan",
        "maria.sund",
        None,
        ["maria.sund"],
        Status.ACTIVE,
        False,
    ),
    (
        "Räddningstjänsten Ekdala",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/raddningstjanstenekdala",
        Kind.SERVICE,
        "Räddningstjänsten",
        "nils.strom",
        "peter.nystrom",
        ["nils.strom", "peter.nystrom", "kommunikationsavdelningen"],
        Status.ACTIVE,
        True,
    ),
    (
        "Räddningstjänsten Ekdala",
        platforms.X,
        "https://x.com/raddningekdala",
        Kind.SERVICE,
        "Räddningstjänsten",
        "nils.strom",
        "peter.nystrom",
        ["nils.strom", "peter.nystrom"],
        Status.CLOSED,
        True,
    ),
    (
        "Gata och park informerar",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/gataparkekdala",
        Kind.DIALOGUE,
        "Gata och park",
        "peter.nystrom",
        None,
        ["peter.nystrom"],
        Status.ACTIVE,
        False,
    ),
    (
        "Medborgardialog Ekdala centrum",
        platforms.OTHER,
        "https://dialog.ekdala.example/centrum",
        Kind.DIALOGUE,
        "Samhällsbyggnadsförvaltningen",
        "peter.nystrom",
        "nils.strom",
        ["nils.strom", "peter.nystrom", "kommunikationsavdelningen"],
        Status.ACTIVE,
        True,
    ),
    (
        "Hemtjänsten Ekdala",
        platforms.FACEBOOK_PAGE,
        "https://www.facebook.com/hemtjanstenekdala",
        Kind.SERVICE,
        "Hemtjänsten",
        "ulla.karlsson",
        "fatima.ali",
        ["ulla.karlsson", "fatima.ali", "kommunikationsavdelningen"],
        Status.ACTIVE,
        True,
    ),
    (
        "Jobba i omsorgen",
        platforms.TIKTOK,
        "https://www.tiktok.com/@jobbaiomsorgen",
        Kind.SERVICE,
        "Vård- och omsorgsförvaltningen",
        "fatima.ali",
        "ulla.karlsson",
        ["ulla.karlsson", "fatima.ali", "kommunikationsavdelningen"],
        Status.ACTIVE,
        True,
    ),
    (
        "Äldreboendenas vardag",
        platforms.BLOG,
        "https://vardag.ekdala.example",
        Kind.SERVICE,
        "Äldreboendena",
        "ulla.karlsson",
        None,
        ["ulla.karlsson"],
        Status.CLOSED,
        False,
    ),
    (
        "Ekdala kommun",
        platforms.TIKTOK,
        "https://www.tiktok.com/@ekdalakommun",
        Kind.MAIN,
        "Kommunikationsavdelningen",
        "anders.holm",
        "kommunikationsavdelningen",
        ["anders.holm", "kommunikationsavdelningen", "kommunikationschef"],
        Status.ACTIVE,
        True,
    ),
]

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
        stdout.write(f"accounts: {Account.objects.count()} in the register ({created} new)")
