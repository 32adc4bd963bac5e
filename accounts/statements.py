"""The tillgänglighetsredogörelser: the default text, true of Kanalkoll as shipped and
shown as a proposal until the kommun confirms it, and the one service that changes a
statement (every version is kept in its history)."""

import datetime

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation.models import Unit

from .forms import https_urls
from .models import AccessibilityStatement

Service = AccessibilityStatement.Service

# When the checks that the default text describes were last reviewed against the app.
DEFAULT_ASSESSED_ON = datetime.date(2026, 12, 3)

FIELDS = (
    "body_name",
    "service_name",
    "compliance",
    "inaccessible_content",
    "exempted_content",
    "outside_law",
    "method",
    "method_description",
    "assessed_on",
    "feedback_email",
    "feedback_url",
    "confirmed",
)


def _checks():
    return _(
        "Kanalkolls egna tester kontrollerar sidorna vid varje ändring av programmet: "
        "axe-core granskar dem mot WCAG 2.1 nivå A och AA i en riktig webbläsare "
        "(Chromium), och HTML-kontroller ser till att varje sida har språk angivet, en "
        "länk för att hoppa till innehållet, landmärken, exakt en huvudrubrik och unika "
        "id:n, och att inget skript eller ingen stil ligger i sidan. Automatiska tester "
        "hittar inte alla brister; kommunen har inte gjort någon manuell granskning ännu."
    )


def defaults(service, kommun=None):
    """The default statement for `service`: what is true of Kanalkoll as shipped."""
    kommun = kommun if kommun is not None else Unit.objects.kommun()
    common = {
        "body_name": kommun.name if kommun else _("Kommunen"),
        "compliance": AccessibilityStatement.Compliance.PARTIAL,
        "method": AccessibilityStatement.Method.SELF,
        "method_description": _checks(),
        "assessed_on": DEFAULT_ASSESSED_ON,
        "feedback_email": kommun.contact_email if kommun else "",
        "feedback_url": "",
        "exempted_content": _(
            "Inget innehåll är undantaget med hänvisning till att anpassningen vore "
            "oskäligt betungande."
        ),
        "confirmed": False,
    }
    if service == Service.REGISTER:
        return common | {
            "service_name": str(Service.REGISTER.label),
            "inaccessible_content": _(
                "Förteckningen, dess öppna data och listan för inbäddning klarar de "
                "automatiska testerna. Det som bara kan prövas av en människa, till "
                "exempel att texterna är begripliga och att sidan fungerar väl med "
                "skärmläsare och förstoring, är inte granskat. Därför är "
                "förteckningen bara delvis förenlig tills kommunen har granskat den."
            ),
            "outside_law": _(
                "Plattformarna som kontona finns på (till exempel Facebook, Instagram, "
                "YouTube och LinkedIn) är tredjepartstjänster som kommunen varken "
                "utvecklar eller styr, och omfattas inte av lagen. Det kommunen "
                "publicerar där ska ändå vara tillgängligt så långt det går: hur bilder "
                "får alt-texter och filmer textning står i varje kontos aktivitetsplan "
                "och följs upp i Kanalkoll."
            ),
        }
    return common | {
        "service_name": str(Service.INTRANET.label),
        "inaccessible_content": _(
            "Ögonblicksbilderna i arkivet (PDF) och de skärmbilder som sparas innan ett "
            "inlägg tas bort är bilder av sidorna i sociala medier och har inget "
            "textalternativ. Kontots namn, datum och adress står i text bredvid. Det som "
            "bara kan prövas av en människa är inte granskat."
        ),
        "outside_law": _(
            "Ögonblicksbilder som har lämnats till kommunarkivet och inte längre behövs "
            "i aktiva administrativa processer räknas som arkiverat innehåll (9 §)."
        ),
    }


def statement_for(service):
    """The published statement, or the default one (unsaved) if none is saved yet."""
    found = AccessibilityStatement.objects.filter(service=service).first()
    if found is not None:
        return found
    return AccessibilityStatement(service=service, updated_at=None, **defaults(service))


def save_statement(actor, service, data, *, now):
    """Publish a new version of the statement for `service` from `data` (FIELDS)."""
    with transaction.atomic():
        statement = (
            AccessibilityStatement.objects.select_for_update().filter(service=service).first()
        )
        if statement is None:
            statement = AccessibilityStatement(service=service)
        for name in FIELDS:
            setattr(statement, name, data[name])
        statement.updated_at = now
        statement.updated_by = actor
        statement.full_clean()
        statement._history_user = actor
        statement._history_date = now
        statement.save()
    return statement


class StatementForm(forms.ModelForm):
    class Meta:
        model = AccessibilityStatement
        fields = list(FIELDS)
        formfield_callback = https_urls
        widgets = {
            "compliance": forms.RadioSelect,
            "method": forms.RadioSelect,
            "assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for name in (
                    "inaccessible_content",
                    "exempted_content",
                    "outside_law",
                    "method_description",
                )
            },
        }
        help_texts = {
            "confirmed": gettext_lazy(
                "Kryssa i när kommunen har läst och bekräftat texten. Annars visas den "
                "som ett förslag."
            ),
        }

    def clean(self):
        data = super().clean()
        if not data.get("feedback_email") and not data.get("feedback_url"):
            raise forms.ValidationError(
                _("Ange en e-postadress eller ett webbformulär för synpunkter.")
            )
        return data
