from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.workflow import Conflict, allowed

from . import handovers, services
from .deputies import Deputies
from .forms import AbsenceForm
from .models import Absence, Handover, User


@login_required
def absences(request):
    form = AbsenceForm(request.POST or None, user=request.user)
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
        },
    )


@login_required
@require_POST
def cancel_absence(request, pk):
    absence = get_object_or_404(Absence, pk=pk, user=request.user)
    services.cancel_absence(request.user, absence.pk, now=timezone.now())
    messages.success(request, _("Frånvaron är återkallad."))
    return redirect("organisation:absences")


class SuccessorForm(forms.Form):
    successor = forms.ModelChoiceField(
        label=gettext_lazy("Efterträdare"), queryset=User.objects.filter(is_active=True)
    )


@login_required
def handover(request, pk):
    item = Handover.objects.filter(pk=pk).select_related("user", "successor", "resolved_by").first()
    now = timezone.now()
    deputies = Deputies.at(now)
    if item is None or not handovers.may_decide(request.user, item, deputies):
        raise Http404(_("Överlämningen finns inte eller så saknar du behörighet att se den."))
    form = SuccessorForm(request.POST or None)
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
