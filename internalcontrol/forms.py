from django import forms
from django.utils.translation import gettext_lazy as _

from . import figures


class ThresholdsForm(forms.Form):
    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for question in figures.QUESTIONS:
            green_at, yellow_at = current[question.key]
            self.fields[f"green_{question.key}"] = forms.IntegerField(
                label=_("%(question)s: grön från (procent)") % {"question": question.label},
                min_value=0,
                max_value=100,
                initial=green_at,
            )
            self.fields[f"yellow_{question.key}"] = forms.IntegerField(
                label=_("%(question)s: gul från (procent)") % {"question": question.label},
                min_value=0,
                max_value=100,
                initial=yellow_at,
            )

    def values(self):
        return {
            q.key: (self.cleaned_data[f"green_{q.key}"], self.cleaned_data[f"yellow_{q.key}"])
            for q in figures.QUESTIONS
        }
