"""The yearly internal-control pack: the page (figures, charts, lights), the rows behind
each figure, the CSV and the PDF/A the worker made, and the kommun's thresholds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from organisation.models import Unit

from . import figures, services
from . import rows as figures_rows
from .forms import ThresholdsForm
from .models import Pack


def _reader(request, year, now):
    if not services.may_read(request.user):
        raise PermissionDenied(
            _(
                "Internkontrollens årsrapport visas för kommunikationsavdelningen, kommunikationschefen och dataskyddsombudet."
            )
        )
    if not services.valid_year(year, now):
        raise Http404(_("Det året har inte börjat."))


def _forvaltning(request):
    value = request.GET.get("forvaltning") or request.POST.get("forvaltning") or ""
    if not value:
        return None
    unit = (
        Unit.objects.filter(pk=value, kind=Unit.Kind.FORVALTNING).first()
        if value.isdigit()
        else None
    )
    if unit is None:
        raise Http404(_("Det finns ingen sådan förvaltning."))
    return unit


def _packs(year, forvaltning):
    return Pack.objects.filter(year=year, forvaltning=forvaltning)


@login_required
@require_safe
def pack_page(request, year):
    now = timezone.now()
    _reader(request, year, now)
    forvaltning = _forvaltning(request)
    context = services.page_context(year, now=now, forvaltning=forvaltning)
    latest = _packs(year, forvaltning).select_related("requested_by").first()
    query = f"?forvaltning={forvaltning.pk}" if forvaltning else ""
    return render(
        request,
        "internalcontrol/pack.html",
        {
            **context,
            "year": year,
            "forvaltning": forvaltning,
            "forvaltningar": figures.forvaltningar(),
            "latest": latest,
            "finished": _packs(year, forvaltning).filter(state=Pack.State.DONE).first(),
            "query": query,
            "heading": services.title_of(year, forvaltning),
            "years": list(range(timezone.localdate(now).year, 2019, -1)),
        },
    )


@login_required
@require_safe
def pack_rows(request, year, key):
    now = timezone.now()
    _reader(request, year, now)
    question = figures.BY_KEY.get(key)
    if question is None:
        raise Http404(_("Det finns ingen sådan fråga."))
    forvaltning = _forvaltning(request)
    headings, rows = figures_rows.rows(key, year, now=now, forvaltning=forvaltning)
    return render(
        request,
        "internalcontrol/rows.html",
        {
            "year": year,
            "question": question,
            "forvaltning": forvaltning,
            "headings": headings,
            "rows": rows,
            "ok_count": sum(1 for r in rows if r["ok"]),
            "back": reverse("internalcontrol:pack", args=[year])
            + (f"?forvaltning={forvaltning.pk}" if forvaltning else ""),
        },
    )


@login_required
@require_safe
def pack_csv(request, year):
    now = timezone.now()
    _reader(request, year, now)
    forvaltning = _forvaltning(request)
    body = services.csv_bytes(services.page_context(year, now=now, forvaltning=forvaltning))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="internkontroll-{year}.csv"'
    return response


@login_required
@require_safe
def pack_pdf(request, year):
    """The PDF/A of the latest finished pack the worker made for the year."""
    now = timezone.now()
    _reader(request, year, now)
    pack = _packs(year, _forvaltning(request)).filter(state=Pack.State.DONE).first()
    if pack is None or not pack.pdf:
        raise Http404(
            _("Ingen årsrapport är skapad för året än. Beställ den på årsrapportens sida.")
        )
    response = FileResponse(pack.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="internkontroll-{year}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def pack_order(request, year):
    now = timezone.now()
    _reader(request, year, now)
    forvaltning = _forvaltning(request)
    try:
        services.order(request.user, year, now=now, forvaltning=forvaltning)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Årsrapporten är beställd. Sidan visar hur långt den har kommit.")
        )
    url = reverse("internalcontrol:pack", args=[year])
    return redirect(url + (f"?forvaltning={forvaltning.pk}" if forvaltning else ""))


@login_required
def thresholds(request):
    if not services.may_set_thresholds(request.user):
        raise PermissionDenied(
            _("Bara kommunikationschefen och kommunikationsavdelningen sätter tröskelvärdena.")
        )
    now = timezone.now()
    form = ThresholdsForm(request.POST or None, current=figures.thresholds())
    if request.method == "POST" and form.is_valid():
        try:
            services.set_thresholds(request.user, form.values(), now=now)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Tröskelvärdena är sparade."))
            return redirect("internalcontrol:thresholds")
    return render(
        request,
        "internalcontrol/thresholds.html",
        {"form": form, "year": timezone.localdate(now).year},
        status=400 if form.errors else 200,
    )
