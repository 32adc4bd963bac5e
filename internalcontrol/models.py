"""The yearly internal-control pack (internkontroll) and the kommun's thresholds for its
traffic lights.

`Threshold` is a setting of the kommun, one row per question of the pack: a share at or
above `green_at` is grön, at or above `yellow_at` gul, below it röd. `Pack` is the pack
as generated for a year (and optionally one förvaltning) by the worker on the `pdf`
queue: its PDF/A and CSV files, their SHA-256, the figures as they were computed, and
the progress while it runs. A finished pack is a record: kept, never deleted."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import protected_fk, user_fk
from core.records import Kept


class Threshold(models.Model):
    question = models.CharField(_("fråga"), max_length=40, unique=True)
    green_at = models.PositiveSmallIntegerField(
        _("grön från (procent)"), help_text=_("Andel som ger grönt ljus, 0–100.")
    )
    yellow_at = models.PositiveSmallIntegerField(
        _("gul från (procent)"), help_text=_("Under den här andelen blir ljuset rött.")
    )
    updated_at = models.DateTimeField(_("ändrad"))
    updated_by = user_fk(_("ändrad av"), optional=True)

    class Meta:
        verbose_name = _("tröskelvärde")
        verbose_name_plural = _("tröskelvärden")
        ordering = ["question"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(green_at__lte=100, yellow_at__lte=models.F("green_at")),
                name="threshold_ordered",
            )
        ]

    def __str__(self):
        return f"{self.question}: {self.yellow_at}/{self.green_at}"


class Pack(Kept):
    """One generated pack. `bulk_fields`: the worker's progress."""

    class State(models.TextChoices):
        QUEUED = "koad", _("I kö")
        RUNNING = "pagar", _("Pågår")
        DONE = "klar", _("Klar")
        FAILED = "misslyckad", _("Misslyckades")

    bulk_fields = ("progress", "total")
    kept_message = _("Internkontrollens årsrapporter tas aldrig bort.")

    year = models.PositiveSmallIntegerField(_("år"), db_index=True)
    forvaltning = protected_fk(
        "organisation.Unit", _("förvaltning"), optional=True, related_name="+"
    )
    state = models.CharField(_("läge"), max_length=20, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveIntegerField(_("klart"), default=0)
    total = models.PositiveIntegerField(_("steg"), default=0)
    requested_by = user_fk(_("beställd av"))
    requested_at = models.DateTimeField(_("beställd"))
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    figures = models.JSONField(_("siffror"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="internkontroll/", blank=True)
    csv = models.FileField(_("CSV"), upload_to="internkontroll/", blank=True)
    pdf_sha256 = models.CharField(_("PDF:ens SHA-256"), max_length=64, blank=True)
    csv_sha256 = models.CharField(_("CSV:ens SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("fel"), blank=True)

    class Meta:
        verbose_name = _("internkontrollens årsrapport")
        verbose_name_plural = _("internkontrollens årsrapporter")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.year} {self.forvaltning or ''}".strip()

    @property
    def percent(self):
        return round(100 * self.progress / self.total) if self.total else 0
