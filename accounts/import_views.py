"""Importing the register from a spreadsheet in the browser (accounts.importing), for
those who register accounts: kommunikationsavdelningen and the kommunikationschef."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.importing import import_view, template_csv

from . import access, importing


class RegisterImportOptions(forms.Form):
    activity_on = forms.DateField(
        label=gettext_lazy("Senaste aktivitet för konton utan datum i filen"),
        help_text=gettext_lazy(
            "Nya konton utan datum i kolumnen Senaste aktivitet får det här datumet, så "
            "att påminnelser om passiva konton inte går ut för alla på en gång."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )

    def clean_activity_on(self):
        day = self.cleaned_data["activity_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Datumet kan inte vara i framtiden."))
        return day


def _require_curator(user):
    if not access.can_register(user):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen importerar konton.")
        )


@login_required
def register_import(request):
    _require_curator(request.user)
    return import_view(
        request,
        importer=importing,
        session_key="kanalkoll_register_import",
        options_form=RegisterImportOptions,
        context={
            "title": _("Importera kontoregistret"),
            "intro": _(
                "En rad per konto. Konton känns igen på adressen: finns kontot redan "
                "uppdateras det, annars läggs det till som aktivt. Enheter och ansvariga "
                "måste finnas i Kanalkoll."
            ),
            "template_url": reverse("accounts:import_template"),
        },
    )


@require_safe
@login_required
def register_import_template(request):
    _require_curator(request.user)
    return template_csv(importing, "kontoregister-mall.csv")
