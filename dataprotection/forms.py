from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Assessment
from .platforms import platform_choices

TEXTS = ("channels", "personal_data", "legal_basis", "necessity", "transfer_basis")


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ("platform", *TEXTS, "review_on")
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 3}) for name in TEXTS},
            "review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, fixed_platform=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"] = forms.ChoiceField(
            label=_("plattform"), choices=[("", "---------"), *platform_choices()]
        )
        if fixed_platform:
            del self.fields["platform"]


class DecisionForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Krävs när du skickar tillbaka bedömningen."),
    )
