"""Demo request for allmänna handlingar: one received by e-mail this morning, handled by
the registrator, so that it waits on /handlingar/ and on their "Att göra"."""

import datetime

from django.utils.translation import ngettext

from organisation.models import User

from .models import Channel, Request
from .services import receive

DESCRIPTION = (
    "Kommentarerna på kommunens Facebooksida om sommarlovsaktiviteterna, med kommunens svar "
    "och de kommentarer som dolts eller tagits bort."
)


def seed(*, now, stdout=None):
    registrator = User.objects.filter(username="registrator").first()
    created = 0
    if registrator is not None and not Request.objects.filter(description=DESCRIPTION).exists():
        receive(
            registrator,
            {
                "received_at": now - datetime.timedelta(hours=2),
                "channel": Channel.EMAIL,
                "requester_name": "Ekdala-Posten, redaktionen",
                "requester_contact": "redaktionen@ekdalaposten.example",
                "description": DESCRIPTION,
                "handler": registrator,
            },
            now=now,
        )
        created = 1
    if stdout is not None:
        stdout.write(
            ngettext(
                "Allmänna handlingar: %(count)d ny begäran",
                "Allmänna handlingar: %(count)d nya begäranden",
                created,
            )
            % {"count": created}
        )
    return created
