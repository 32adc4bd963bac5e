"""The informationshanteringsplan, gallring and spärrar.

- `PlanEntry`: one version of one row of the plan (a record type: its process, bevaras or
  gallras, after how long, the decision it rests on). Every change is a new version; the
  newest is the plan. A type without a version has Kanalkoll's default (retention.catalogue),
  a proposal with no decision.
- `Protocol`: the gallringsprotokoll of one type in one run: how many rows, the SHA-256 of
  each one's canonical JSON, the cut-off and the decision. Kept for good.
- `Hold` (spärr): an account, a period or single records (`HeldRecord`) that gallring
  leaves alone until it is lifted, for a request, a JO case or a police report; placing
  and lifting are `HoldEvent`s.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import AppendOnly, Kept, KeptQuerySet


class Disposition(models.TextChoices):
    KEEP = "bevaras", _("Bevaras")
    DISPOSE = "gallras", _("Gallras")


class CountedFrom(models.TextChoices):
    RECORD = "handlingen", _("från handlingens datum")
    YEAR_END = "arets_utgang", _("från utgången av handlingens kalenderår")


class PlanEntry(AppendOnly):
    """One version of the plan's row for a record type (retention.catalogue's key)."""

    disposable = False
    kept_message = _("Informationshanteringsplanens versioner tas aldrig bort.")

    record_type = models.CharField(_("handlingstyp"), max_length=100, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    process_code = models.CharField(_("processkod"), max_length=30)
    process_name = models.CharField(_("process"), max_length=200)
    disposition = models.CharField(
        _("bevaras eller gallras"), max_length=10, choices=Disposition.choices
    )
    retention_months = models.PositiveIntegerField(
        _("gallringsfrist (månader)"),
        null=True,
        blank=True,
        help_text=_("Tomt för gallras: vid inaktualitet."),
    )
    counted_from = models.CharField(
        _("fristen räknas"), max_length=20, choices=CountedFrom.choices, default=CountedFrom.RECORD
    )
    decision_body = models.CharField(_("beslutande nämnd"), max_length=200, blank=True)
    decision_paragraph = models.CharField(_("paragraf"), max_length=60, blank=True)
    decision_date = models.DateField(_("beslutsdatum"), null=True, blank=True)
    note = models.TextField(_("kommentar"), blank=True)
    changed_by = user_fk(_("ändrad av"), optional=True)
    changed_at = models.DateTimeField(_("ändrad"), null=True, blank=True)

    class Meta:
        verbose_name = _("post i informationshanteringsplanen")
        verbose_name_plural = _("poster i informationshanteringsplanen")
        ordering = ["record_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "version"], name="plan_entry_version"),
        ]

    def __str__(self):
        return f"{self.record_type} v{self.version}"

    @property
    def has_decision(self):
        return bool(self.decision_body and self.decision_paragraph and self.decision_date)

    @property
    def is_default(self):
        return self.pk is None

    @property
    def decision_text(self):
        if not self.has_decision:
            return ""
        return f"{self.decision_body} {self.decision_paragraph}, {self.decision_date:%Y-%m-%d}"

    def retention_text(self):
        """ "Bevaras", "Gallras vid inaktualitet" or "Gallras efter 12 månader, räknat …"."""
        if self.disposition == Disposition.KEEP:
            return str(_("Bevaras"))
        if self.retention_months is None:
            return str(_("Gallras vid inaktualitet"))
        months = self.retention_months
        if months % 12 == 0 and months:
            span = _("%(n)s år") % {"n": months // 12}
        else:
            span = _("%(n)s månader") % {"n": months}
        return str(
            _("Gallras efter %(span)s, räknat %(from)s")
            % {"span": span, "from": self.get_counted_from_display()}
        )


class Protocol(AppendOnly):
    """The gallringsprotokoll of one record type in one run of the gallring job."""

    class Action(models.TextChoices):
        DELETED = "raderade", _("Raderade")
        BLANKED = "avidentifierade", _("Personuppgifter borttagna")

    disposable = False
    kept_message = _("Gallringsprotokoll tas aldrig bort.")

    run_at = models.DateTimeField(_("gallrat"), db_index=True)
    record_type = models.CharField(_("handlingstyp"), max_length=100, db_index=True)
    type_name = models.CharField(_("handlingstypens namn"), max_length=200)
    action = models.CharField(_("åtgärd"), max_length=20, choices=Action.choices)
    fields = models.JSONField(_("fält"), default=list, blank=True)
    entry = protected_fk(PlanEntry, _("planens post"), related_name="+")
    decision_body = models.CharField(_("beslutande nämnd"), max_length=200)
    decision_paragraph = models.CharField(_("paragraf"), max_length=60)
    decision_date = models.DateField(_("beslutsdatum"))
    retention = models.CharField(_("gallringsfrist"), max_length=200)
    cutoff = models.DateTimeField(_("gallrat det som är äldre än"))
    earliest = models.DateTimeField(_("äldsta"), null=True, blank=True)
    latest = models.DateTimeField(_("senaste"), null=True, blank=True)
    count = models.PositiveIntegerField(_("antal"))
    held = models.PositiveIntegerField(_("undantagna genom spärr"), default=0)
    checksums = models.JSONField(_("kontrollsummor"), default=list)
    sha256 = models.CharField(_("SHA-256 över kontrollsummorna"), max_length=64)

    class Meta:
        verbose_name = _("gallringsprotokoll")
        verbose_name_plural = _("gallringsprotokoll")
        ordering = ["-run_at", "-id"]

    def __str__(self):
        return f"{self.type_name} {self.run_at:%Y-%m-%d}: {self.count}"

    @property
    def decision_text(self):
        return f"{self.decision_body} {self.decision_paragraph}, {self.decision_date:%Y-%m-%d}"


class HoldReason(models.TextChoices):
    REQUEST = "begaran", _("Begäran om allmän handling")
    JO = "jo", _("JO-ärende")
    POLICE = "polisanmalan", _("Polisanmälan")
    OTHER = "annat", _("Annat")


class HoldQuerySet(KeptQuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)


class Hold(Kept):
    """A spärr: gallring leaves what it covers alone until it is lifted. It covers the
    rows of one account (`account`), of a period (`starts_on`–`ends_on`, the days the
    records came into being), both together, and the single records listed as
    HeldRecords. `source` is what placed it, where that is a record of its own (a
    request in the register for utlämnande)."""

    kept_message = _("Spärrar tas aldrig bort; de hävs.")
    disposable = False

    reason = models.CharField(_("skäl"), max_length=20, choices=HoldReason.choices)
    reference = models.CharField(_("diarienummer eller referens"), max_length=100, blank=True)
    description = models.TextField(_("varför"))
    account = protected_fk(Account, _("konto"), optional=True, related_name="holds")
    starts_on = models.DateField(_("från och med"), null=True, blank=True)
    ends_on = models.DateField(_("till och med"), null=True, blank=True)
    source_type = protected_fk(ContentType, optional=True, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    placed_by = user_fk(_("lagd av"))
    placed_at = models.DateTimeField(_("lagd"))
    lifted_by = user_fk(_("hävd av"), optional=True)
    lifted_at = models.DateTimeField(_("hävd"), null=True, blank=True)
    lift_reason = models.TextField(_("varför hävd"), blank=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("spärr")
        verbose_name_plural = _("spärrar")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["placed_at"], name="hold_active", condition=Q(lifted_at=None)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="hold_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.reference}".strip()

    @property
    def is_active(self):
        return self.lifted_at is None


class HeldRecord(AppendOnly):
    """One record a spärr covers: its model (label, lower case) and primary key."""

    disposable = False

    hold = protected_fk(Hold, related_name="records")
    record_type = models.CharField(_("handlingstyp"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("id"))

    class Meta:
        verbose_name = _("spärrad handling")
        verbose_name_plural = _("spärrade handlingar")
        ordering = ["record_type", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hold", "record_type", "object_id"], name="held_record_once"
            ),
        ]
        indexes = [models.Index(fields=["record_type", "object_id"], name="held_record_lookup")]

    def __str__(self):
        return f"{self.record_type} {self.object_id}"


class HoldEvent(Event):
    class Action(models.TextChoices):
        PLACED = "lagd", _("Spärr lagd")
        LIFTED = "havd", _("Spärr hävd")

    disposable = False

    hold = subject(Hold)
    action = action_field(Action.choices, max_length=10)
