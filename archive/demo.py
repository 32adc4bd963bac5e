"""Demo snapshots: the half-year that ended last, mostly delivered (from a drawn stand-in
screenshot), a few waiting for an upload and one still due for capture."""

import datetime
import io

from django.db import transaction
from django.utils.translation import ngettext
from PIL import Image, ImageDraw

from organisation.models import User

from . import services
from .models import Method, Snapshot, State
from .periods import last_ended

WAITING_FOR_UPLOAD = 2
STILL_DUE = 1  # left for the capture sweep


def stand_in_screenshot(title, subtitle):
    image = Image.new("RGB", (1280, 2200), "#f0f2f5")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 90), fill="#1d4f91")
    draw.rectangle((140, 140, 1140, 520), fill="#ffffff", outline="#c9ccd1")
    draw.text((180, 180), title, fill="#050505")
    draw.text((180, 220), subtitle, fill="#65676b")
    for row in range(6):
        top = 580 + row * 260
        draw.rectangle((140, top, 1140, top + 230), fill="#ffffff", outline="#c9ccd1")
        draw.text((180, top + 30), f"Inlägg {row + 1}", fill="#050505")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@transaction.atomic
def seed(*, now, stdout=None):
    fallback = User.objects.get(username="kommunikationsavdelningen")
    services.create_semiannual(now)
    period = last_ended(now)
    snapshots = list(
        Snapshot.objects.filter(period_key=period.key, reason="halvar", version=1)
        .select_related("account", "account__responsible")
        .order_by("account__display_name", "id")
    )
    sealed = sum(1 for s in snapshots if s.state == State.SEALED)
    to_seal = len(snapshots) - WAITING_FOR_UPLOAD - STILL_DUE
    for snapshot in snapshots:
        if snapshot.state != State.DUE:
            continue
        if sealed < to_seal:
            # Uploaded in the first days after the half-year turn, by the responsible
            # person (the register's editor for an account whose responsible has left).
            png = stand_in_screenshot(snapshot.account.display_name, snapshot.account.url)
            person = snapshot.account.responsible
            uploader = person if person.is_active else fallback
            at = min(now, period.ends_at + datetime.timedelta(days=1 + sealed % 9, hours=8))
            services.attach(snapshot.pk, png, Method.UPLOAD, uploader, at)
            sealed += 1
        elif (
            Snapshot.objects.filter(period_key=period.key, state=State.NEEDS_UPLOAD).count()
            < WAITING_FOR_UPLOAD
        ):
            # Asked for a week and more ago: the first sweep sends the 7-day reminder.
            asked = max(period.ends_at, now - datetime.timedelta(days=9))
            services.ask_for_upload(snapshot.pk, "Inloggning krävs för att se sidan.", asked)
    if stdout is not None:
        stdout.write(
            ngettext(
                "Arkiv: %(count)d ögonblicksbild för %(period)s",
                "Arkiv: %(count)d ögonblicksbilder för %(period)s",
                len(snapshots),
            )
            % {"count": len(snapshots), "period": period.key}
        )
    return len(snapshots)
