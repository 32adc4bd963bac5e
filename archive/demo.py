"""Demo snapshots: the half-year that ended last, with some accounts delivered (from a
drawn stand-in screenshot) and some waiting for an upload."""

import io

from django.db import transaction
from PIL import Image, ImageDraw

from . import services
from .models import Method, Snapshot, State
from .periods import last_ended

SEALED = 4
WAITING_FOR_UPLOAD = 3


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
    services.create_semiannual(now)
    period = last_ended(now)
    snapshots = list(
        Snapshot.objects.filter(period_key=period.key, reason="halvar", version=1)
        .select_related("account", "account__responsible")
        .order_by("account__display_name", "id")
    )
    sealed = sum(1 for s in snapshots if s.state == State.SEALED)
    for snapshot in snapshots:
        if snapshot.state != State.DUE:
            continue
        if sealed < SEALED:
            png = stand_in_screenshot(snapshot.account.display_name, snapshot.account.url)
            services.attach(snapshot.pk, png, Method.UPLOAD, snapshot.account.responsible, now)
            sealed += 1
        elif (
            Snapshot.objects.filter(period_key=period.key, state=State.NEEDS_UPLOAD).count()
            < WAITING_FOR_UPLOAD
        ):
            services.ask_for_upload(snapshot.pk, "Inloggning krävs för att se sidan.", now)
    if stdout is not None:
        stdout.write(f"Ögonblicksbilder för {period.key}: {len(snapshots)}.")
    return len(snapshots)
