from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import AbsenceForm
from .models import Absence


@login_required
def absences(request):
    form = AbsenceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.record_absence(request.user, **form.cleaned_data)
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
    services.cancel_absence(request.user, absence.pk)
    messages.success(request, _("Frånvaron är återkallad."))
    return redirect("organisation:absences")
