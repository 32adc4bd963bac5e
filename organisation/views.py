from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.importing import import_view, template_csv
from core.views import found
from core.workflow import Conflict, allowed

from . import handovers, importing, services
from .deputies import Deputies
from .forms import AbsenceForm
from .models import REGISTER_CURATORS, Absence, Handover, User
from .widgets import GroupedPersonSelect, person_label

# The query parameter of the substitute search on "Frånvaro".
PERSON_SEARCH = "sok_ersattare"


@login_required
def absences(request):
    search = request.GET.get(PERSON_SEARCH, "").strip()[:100]
    form = AbsenceForm(request.POST or None, user=request.user, search=search)
    if request.method == "POST" and form.is_valid():
        services.record_absence(request.user, **form.cleaned_data, now=timezone.now())
        messages.success(request, _("Frånvaron är registrerad. Din ersättare har fått besked."))
        return redirect("organisation:absences")
    return render(
        request,
        "organisation/absences.html",
        {
            "form": form,
            "absences": Absence.objects.filter(user=request.user).select_related("substitute"),
            "substituting": Absence.objects.active()
            .filter(substitute=request.user, ends_on__gte=timezone.localdate())
            .select_related("user"),
            "today": timezone.localdate(),
            "search": search,
            "search_param": PERSON_SEARCH,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def cancel_absence(request, pk):
    absence = found(
        Absence.objects.filter(pk=pk, user=request.user).first(), _("Frånvaron finns inte.")
    )
    services.cancel_absence(request.user, absence.pk, now=timezone.now())
    messages.success(request, _("Frånvaron är återkallad."))
    return redirect("organisation:absences")


class SuccessorField(forms.ModelChoiceField):
    widget = GroupedPersonSelect

    def label_from_instance(self, obj):
        return person_label(obj)


class SuccessorForm(forms.Form):
    """The successor, among the active people: those of the departed person's unit and
    förvaltning first, each with title and unit."""

    successor = SuccessorField(
        label=gettext_lazy("Efterträdare"),
        queryset=User.objects.filter(is_active=True).select_related("unit"),
    )

    def __init__(self, *args, near=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].widget.focus_unit = near


@login_required
def handover(request, pk):
    item = Handover.objects.filter(pk=pk).select_related("user", "successor", "resolved_by").first()
    now = timezone.now()
    deputies = Deputies.at(now)
    if item is None or not handovers.may_decide(request.user, item, deputies):
        raise Http404(_("Överlämningen finns inte eller så saknar du behörighet att se den."))
    form = SuccessorForm(request.POST or None, near=item.user.unit)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                handovers.hand_over(request.user, item.pk, form.cleaned_data["successor"], now=now)
            except Conflict as exc:
                form.add_error("successor", str(exc))
            except ValidationError as exc:
                form.add_error("successor", exc.messages)
            else:
                messages.success(
                    request, _("%(person)s tar över.") % {"person": form.cleaned_data["successor"]}
                )
                return redirect("organisation:handover", item.pk)
        status = 400
    return render(
        request,
        "organisation/handover.html",
        {
            "handover": item,
            "items": handovers.responsibilities(item.user),
            "form": form,
            "events": item.events.select_related("actor"),
            "actions": allowed(request.user, item, now=now, deputies=deputies),
        },
        status=status,
    )


def _require_importer(user):
    if not (user.has_role(*REGISTER_CURATORS) or user.is_systemadmin):
        raise PermissionDenied(
            _(
                "Bara kommunikationsavdelningen, kommunikationschefen och "
                "systemadministratören importerar organisationen."
            )
        )


@login_required
def organisation_import(request):
    _require_importer(request.user)
    return import_view(
        request,
        importer=importing,
        session_key="kanalkoll_organisation_import",
        context={
            "title": _("Importera organisationen"),
            "intro": _(
                "En rad per enhet, överordnade enheter före dem som ingår i dem. Tom "
                "kolumn Ingår i: enheten är en förvaltning direkt under kommunen. Enheter "
                "känns igen på namnet; en chef i filen ersätter enhetens chef."
            ),
            "template_url": reverse("organisation:import_template"),
        },
    )


@require_safe
@login_required
def organisation_import_template(request):
    _require_importer(request.user)
    return template_csv(importing, "organisation-mall.csv")
