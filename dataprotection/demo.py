"""Demo assessments: every platform of the demo register signed off by the
dataskyddsombud, reviewed within the year; one new version waiting for a decision."""

import datetime

from django.utils import timezone
from django.utils.translation import ngettext

from organisation.models import User

from . import services
from .models import Assessment
from .platforms import platform_choices
from .workflow import Do

DPF = (
    "EU–US Data Privacy Framework: leverantören är certifierad. Ramverket gäller sedan "
    "2023-07-10 och omprövas årligen av kommissionen; kontrollera certifieringen vid varje "
    "omprövning. Standardavtalsklausuler i leverantörens villkor som reserv."
)
SIGNED_OFF_BEFORE = datetime.timedelta(days=65)
TRANSFERS = {
    "tiktok": "Standardavtalsklausuler (artikel 46) med kompletterande skyddsåtgärder; "
    "leverantören är inte certifierad enligt Data Privacy Framework.",
    "mastodon": "Ingen överföring: servern drivs inom EU.",
    "blogg": "Ingen överföring: bloggen ligger på kommunens webbplats inom EU.",
    "podd": "Ingen överföring: poddtjänstens servrar finns inom EU.",
    "annan": "Bedöms för varje konto i ett tillägg.",
}


def _fields(slug, label, today):
    return {
        "platform": slug,
        "channels": f"Kommunens konton på {label}: huvudkonto och verksamhetskonton.",
        "personal_data": "Namn, profilbild och inlägg från dem som kommenterar eller skriver "
        "till kommunen; plattformens statistik över besökare (Page Insights).",
        "legal_basis": "Allmänt intresse (artikel 6.1 e dataskyddsförordningen): kommunens "
        "information och service till invånarna.",
        "necessity": f"Invånarna finns på {label}; kommunen når dem där med information och "
        "svarar på frågor.",
        "transfer_basis": TRANSFERS.get(slug, DPF),
        "review_on": today + datetime.timedelta(days=300),
    }


def seed(*, now, stdout=None):
    today = timezone.localdate(now)
    writer = User.objects.filter(username="kommunikationsavdelningen").first()
    officer = User.objects.filter(username="dataskyddsombud").first()
    if writer is None or officer is None:
        return 0
    created = 0
    for slug, label in platform_choices():
        if Assessment.objects.filter(platform=slug, account__isnull=True).exists():
            continue
        # Written and signed off two months ago: the dataskyddsombud's inbox holds only
        # the new version that waits, not twelve requests already decided.
        written = now - SIGNED_OFF_BEFORE
        assessment = services.create_draft(writer, _fields(slug, label, today), now=written)
        submitted = written + datetime.timedelta(hours=1)
        services.act(writer, assessment.pk, Do.SUBMIT, now=submitted)
        signed_at = written + datetime.timedelta(days=2)
        services.act(officer, assessment.pk, Do.SIGN_OFF, now=signed_at, comment="Godkänd.")
        created += 1
    # A new version of the Facebook page's assessment, waiting for the dataskyddsombud.
    signed = Assessment.objects.signed_off().filter(platform="facebook_sida", account=None).first()
    if signed is not None and not signed.next_versions.exists():
        draft = services.act(writer, signed.pk, Do.NEW_VERSION, now=now)
        services.edit(
            writer,
            draft.pk,
            {"personal_data": signed.personal_data + " Även meddelanden i Messenger."},
            now=now,
        )
        services.act(writer, draft.pk, Do.SUBMIT, now=now)
    if stdout is not None:
        stdout.write(
            ngettext(
                "Dataskydd: %(count)d ny bedömning",
                "Dataskydd: %(count)d nya bedömningar",
                created,
            )
            % {"count": created}
        )
    return created
