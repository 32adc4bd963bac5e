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

from core.views import errors_on, form_page
from organisation.models import Unit

from . import figures, services
from . import rows as figures_rows
from .forms import ThresholdsForm
from .models import Pack


def _reader(request, year):
    """A read of the year's report, checked: the time it is read at and the förvaltning
    asked for (None: the whole kommun)."""
    now = timezone.now()
    if not services.may_read(request.user):
        raise PermissionDenied(
            _(
                "Internkontrollens årsrapport visas för kommunikationsavdelningen, kommunikationschefen och dataskyddsombudet."
            )
        )
    if not services.valid_year(year, now):
        raise Http404(_("Det året har inte börjat."))
    return now, _forvaltning(request)


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
    now, forvaltning = _reader(request, year)
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
            "thresholds_link": services.thresholds_link(request.user),
        },
    )


@login_required
@require_safe
def pack_rows(request, year, key):
    now, forvaltning = _reader(request, year)
    question = figures.BY_KEY.get(key)
    if question is None:
        raise Http404(_("Det finns ingen sådan fråga."))
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
    now, forvaltning = _reader(request, year)
    body = services.csv_bytes(services.page_context(year, now=now, forvaltning=forvaltning))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="internkontroll-{year}.csv"'
    return response


@login_required
@require_safe
def pack_pdf(request, year):
    """The PDF/A of the latest finished pack the worker made for the year."""
    _now, forvaltning = _reader(request, year)
    pack = _packs(year, forvaltning).filter(state=Pack.State.DONE).first()
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
    now, forvaltning = _reader(request, year)
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
        with errors_on(form):
            services.set_thresholds(request.user, form.values(), now=now)
            messages.success(request, _("Tröskelvärdena är sparade."))
            return redirect("internalcontrol:thresholds")
    year = timezone.localdate(now).year
    return form_page(request, "internalcontrol/thresholds.html", form, year=year)
