from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import netguard
from organisation.models import Unit
from organisation.widgets import GroupedPersonSelect, PeoplePicker, person_label

from . import platforms
from .models import PLAN_GOVERNED_FIELDS, Account, Problem, Status
from .services import DESCRIPTIVE_FIELDS, FULL_FIELDS
from .urlkeys import InvalidAccountURL, url_key


def people():
    return get_user_model().objects.filter(is_active=True).select_related("unit")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} – {obj.title}" if obj.title else str(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """People to choose several of (administrators): checkboxes, those near the
    account first (organisation.widgets.PeoplePicker), each with title and unit."""

    widget = PeoplePicker

    def label_from_instance(self, obj):
        return person_label(obj)


def administrators_field(help_text):
    """An account's administrators, chosen among the active people (optional)."""
    return PeopleChoiceField(
        label=_("Administratörer"), queryset=people(), required=False, help_text=help_text
    )


def platform_field(empty, **options):
    """A platform of the catalogue (accounts.platforms), optional: `empty` names the
    blank choice."""
    return forms.ChoiceField(
        label=_("Plattform"),
        required=False,
        choices=lambda: [("", empty), *platforms.choices()],
        **options,
    )


def near(form, unit):
    """Offer the people of `unit` and its förvaltning first in the form's people fields."""
    for field in form.fields.values():
        if isinstance(field.widget, PeoplePicker | GroupedPersonSelect):
            field.widget.focus_unit = unit


def https_urls(field, **kwargs):
    """Model URL fields become form fields that take an address typed without a scheme
    as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


def clean_feed_url(form):
    """A feed address the reader will fetch: refused when typed unless the address
    guard accepts it (only public addresses on the standard ports). A name that does not
    resolve is refused too, with its reason; an unchanged address is not looked up
    again, so that a passing DNS fault never blocks editing the rest of the account."""
    url = form.cleaned_data.get("feed_url") or ""
    if url and url != (form.initial.get("feed_url") or ""):
        try:
            netguard.check(url)
        except netguard.NetError as exc:
            raise forms.ValidationError(str(exc)) from exc
    return url


def lock_plan_governed_fields(form):
    """What an established Aktivitetsplan decided is changed through a new version of
    the plan, not in the register: show those fields, but disabled."""
    reference = form.instance.plan_reference
    if not reference:
        return
    for name in PLAN_GOVERNED_FIELDS:
        if name in form.fields:
            form.fields[name].disabled = True
            form.fields[name].help_text = _(
                "Fastställt i aktivitetsplan %(reference)s. Ändras genom en ny version av planen."
            ) % {"reference": reference}


def _posted_unit(form):
    """The unit chosen on a form shown again (a new account), if any."""
    value = form.data.get(form.add_prefix("unit")) if form.is_bound else None
    return Unit.objects.filter(pk=value).first() if str(value or "").isdigit() else None


class AccountForm(forms.ModelForm):
    """All fields, for the register's curators."""

    platform = platform_field(
        _("Känns igen från adressen"),
        help_text=_(
            "Lämnas den tom väljs plattformen som adressen hör till, om den finns i "
            "plattformskatalogen."
        ),
    )

    url = forms.URLField(
        label=_("Adress (URL)"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("Kontots adress, till exempel https://www.instagram.com/kommunen."),
    )

    administrators = administrators_field(
        _(
            "Minst två personer och förvaltningskommunikatören. Kryssa i en person i taget; "
            "enhetens och förvaltningens personer visas först."
        )
    )

    class Meta:
        model = Account
        fields = list(FULL_FIELDS) + ["administrators"]
        field_classes = {"responsible": PersonChoiceField, "substitute": PersonChoiceField}
        formfield_callback = https_urls
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "audience": forms.Textarea(attrs={"rows": 2}),
            "accessibility_practice": forms.Textarea(attrs={"rows": 2}),
            "opened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "responsible": GroupedPersonSelect,
            "substitute": GroupedPersonSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("responsible", "substitute"):
            self.fields[name].queryset = people()
        near(self, self.instance.unit if self.instance.unit_id else _posted_unit(self))
        self.fields["administrators"].queryset = people()
        if self.instance.pk:
            self.initial.setdefault(
                "administrators", list(self.instance.administrators.values_list("pk", flat=True))
            )
        order = list(FULL_FIELDS[len(DESCRIPTIVE_FIELDS) :]) + list(DESCRIPTIVE_FIELDS)
        order.insert(order.index("substitute") + 1, "administrators")
        self.order_fields(order)
        lock_plan_governed_fields(self)

    clean_feed_url = clean_feed_url

    def _platform_from_catalogue(self, data):
        """The platform the address belongs to when none was chosen, and (for a new
        account) its feed where the platform has one (accounts.platforms)."""
        url = data.get("url")
        if not data.get("platform") and url:
            entry = platforms.recognise(url_key(url))
            if entry is not None:
                data["platform"] = entry.slug
        if not data.get("platform"):
            if url:
                self.add_error(
                    "platform",
                    _("Adressen hör inte till någon plattform i katalogen; välj plattform."),
                )
            return
        if self.instance.pk is None and url and not data.get("feed_url"):
            data["feed_url"] = platforms.discover_feed(data["platform"], url)

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            key = url_key(url)
        except InvalidAccountURL as exc:
            raise forms.ValidationError(str(exc)) from exc
        clash = Account.objects.filter(url_key=key).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(
                _("Adressen finns redan i registret: %(account)s."), params={"account": clash}
            )
        return url

    def clean_platform_page_id(self):
        page_id = self.cleaned_data["platform_page_id"].strip()
        platform = self.data.get(self.add_prefix("platform")) or self.instance.platform
        clash = (
            Account.objects.filter(platform=platform, platform_page_id=page_id)
            .exclude(pk=self.instance.pk)
            .first()
            if page_id
            else None
        )
        if clash:
            raise forms.ValidationError(
                _("Sidans id hör redan till %(account)s."), params={"account": clash}
            )
        return page_id

    def clean(self):
        data = super().clean()
        self._platform_from_catalogue(data)
        responsible, substitute = data.get("responsible"), data.get("substitute")
        if responsible and substitute and responsible == substitute:
            self.add_error("substitute", _("Ersättaren ska vara en annan person än den ansvarige."))
        status, closed_on, opened_on = (
            data.get("status"),
            data.get("closed_on"),
            data.get("opened_on"),
        )
        if closed_on and status != Status.CLOSED:
            self.add_error("closed_on", _("Avslutsdatum anges bara för avslutade konton."))
        if closed_on and opened_on and closed_on < opened_on:
            self.add_error("closed_on", _("Kontot kan inte avslutas före det startades."))
        return data

    def _post_clean(self):
        # The url_key is derived by the service; don't let ModelForm validate it here.
        self._validate_unique = False
        super()._post_clean()


class AccountDescriptionForm(forms.ModelForm):
    """The descriptive fields, for the responsible person and the communicator."""

    class Meta:
        model = Account
        fields = list(DESCRIPTIVE_FIELDS)
        widgets = AccountForm.Meta.widgets
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lock_plan_governed_fields(self)

    clean_feed_url = clean_feed_url


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Sök"), required=False, help_text=_("Namn, användarnamn eller adress")
    )
    platform = platform_field(_("Alla plattformar"))
    unit = forms.ModelChoiceField(
        label=_("Enhet"), required=False, queryset=Unit.objects.all(), empty_label=_("Alla enheter")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alla statusar"))] + Status.choices
    )
    problem = forms.ChoiceField(
        label=_("Brist"),
        required=False,
        choices=[("", _("Alla")), ("any", _("Någon brist"))] + Problem.choices,
    )

    def filter(self, qs):
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            qs = qs.filter(
                Q(display_name__icontains=q) | Q(handle__icontains=q) | Q(url__icontains=q)
            )
        if data["platform"]:
            qs = qs.filter(platform=data["platform"])
        if data["unit"]:
            qs = qs.filter(unit__path__startswith=data["unit"].path)
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["problem"]:
            qs = qs.with_problem(data["problem"])
        return qs
