from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.forms import optional_text

from . import catalogue
from .models import CountedFrom, Disposition, HoldReason


class EntryForm(forms.Form):
    process_code = forms.CharField(label=_("Processkod"), max_length=30)
    process_name = forms.CharField(label=_("Process"), max_length=200)
    disposition = forms.ChoiceField(
        label=_("Bevaras eller gallras"), choices=Disposition.choices, widget=forms.RadioSelect
    )
    retention_months = forms.IntegerField(
        label=_("Gallringsfrist i månader"),
        required=False,
        min_value=0,
        max_value=1200,
        help_text=_("Bara för gallras. Tomt: gallras vid inaktualitet."),
    )
    counted_from = forms.ChoiceField(
        label=_("Fristen räknas"), choices=CountedFrom.choices, widget=forms.RadioSelect
    )
    decision_body = optional_text(
        _("Beslutande nämnd"),
        max_length=200,
        help_text=_("Lämna nämnd, paragraf och datum tomma så länge det är ett förslag."),
    )
    decision_paragraph = optional_text(
        _("Paragraf"), max_length=60, help_text=_("Till exempel § 45.")
    )
    decision_date = forms.DateField(
        label=_("Beslutsdatum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = optional_text(_("Kommentar"), rows=3)

    @classmethod
    def for_entry(cls, entry):
        return cls(initial={name: getattr(entry, name) for name in cls.base_fields})


class HoldForm(forms.Form):
    reason = forms.ChoiceField(label=_("Skäl"), choices=HoldReason.choices)
    reference = optional_text(_("Diarienummer eller referens"), max_length=100)
    description = forms.CharField(
        label=_("Varför spärren läggs"), widget=forms.Textarea(attrs={"rows": 3})
    )
    account = forms.ModelChoiceField(
        label=_("Konto"),
        queryset=Account.objects.order_by("display_name"),
        required=False,
        empty_label=_("Alla konton"),
    )
    starts_on = forms.DateField(
        label=_("Period från och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        label=_("Period till och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    record_type = forms.ChoiceField(label=_("Enskilda handlingar av typen"), required=False)
    record_ids = optional_text(
        _("Handlingarnas id"),
        max_length=2000,
        help_text=_("Id-nummer åtskilda med komma eller mellanslag, till exempel 12, 15."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "–")] + [
            (t.key, f"{t.name} ({t.key})") for t in catalogue.model_types()
        ]


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Varför spärren hävs"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
