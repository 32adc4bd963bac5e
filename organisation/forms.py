from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.forms import SEARCH_CHOICES, offer_matching

from .models import Absence


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["starts_on", "ends_on", "substitute", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, search="", **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user
        self.fields["substitute"].empty_label = _("Välj ersättare")
        self.fields["substitute"].queryset = (
            get_user_model().objects.filter(is_active=True).exclude(pk=user.pk)
        )
        # The substitute from the people who match the page's search, not every
        # person of the kommun in one select; anyone active is accepted.
        offer_matching(
            self,
            "substitute",
            search,
            lookups=("first_name", "last_name", "username", "email"),
            label=str,
            describe=lambda n: (
                ngettext("%(n)s person matchar.", "%(n)s personer matchar.", n) % {"n": n}
                if n <= SEARCH_CHOICES
                else _("Visar %(shown)s av %(n)s personer. Sök på namn för att hitta fler.")
                % {"shown": SEARCH_CHOICES, "n": n}
            ),
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("Slutdatum kan inte vara före startdatum."))
        return data
