"""Ordering and generating the yearly pack: the page orders it (a Pack row, queued),
the worker on the `pdf` queue computes it förvaltning by förvaltning, with progress on
the row, and stores the PDF/A and the CSV with their SHA-256."""

import hashlib
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.pdf import render_pdf
from core import csvsafe
from organisation.models import REGISTER_CURATORS, Role, Unit

from . import charts, figures
from .models import Pack, Threshold

READERS = frozenset({*REGISTER_CURATORS, Role.DATASKYDDSOMBUD})


def may_read(user):
    """The register's curators and the dataskyddsombud read and order the pack."""
    return user.is_authenticated and user.is_active and user.has_role(*READERS)


def compliance_link(user, now):
    """The compliance overview's link to this year's pack, for those who may read it."""
    if not may_read(user):
        return None
    year = timezone.localdate(now).year
    return _("Internkontrollens årsrapport"), reverse("internalcontrol:pack", args=[year])


def may_set_thresholds(user):
    return user.is_authenticated and user.is_active and user.has_role(*REGISTER_CURATORS)


def thresholds_link(user):
    """The pack's link to the thresholds' page for those who set them, else None (the
    page then says who does)."""
    return reverse("internalcontrol:thresholds") if may_set_thresholds(user) else None


def valid_year(year, now):
    return 2000 <= year <= timezone.localdate(now).year


def order(actor, year, *, now, forvaltning=None):
    """A queued pack; its task is enqueued when the transaction commits."""
    if not may_read(actor):
        raise PermissionDenied(_("Du kan inte beställa internkontrollens årsrapport."))
    if not valid_year(year, now):
        raise ValidationError(_("Välj ett år som har börjat."))
    from .tasks import generate_pack

    with transaction.atomic():
        pack = Pack.objects.create(
            year=year, forvaltning=forvaltning, requested_by=actor, requested_at=now
        )
        transaction.on_commit(lambda: _enqueue(generate_pack, pack.pk))
    return pack


def _enqueue(task, pk):
    from config.celery import enqueue

    enqueue(task, pk)


def page_context(year, *, now, forvaltning=None):
    """What the page and the PDF show: the figures, the charts and the lights of every
    förvaltning (the last only for the whole kommun)."""
    limits = figures.thresholds()
    data = figures.compute(year, now=now, forvaltning=forvaltning, limits=limits)
    lights = []
    if forvaltning is None:
        for unit in figures.forvaltningar():
            lights.append((unit, figures.compute(year, now=now, forvaltning=unit, limits=limits)))
    return _context(data, lights)


def _context(data, lights):
    return {
        "data": data,
        "times_chart": charts.response_times(data["months"]),
        "share_chart": charts.deadline_share(data["months"]),
        "lights": [
            {"unit": unit, "questions": figures_of["questions"]} for unit, figures_of in lights
        ],
    }


def csv_bytes(context):
    """The pack as CSV: one row per question (kommun or förvaltning), per month and per
    period."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    data = context["data"]
    writer.writerow(
        [
            _("avsnitt"),
            _("förvaltning"),
            _("fråga"),
            _("täljare"),
            _("nämnare"),
            _("andel"),
            _("ljus"),
        ]
    )
    scope = data["forvaltning"] or _("hela kommunen")
    for q in data["questions"]:
        writer.writerow(
            [
                _("fråga"),
                scope,
                q["label"],
                q["numerator"],
                q["denominator"],
                q["share"],
                q["light"],
            ]
        )
    for row in context["lights"]:
        for q in row["questions"]:
            writer.writerow(
                [
                    _("förvaltning"),
                    row["unit"].name,
                    q["label"],
                    q["numerator"],
                    q["denominator"],
                    q["share"],
                    q["light"],
                ]
            )
    writer.writerow([])
    writer.writerow(
        [
            _("månad"),
            _("hanterade"),
            _("inom tidsfristen"),
            _("andel"),
            _("median (h)"),
            _("90:e percentilen (h)"),
        ]
    )
    for m in data["months"]:
        writer.writerow([m["label"], m["count"], m["in_time"], m["share"], m["median"], m["p90"]])
    writer.writerow([])
    writer.writerow([_("period"), _("förfallna"), _("levererade"), _("sena")])
    for p in data["periods"]:
        writer.writerow([p["key"], p["due"], p["delivered"], p["late"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def title_of(year, forvaltning):
    if forvaltning is not None:
        return _("Internkontroll av sociala medier %(year)s: %(unit)s") % {
            "year": year,
            "unit": forvaltning.name,
        }
    return _("Internkontroll av sociala medier %(year)s") % {"year": year}


def generate(pack_id, *, now):
    """Compute and render one queued pack (the worker's part). Progress: one step per
    förvaltning, one for the kommun, one for the files."""
    with transaction.atomic():
        claimed = Pack.objects.filter(pk=pack_id, state=Pack.State.QUEUED).service_update(
            state=Pack.State.RUNNING
        )
    if not claimed:
        return None
    pack = Pack.objects.select_related("forvaltning").get(pk=pack_id)
    units = [] if pack.forvaltning_id else figures.forvaltningar()
    Pack.objects.filter(pk=pack.pk).update(total=len(units) + 2, progress=0)
    limits = figures.thresholds()
    try:
        data = figures.compute(pack.year, now=now, forvaltning=pack.forvaltning, limits=limits)
        Pack.objects.filter(pk=pack.pk).update(progress=1)
        lights = []
        for done, unit in enumerate(units, start=2):
            lights.append(
                (unit, figures.compute(pack.year, now=now, forvaltning=unit, limits=limits))
            )
            Pack.objects.filter(pk=pack.pk).update(progress=done)
        context = _context(data, lights)
        title = title_of(pack.year, pack.forvaltning)
        kommun = Unit.objects.kommun()
        pdf = render_pdf(
            "internalcontrol/pack_pdf.html",
            {**context, "kommun": kommun, "generated_at": now, "heading": title},
            title=title,
            author=kommun.name if kommun else "",
        )
        csv = csv_bytes(context)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, shown on the page
        with transaction.atomic():
            Pack.objects.filter(pk=pack.pk).service_update(
                state=Pack.State.FAILED, error=str(exc)[:2000], finished_at=now
            )
        raise
    with transaction.atomic():
        pack = Pack.objects.select_for_update().get(pk=pack.pk)
        name = f"internkontroll-{pack.year}-{pack.pk}"
        pack.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
        pack.csv.save(f"{name}.csv", ContentFile(csv), save=False)
        pack.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        pack.csv_sha256 = hashlib.sha256(csv).hexdigest()
        pack.figures = {"kommun": data, "forvaltningar": {u.name: d for u, d in lights}}
        pack.state = Pack.State.DONE
        pack.progress = pack.total
        pack.finished_at = now
        pack.save()
    return pack


def set_thresholds(actor, values, *, now):
    """`values`: {question key: (green_at, yellow_at)}."""
    if not may_set_thresholds(actor):
        raise PermissionDenied(
            _("Bara kommunikationschefen och kommunikationsavdelningen sätter tröskelvärdena.")
        )
    with transaction.atomic():
        for key, (green_at, yellow_at) in values.items():
            if key not in figures.BY_KEY:
                raise ValidationError({"__all__": _("Okänd fråga.")})
            if not (0 <= yellow_at <= green_at <= 100):
                raise ValidationError(
                    {
                        f"green_{key}": _(
                            "Gul gräns får inte vara högre än grön, och båda ligger mellan 0 och 100."
                        )
                    }
                )
            Threshold.objects.update_or_create(
                question=key,
                defaults={
                    "green_at": green_at,
                    "yellow_at": yellow_at,
                    "updated_at": now,
                    "updated_by": actor,
                },
            )
