"""Thin views: the informationshanteringsplan (list, edit, CSV, PDF), gallringsprotokoll and
spärrar, for kommunarkivet and the communications office."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from archive.access import may_use_archive
from config.pdf import render_pdf
from core import csvsafe
from core.views import found
from organisation.models import Unit

from . import catalogue, gallring, holds, plan
from .forms import EntryForm, HoldForm, LiftForm
from .models import Disposition, Hold, Protocol


def _require_archive(user):
    if not may_use_archive(user):
        raise PermissionDenied(
            _("Informationshanteringen är till för kommunarkivet och kommunikationsavdelningen.")
        )


def _status(entry):
    return _("Beslutad") if entry.has_decision else _("Förslag, inget beslut")


@require_safe
@login_required
def plan_list(request):
    _require_archive(request.user)
    return render(
        request,
        "retention/plan_list.html",
        {"rows": plan.rows(), "may_edit": plan.may_edit(request.user)},
    )


CSV_HEADER = [
    "processkod",
    "process",
    "handlingstyp",
    "kanalkoll_typ",
    "bevaras_gallras",
    "gallringsfrist_manader",
    "fristen_raknas",
    "gallring",
    "beslut_namnd",
    "beslut_paragraf",
    "beslut_datum",
    "status",
    "kommentar",
    "version",
    "andrad",
]


@require_safe
@login_required
def plan_csv(request):
    _require_archive(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="informationshanteringsplan.csv"'
    writer = csvsafe.writer(response)
    writer.writerow(CSV_HEADER)
    with translation.override(settings.LANGUAGE_CODE):
        for rtype, entry in plan.rows():
            writer.writerow(
                [
                    entry.process_code,
                    entry.process_name,
                    str(rtype.name),
                    rtype.key,
                    entry.disposition,
                    "" if entry.retention_months is None else entry.retention_months,
                    entry.counted_from if entry.disposition == Disposition.DISPOSE else "",
                    entry.retention_text(),
                    entry.decision_body,
                    entry.decision_paragraph,
                    entry.decision_date.isoformat() if entry.decision_date else "",
                    _status(entry),
                    entry.note,
                    entry.version,
                    timezone.localtime(entry.changed_at).isoformat() if entry.changed_at else "",
                ]
            )
    return response


@require_safe
@login_required
def plan_pdf(request):
    _require_archive(request.user)
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        rows = [(rtype, entry, _status(entry)) for rtype, entry in plan.rows()]
        pdf = render_pdf(
            "retention/plan_pdf.html",
            {"rows": rows, "kommun": Unit.objects.kommun(), "generated_at": now},
            title=_("Informationshanteringsplan för Kanalkoll"),
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="informationshanteringsplan.pdf"'
    return response


def _type_or_404(key):
    rtype = catalogue.get(key)
    if rtype is None:
        raise Http404(_("Det finns ingen sådan handlingstyp."))
    return rtype


@login_required
def entry_edit(request, key):
    _require_archive(request.user)
    rtype = _type_or_404(key)
    if not plan.may_edit(request.user):
        raise PermissionDenied(_("Planen förs av kommunarkivet och kommunikationsavdelningen."))
    entry = plan.current_entry(key)
    form = EntryForm(request.POST) if request.method == "POST" else EntryForm.for_entry(entry)
    if request.method == "POST" and form.is_valid():
        try:
            plan.record_entry(request.user, key, form.cleaned_data, now=timezone.now())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except plan.NothingChanged:
            messages.info(request, _("Inget ändrades."))
            return redirect("retention:plan")
        else:
            messages.success(request, _("%(type)s: planen är sparad.") % {"type": rtype.name})
            return redirect("retention:plan")
    return render(
        request,
        "retention/entry_form.html",
        {"rtype": rtype, "entry": entry, "form": form, "history": plan.history(key)},
        status=400 if form.errors else 200,
    )


@require_safe
@login_required
def gallring_overview(request):
    _require_archive(request.user)
    preview = gallring.run(now=timezone.now(), dry_run=True)
    return render(
        request,
        "retention/gallring.html",
        {
            "preview": preview,
            "protocols": Protocol.objects.all()[:200],
            "active_holds": Hold.objects.active().count(),
        },
    )


def _protocol_or_404(pk):
    protocol = Protocol.objects.filter(pk=pk).select_related("entry").first()
    return found(protocol, _("Protokollet finns inte."))


@require_safe
@login_required
def protocol_detail(request, pk):
    _require_archive(request.user)
    return render(request, "retention/protocol.html", {"protocol": _protocol_or_404(pk)})


def protocol_document(protocol):
    """The protocol as a document: what the download holds."""
    return {
        "gallringsprotokoll": protocol.pk,
        "gallrat": protocol.run_at.isoformat(),
        "handlingstyp": protocol.record_type,
        "handlingstypens_namn": protocol.type_name,
        "atgard": protocol.action,
        "falt": protocol.fields,
        "gallringsfrist": protocol.retention,
        "gallrat_aldre_an": protocol.cutoff.isoformat(),
        "aldsta": protocol.earliest.isoformat() if protocol.earliest else None,
        "senaste": protocol.latest.isoformat() if protocol.latest else None,
        "antal": protocol.count,
        "undantagna_genom_sparr": protocol.held,
        "beslut": {
            "namnd": protocol.decision_body,
            "paragraf": protocol.decision_paragraph,
            "datum": protocol.decision_date.isoformat(),
            "planens_version": protocol.entry.version,
        },
        "kontrollsummor": protocol.checksums,
        "kontrollsummornas_sha256": protocol.sha256,
        "metod": "SHA-256 av varje rads kanoniska JSON (Djangos serialisering, sorterade "
        "nycklar, UTF-8, inga mellanslag); för tömda fält bara de tömda fälten.",
    }


@require_safe
@login_required
def protocol_json(request, pk):
    _require_archive(request.user)
    protocol = _protocol_or_404(pk)
    body = json.dumps(protocol_document(protocol), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"gallringsprotokoll-{protocol.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@login_required
def hold_list(request):
    _require_archive(request.user)
    return render(
        request,
        "retention/hold_list.html",
        {"holds": Hold.objects.select_related("account", "placed_by", "lifted_by")[:500]},
    )


@login_required
def hold_new(request):
    _require_archive(request.user)
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            records = holds.parse_records(data["record_type"], data["record_ids"])
            hold = holds.place_hold(
                request.user,
                reason=data["reason"],
                reference=data["reference"],
                description=data["description"],
                account=data["account"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                records=records,
                now=timezone.now(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Spärren är lagd."))
            return redirect("retention:hold", hold.pk)
    return render(
        request, "retention/hold_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _hold_or_404(pk):
    hold = (
        Hold.objects.filter(pk=pk)
        .select_related("account", "placed_by", "lifted_by")
        .prefetch_related("records")
        .first()
    )
    return found(hold, _("Spärren finns inte."))


@require_safe
@login_required
def hold_detail(request, pk):
    _require_archive(request.user)
    return _hold_page(request, _hold_or_404(pk))


def _hold_page(request, hold, lift_form=None):
    """The hold's page; with a lift form that did not validate, re-shown with its errors."""
    return render(
        request,
        "retention/hold_detail.html",
        {
            "hold": hold,
            "events": hold.events.select_related("actor"),
            "lift_form": lift_form or LiftForm(),
        },
        status=400 if lift_form is not None else 200,
    )


@login_required
@require_POST
def hold_lift(request, pk):
    _require_archive(request.user)
    hold = _hold_or_404(pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        return _hold_page(request, hold, lift_form=form)
    try:
        holds.lift_hold(
            request.user, hold.pk, reason=form.cleaned_data["reason"], now=timezone.now()
        )
    except holds.HoldConflict as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Spärren är hävd."))
    return redirect("retention:hold", hold.pk)
