"""The data-protection assessment of a platform (dataskyddsbedömning), written by
kommunikationsavdelningen and signed off by the dataskyddsombud.

A kommun that runs a page on a platform is joint controller with the platform for its
visitors' data (CJEU C-210/16, Wirtschaftsakademie). The assessment documents which
channels, which personal data, the legal basis, why the processing is needed and the
transfer basis (after Schrems II: the EU–US Data Privacy Framework since 2023-07-10,
reviewed yearly). One assessment per platform slug (`platform`, the values of
Account.platform) is current: the latest signed-off version whose review date has not
passed; its accounts inherit it. An assessment with `account` set is an account-level
addition to its platform's assessment.

The assessment moves through dataprotection.workflow (draft → submitted → signed off or
returned); the decision is its append-only event. A signed-off version never changes: a
new version is a new row (`previous`), and signing it off supersedes the old one.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import Kept, KeptQuerySet


class State(models.TextChoices):
    DRAFT = "utkast", _("Utkast")
    SUBMITTED = "inskickad", _("Inskickad till dataskyddsombudet")
    RETURNED = "aterlamnad", _("Återlämnad för komplettering")
    SIGNED_OFF = "godkand", _("Godkänd av dataskyddsombudet")
    SUPERSEDED = "ersatt", _("Ersatt av en ny version")


EDITABLE = frozenset({State.DRAFT, State.RETURNED})


class AssessmentQuerySet(KeptQuerySet):
    def platform_level(self):
        return self.filter(account__isnull=True)

    def signed_off(self):
        return self.filter(state=State.SIGNED_OFF)

    def current(self, today):
        """Signed-off platform assessments whose review date has not passed."""
        return self.platform_level().signed_off().filter(review_on__gte=today)

    def expired(self, today):
        """Signed-off platform assessments (not superseded) past their review date."""
        return self.platform_level().signed_off().filter(review_on__lt=today)


class Assessment(Kept):
    platform = models.CharField(_("plattform"), max_length=40, db_index=True)
    account = protected_fk(
        "accounts.Account",
        _("konto (tillägg för ett enskilt konto)"),
        optional=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = protected_fk(
        "self", _("föregående version"), optional=True, related_name="next_versions"
    )
    state = models.CharField(_("läge"), max_length=20, choices=State.choices, default=State.DRAFT)
    channels = models.TextField(
        _("kanaler"),
        help_text=_("Vilka konton och funktioner på plattformen kommunen använder."),
    )
    personal_data = models.TextField(
        _("personuppgifter"),
        help_text=_("Vilka personuppgifter om besökare och följare som behandlas."),
    )
    legal_basis = models.TextField(
        _("rättslig grund"),
        help_text=_(
            "Till exempel allmänt intresse (artikel 6.1 e) för information till invånarna."
        ),
    )
    necessity = models.TextField(
        _("varför behandlingen behövs"),
        help_text=_("Varför kommunen behöver finnas på plattformen och behandla uppgifterna."),
    )
    transfer_basis = models.TextField(
        _("grund för överföring till tredje land"),
        help_text=_(
            "Till exempel EU–US Data Privacy Framework (gäller sedan 2023-07-10, "
            "omprövas årligen) eller standardavtalsklausuler."
        ),
    )
    review_on = models.DateField(
        _("omprövas senast"),
        help_text=_("Dagen då bedömningen senast ska göras om, normalt inom ett år."),
    )
    created_by = user_fk(_("skriven av"))
    created_at = models.DateTimeField(_("skapad"))
    submitted_at = models.DateTimeField(_("inskickad"), null=True, blank=True)
    decided_by = user_fk(_("beslut av"), optional=True)
    decided_at = models.DateTimeField(_("beslut"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    kept_message = _("En dataskyddsbedömning tas aldrig bort; en ny version ersätter den.")

    class Meta:
        verbose_name = _("dataskyddsbedömning")
        verbose_name_plural = _("dataskyddsbedömningar")
        ordering = ["platform", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform"],
                condition=models.Q(state="godkand", account__isnull=True),
                name="one_signed_off_assessment_per_platform",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(state="godkand", account__isnull=False),
                name="one_signed_off_addition_per_account",
            ),
        ]
        indexes = [
            models.Index(
                fields=["review_on"],
                condition=models.Q(state="godkand"),
                name="assessment_review_due",
            ),
        ]

    def __str__(self):
        from .platforms import platform_label

        name = platform_label(self.platform)
        if self.account_id:
            name = f"{name}: {self.account}"
        return f"{name} v{self.version}"

    @property
    def is_editable(self):
        return self.state in EDITABLE


class AssessmentEvent(Event):
    """Each step of an assessment; the sign-off and the return are the dataskyddsombud's
    decisions, kept as they were written."""

    class Action(models.TextChoices):
        CREATED = "skapad", _("Bedömningen påbörjad")
        SUBMITTED = "inskickad", _("Inskickad till dataskyddsombudet")
        SIGNED_OFF = "godkand", _("Godkänd av dataskyddsombudet")
        RETURNED = "aterlamnad", _("Återlämnad för komplettering")
        SUPERSEDED = "ersatt", _("Ersatt av en ny version")

    assessment = subject(Assessment, _("dataskyddsbedömning"))
    action = action_field(Action.choices)

    class Meta(Event.Meta):
        verbose_name = _("dataskyddsbedömningens händelse")
        verbose_name_plural = _("dataskyddsbedömningarnas händelser")
