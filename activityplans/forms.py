from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.forms import PersonChoiceField, administrators_field, near, people, platform_field
from accounts.models import Account, Status
from core.forms import optional_text
from organisation.models import Role, Unit, User
from organisation.widgets import GroupedPersonSelect

from .models import Evaluation, Outcome, Plan
from .services import PLAN_FIELDS_EDITABLE, may_draft_for

TEXTAREA = {"rows": 3}


class PlanForm(forms.ModelForm):
    """The "Aktivitetsplan för sociala medier". Only types are checked here, so that a
    draft can be saved at any time; completeness is checked on submission."""

    url = forms.URLField(
        label=_("Adress (URL)"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=Plan._meta.get_field("url").help_text,
    )
    platform = platform_field(_("Välj plattform"))
    administrators = administrators_field(
        _(
            "Minst två personer utöver förvaltningskommunikatören, som läggs till "
            "automatiskt. Kryssa i en person i taget; enhetens och förvaltningens personer "
            "visas först."
        ),
    )

    # The form in parts, as the plan page shows it. Fields not named here (if any are
    # added later) are shown in the last part, so that none is lost.
    FIELDSETS = (
        (_("Uppdrag"), ("applicant", "unit", "assignment")),
        (
            _("Konto"),
            (
                "account",
                "platform",
                "account_kind",
                "account_name",
                "handle",
                "url",
                "ambassador_statement",
            ),
        ),
        (_("Syfte, mål och målgrupp"), ("purpose", "goals", "audience", "complements")),
        (
            _("Innehåll och tid"),
            ("content_plan", "frequency", "time_allocated", "answers_within_48h"),
        ),
        (_("Ansvar och kunskap"), ("administrators", "substitute", "platform_knowledge")),
        (
            _("Personuppgifter, samtycke och tillgänglighet"),
            ("personal_data", "consent_confirmed", "accessibility"),
        ),
        (_("Varaktighet och utvärdering"), ("duration", "ends_on", "evaluation_plan")),
    )

    class Meta:
        model = Plan
        fields = [f for f in PLAN_FIELDS_EDITABLE if f != "administrators"] + ["administrators"]
        field_classes = {"applicant": PersonChoiceField, "substitute": PersonChoiceField}
        widgets = {
            "assignment": forms.RadioSelect,
            "duration": forms.RadioSelect,
            "substitute": GroupedPersonSelect,
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{
                name: forms.Textarea(attrs=TEXTAREA)
                for name in (
                    "purpose",
                    "goals",
                    "audience",
                    "complements",
                    "content_plan",
                    "time_allocated",
                    "platform_knowledge",
                    "personal_data",
                    "accessibility",
                    "evaluation_plan",
                )
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        order = list(self.Meta.fields)
        order.remove("administrators")
        order.insert(order.index("substitute"), "administrators")
        self.order_fields(order)
        self.fields["substitute"].queryset = people()
        self.fields["administrators"].queryset = people()
        self.fields["unit"].queryset = Unit.objects.all()
        self.fields["unit"].label_from_instance = lambda unit: unit.label
        self.fields["account"].queryset = takeover_choices(user, self.instance)
        self.fields["account"].label = _("Konto i registret som ska tas över")
        self.fields["account"].help_text = _("Bara om du ska ta över ett konto som redan finns.")
        self.fields["account"].empty_label = _("Välj konto")
        self.fields["substitute"].empty_label = _("Välj ersättare")
        self.fields["account_kind"].choices = [
            choice for choice in self.fields["account_kind"].choices if choice[0]
        ]
        if self.instance.previous_id:
            # A new version changes an account that is already on the register.
            for name in ("assignment", "platform", "account"):
                self.fields[name].disabled = True
        if self.instance.pk:
            self.initial.setdefault(
                "administrators", list(self.instance.administrators.values_list("pk", flat=True))
            )
        if user.has_role(Role.CHEF):
            self.fields["applicant"].queryset = _staff_of(user)
            self.initial.setdefault("applicant", user.pk)
            self.fields["applicant"].help_text = _(
                "Som chef kan du upprätta planen åt en medarbetare i dina enheter."
            )
        else:
            del self.fields["applicant"]
        if not self.instance.pk:
            self.initial.setdefault("unit", user.unit_id)
        near(self, self.instance.unit if self.instance.unit_id else user.unit)

    def fieldsets(self):
        """[(legend, [bound field])] in the order of FIELDSETS, for the template."""
        named = set()
        parts = []
        for legend, names in self.FIELDSETS:
            fields = [self[name] for name in names if name in self.fields]
            named.update(names)
            if fields:
                parts.append((legend, fields))
        rest = [self[name] for name in self.fields if name not in named]
        if rest:
            parts[-1] = (parts[-1][0], parts[-1][1] + rest)
        return parts

    def clean_applicant(self):
        applicant = self.cleaned_data["applicant"]
        if applicant and not may_draft_for(self.user, applicant):
            raise forms.ValidationError(
                _("Du kan bara upprätta planer för dig själv eller din personal.")
            )
        return applicant

    def _post_clean(self):
        # The service applies the data; the model's own blank checks would reject drafts.
        self._validate_unique = False
        super()._post_clean()


def takeover_choices(user, plan):
    """The accounts a plan may take over, as the plan form offers them: active accounts
    that the person filling in the form may see in the register (planned, paused and
    closing ones are not taken over by a plan), and the one the plan already names."""
    visible = Account.objects.visible_to(user).filter(status=Status.ACTIVE)
    named = (
        Account.objects.filter(pk=plan.account_id) if plan.account_id else Account.objects.none()
    )
    return (
        Account.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=named.values("pk")))
        .select_related("unit")
        .order_by("display_name", "id")
    )


def _staff_of(chef):
    paths = [path for role, _uid, path in chef._assignments if role == Role.CHEF]
    qs = User.objects.none()
    for path in paths:
        qs |= User.objects.filter(is_active=True, unit__path__startswith=path)
    return (qs | User.objects.filter(pk=chef.pk)).distinct().select_related("unit")


class DecisionForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Godkänn")),
            ("return", _("Skicka tillbaka")),
            ("reject", _("Avslå")),
        ],
        widget=forms.HiddenInput,
    )
    comment = optional_text(
        _("Kommentar"),
        rows=3,
        help_text=_(
            "Krävs när du skickar tillbaka eller avslår planen. Kommentaren visas för den "
            "sökande och i planens händelser."
        ),
    )
    url = forms.URLField(
        label=_("Kontots adress (URL)"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("Planen saknar adress. Kontot förs in i registret med den här adressen."),
    )


class WithdrawForm(forms.Form):
    comment = optional_text(_("Varför återkallas planen?"), rows=2)


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["goals_met", "reach", "questions_handling", "outcome", "comment"]
        widgets = {
            "goals_met": forms.Textarea(attrs=TEXTAREA),
            "reach": forms.Textarea(attrs=TEXTAREA),
            "questions_handling": forms.Textarea(attrs=TEXTAREA),
            "outcome": forms.RadioSelect,
            "comment": forms.Textarea(attrs=TEXTAREA),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("goals_met", "reach", "questions_handling", "outcome"):
            self.fields[name].required = True
        self.fields["outcome"].choices = Outcome.choices
