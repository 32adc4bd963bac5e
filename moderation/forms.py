from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Account
from config.uploads import clean_screenshot
from core.forms import SEARCH_CHOICES, offer_matching

from .models import BBS_OBLIGED, CLASSIFIED_KINDS, Item, Kind, RemovalReason

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _https_urls(field, **kwargs):
    """A pasted address without a scheme is https (Django 6's default, chosen now)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


# The most accounts a searched account field offers (offer_matching_accounts).
ACCOUNT_CHOICES = SEARCH_CHOICES


def offer_matching_accounts(form, name, search):
    """Offer in the account field `name` of `form` only the accounts of its queryset that
    match `search` (name, handle or address; core.forms.offer_matching), at most
    ACCOUNT_CHOICES of them; the field's help text says how many match."""
    offer_matching(
        form,
        name,
        search,
        lookups=("display_name", "handle", "url"),
        label=lambda a: f"{a.display_name} ({a.get_platform_display()})",
        describe=lambda n: (
            ngettext("%(n)s konto matchar.", "%(n)s konton matchar.", n) % {"n": n}
            if n <= ACCOUNT_CHOICES
            else _("Visar %(shown)s av %(n)s konton. Sök på namn eller adress för att hitta fler.")
            % {"shown": ACCOUNT_CHOICES, "n": n}
        ),
    )


class ItemForm(forms.ModelForm):
    """The quick entry form: paste the link and the text, choose the kind; the account
    from those matching `search` (offer_matching_accounts), as on the API keys page."""

    class Meta:
        model = Item
        formfield_callback = _https_urls
        fields = ["account", "kind", "post_url", "text", "author", "posted_at"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "posted_at": DATETIME}
        help_texts = {
            "posted_at": _("Om du vet det. Annars räknas tidsfristen från nu, när det upptäcktes."),
        }

    def __init__(self, *args, accounts, search="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        offer_matching_accounts(self, "account", search)
        self.fields["kind"].choices = [("", "---------")] + CLASSIFIED_KINDS
        self.fields["posted_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("post_url"):
            raise forms.ValidationError(_("Klistra in länken eller texten (gärna båda)."))
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Svaret"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    link = forms.URLField(label=_("eller länk till svaret"), required=False, assume_scheme="https")


class PreserveForm(forms.Form):
    text = forms.CharField(
        label=_("Inläggets text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    image = forms.FileField(
        label=_("Skärmbild (PNG eller JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        return clean_screenshot(upload) if upload else None


def removal_reason_choices():
    """No reason is preselected: the person removing chooses. The reasons the law
    obliges come first, as a group of their own."""
    by_law = [(c.value, c.label) for c in RemovalReason if c in BBS_OBLIGED]
    by_policy = [(c.value, c.label) for c in RemovalReason if c not in BBS_OBLIGED]
    return [
        ("", _("Välj skäl …")),
        (_("Krävs enligt lagen om elektroniska anslagstavlor"), by_law),
        (_("Enligt kommunens riktlinjer"), by_policy),
    ]


class RemoveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Skäl"),
        choices=removal_reason_choices,
        error_messages={
            "required": _("Välj skälet till att inlägget tas bort."),
            "invalid_choice": _("Välj ett av skälen i listan."),
        },
    )
    removed_at = forms.DateTimeField(
        label=_("Borttaget"),
        required=False,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("Lämna tomt om du tar bort det nu."),
    )
    comment = forms.CharField(label=_("Kommentar"), required=False)


class RegisterForm(forms.Form):
    diarienummer = forms.CharField(label=_("Diarienummer"), max_length=60)
    forwarded_to = forms.CharField(
        label=_("Vidarebefordrat till (enhet eller person)"), max_length=200
    )


class TextForm(forms.Form):
    label = _("Text")

    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = self.label


class ReferForm(TextForm):
    label = _("Svaret, som hänvisar till rätt kanal")


class CrimeForm(TextForm):
    label = _("Kommentar till chefen (frivillig)")


class NoActionForm(TextForm):
    label = _("Varför behövs ingen åtgärd?")


class ClassifyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Vad är kommentaren?"),
        choices=[("", _("Välj …"))] + CLASSIFIED_KINDS,
        help_text=_("Tidsfristen på 48 timmar börjar löpa när kommentaren klassas."),
        error_messages={"required": _("Välj vad kommentaren är.")},
    )


class BulkTriageForm(forms.Form):
    """The desk's bulk triage: the new comments chosen, marked "ingen åtgärd" at once."""

    items = forms.TypedMultipleChoiceField(
        label=_("Nya kommentarer"),
        coerce=int,
        error_messages={"required": _("Välj minst en kommentar.")},
    )
    text = forms.CharField(
        label=_("Varför behövs ingen åtgärd? (frivilligt)"), required=False, max_length=500
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = choices


class ReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Ny handläggare"), queryset=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class Show(models.TextChoices):
    """Which items the desk lists (the `visa` query parameter)."""

    OPEN = "oppna", _("Öppna")
    HANDLED = "hanterade", _("Hanterade")
    ALL = "alla", _("Alla")


class FilterForm(forms.Form):
    konto = forms.ModelChoiceField(
        label=_("Konto"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=_("Alla mina konton"),
    )
    typ = forms.ChoiceField(
        label=_("Typ"), required=False, choices=[("", _("Alla typer"))] + Kind.choices
    )
    visa = forms.ChoiceField(
        label=_("Visa"),
        required=False,
        choices=Show.choices,
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["konto"].queryset = accounts


class TokenForm(forms.Form):
    """The account is chosen from the accounts that match `search` (the page's search
    box, answered by the server): at most CHOICES of them are offered, never the whole
    register in one select; any open account is accepted."""

    CHOICES = ACCOUNT_CHOICES

    account = forms.ModelChoiceField(
        label=_("Konto"), queryset=Account.objects.open().order_by("display_name", "id")
    )
    name = forms.CharField(
        label=_("Verktyg"),
        max_length=100,
        help_text=_("Vilket verktyg som ska använda nyckeln, t.ex. namnet på bevakningstjänsten."),
    )

    def __init__(self, *args, search="", **kwargs):
        super().__init__(*args, **kwargs)
        offer_matching_accounts(self, "account", search)
