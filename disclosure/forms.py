from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.forms import optional_text
from organisation.models import User

from . import sources
from .access import HANDLER_ROLES
from .models import PROVISIONS, Channel, Outcome, State


def handlers():
    return (
        User.objects.filter(is_active=True, role_assignments__role__in=HANDLER_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ReceiveForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("Mottagen"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("När begäran kom in till kommunen."),
    )
    channel = forms.ChoiceField(label=_("Hur"), choices=Channel.choices)
    requester_name = optional_text(
        _("Vem som begär"),
        max_length=200,
        help_text=_("Frivilligt: den som begär får vara anonym och behöver inte säga varför."),
    )
    requester_contact = optional_text(
        _("Kontaktuppgift"),
        max_length=300,
        help_text=_("Frivilligt: e-post, telefon eller adress om kopian ska skickas."),
    )
    description = forms.CharField(
        label=_("Vad som begärs"), widget=forms.Textarea(attrs={"rows": 4})
    )
    handler = forms.ModelChoiceField(label=_("Handläggare"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers()


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alla"))] + State.choices
    )
    handler = forms.ModelChoiceField(
        label=_("Handläggare"), required=False, queryset=User.objects.none(), empty_label=_("Alla")
    )
    q = optional_text(_("Sök i nummer, begärd handling och namn"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers()


class SearchForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Slag av handling"),
        required=False,
        choices=[(s.key, s.name) for s in sources.SOURCES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Inget valt: alla slag."),
    )
    account = forms.ModelChoiceField(
        label=_("Konto"),
        required=False,
        queryset=Account.objects.order_by("display_name"),
        empty_label=_("Alla konton"),
    )
    starts_on = forms.DateField(
        label=_("Från och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Till och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = optional_text(_("Text"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("Periodens slut kan inte vara före dess början."))
        return data


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Sekretessprövning"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    masks = optional_text(
        _("Text som maskeras"),
        rows=3,
        help_text=_(
            "Den exakta texten, en per rad. Markera text i handlingen ovan och välj "
            "”Maskera markerad text” för att lägga till den."
        ),
    )
    provision = forms.ChoiceField(
        label=_("Bestämmelse i OSL"), required=False, choices=[("", "—")] + PROVISIONS
    )
    provision_text = optional_text(
        _("Annan bestämmelse"), max_length=200, help_text=_("Till exempel ”OSL 19 kap. 3 §”.")
    )
    reason = optional_text(_("Skäl"), rows=3, help_text=_("Krävs vid avslag; står i beslutet."))

    def clean(self):
        data = super().clean()
        if data.get("provision") == "annan":
            if not (data.get("provision_text") or "").strip():
                self.add_error("provision_text", _("Skriv bestämmelsen."))
            data["provision"] = (data.get("provision_text") or "").strip()
        data["masks"] = [
            line.strip() for line in (data.get("masks") or "").splitlines() if line.strip()
        ]
        return data


class ReassignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Ny handläggare"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers()


class CloseForm(forms.Form):
    comment = optional_text(
        _("Kommentar"),
        rows=2,
        help_text=_("Till exempel att begäran återkallades eller att handlingen saknas."),
    )
