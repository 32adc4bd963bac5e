"""Demo items on the library's accounts: one at each urgency, and some handled; and
"tillsyn gjord" in the last days on every active account but one (left unwatched on
purpose)."""

import datetime

from django.db import transaction
from django.utils.translation import ngettext

from accounts.models import Account, Status
from organisation.models import User

from . import services
from .models import CheckIn, Item, Kind, RemovalReason

# account url, kind, text, author, hours since posted, how it was handled
ITEMS = [
    (
        "https://www.facebook.com/ekdalabibliotek",
        Kind.QUESTION,
        "Hej! Har ni öppet på lördag under jullovet?",
        "Anna K",
        10,
        None,
    ),
    (
        "https://www.facebook.com/ekdalabibliotek",
        Kind.INAPPROPRIATE,
        "Köp billiga solglasögon här: http://spam.example",
        "Deals4U",
        40,
        None,
    ),
    (
        "https://www.instagram.com/ekdalabibliotek",
        Kind.CRITICISM,
        "Det är tredje gången bokautomaten är trasig i månaden. Det håller inte.",
        "Per L",
        52,
        None,
    ),
    (
        "https://www.instagram.com/ekdalabibliotek",
        Kind.QUESTION,
        "Hur lånar jag e-böcker?",
        "Sofia",
        30,
        "answer",
    ),
    (
        "https://www.facebook.com/ekdalabibliotek",
        Kind.INAPPROPRIATE,
        "[personangrepp mot en anställd]",
        "Anonym",
        20,
        "remove",
    ),
]


UNWATCHED = "Bokprat med biblioteket"  # no "tillsyn" for over a week, on purpose


@transaction.atomic
def seed(*, now, stdout=None):
    actor = User.objects.get(username="medarbetare")
    created = 0
    for url, kind, text, author, hours, handled in ITEMS:
        account = Account.objects.filter(url=url).first()
        if account is None or Item.objects.filter(account=account, text=text).exists():
            continue
        posted = now - datetime.timedelta(hours=hours)
        item, _new = services.create_item(
            actor,
            account,
            {"kind": kind, "text": text, "author": author, "posted_at": posted},
            now=now,
        )
        handler = services.handler(item, now)
        if handled == "answer":
            services.answer(
                handler,
                item.pk,
                "Du lånar e-böcker i appen Biblio med ditt lånekort. Välkommen!",
                now=now,
            )
        elif handled == "remove":
            services.preserve(handler, item.pk, text, now=now)
            services.remove(handler, item.pk, RemovalReason.PERSONAL_ATTACK, now=now)
        created += 1
    watched = 0
    active = Account.objects.filter(status=Status.ACTIVE).exclude(display_name=UNWATCHED)
    for index, account in enumerate(active.select_related("responsible").order_by("pk")):
        if not CheckIn.objects.filter(account=account).exists():
            at = now - datetime.timedelta(days=index % 5, hours=2 + index % 7)
            services.check_in(account.responsible, account, now=at)
            watched += 1
    if stdout is not None:
        items = ngettext(
            "Moderering: %(count)d nytt ärende", "Moderering: %(count)d nya ärenden", created
        ) % {"count": created}
        checks = ngettext(
            "tillsyn registrerad för %(count)d konto",
            "tillsyn registrerad för %(count)d konton",
            watched,
        ) % {"count": watched}
        stdout.write(f"{items}, {checks}")
    return created
