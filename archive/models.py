"""Snapshots of each account's start page, sealed as PDF/A-2b for kommunarkivet.

A snapshot is created for every account that was active in a half-year (and when an
account is closed, and on demand). It is captured automatically or from an upload,
rendered, and sealed: its SHA-256 is stored and it can no longer change. A new capture
is a new version; sealed snapshots are records and never deleted.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import AppendOnly, Kept, KeptQuerySet, RecordsAreKept


class Reason(models.TextChoices):
    SEMIANNUAL = "halvar", _("Halvårsskifte")
    FINAL = "avslut", _("Inför avslut")
    ON_DEMAND = "begaran", _("På begäran")


class State(models.TextChoices):
    DUE = "vantar", _("Väntar på fångst")
    NEEDS_UPLOAD = "uppladdning", _("Väntar på uppladdad skärmbild")
    SEALED = "forseglad", _("Förseglad")
    SUPERSEDED = "ersatt", _("Ersatt av ny version")


class Method(models.TextChoices):
    AUTOMATIC = "automatisk", _("Automatiskt med webbläsare")
    UPLOAD = "uppladdning", _("Uppladdad skärmbild")


class DeliveryState(models.TextChoices):
    """A half-year snapshot as the archivist sees it (computed, never stored)."""

    DELIVERED = "levererad", _("Levererad")
    MISSING = "saknas", _("Saknas")
    LATE = "forsenad", _("Försenad")


SEALED_STATES = (State.SEALED, State.SUPERSEDED)
NEVER_CHANGED = _("En förseglad ögonblicksbild ändras aldrig; ta en ny version.")
SUPERSEDED_BY_SUCCESSOR = _(
    "En förseglad ögonblicksbild blir ersatt bara av sin egen nya, förseglade version."
)


class SnapshotQuerySet(KeptQuerySet):
    def _unsealed(self, kwargs):
        """Refuse a bulk change that would touch a sealed (or superseded) snapshot, or mark
        one superseded; the UPDATE itself passes sealed rows by too, in case one was sealed
        in between."""
        if kwargs.get("state") == State.SUPERSEDED:
            raise RecordsAreKept(SUPERSEDED_BY_SUCCESSOR)
        if self.filter(state__in=SEALED_STATES).exists():
            raise RecordsAreKept(NEVER_CHANGED)
        return self.exclude(state__in=SEALED_STATES)

    def update(self, **kwargs):
        return super(SnapshotQuerySet, self._unsealed(kwargs)).update(**kwargs)

    def service_update(self, **kwargs):
        return super(SnapshotQuerySet, self._unsealed(kwargs)).service_update(**kwargs)

    def sealed(self):
        return self.filter(state=State.SEALED)

    def current(self):
        return self.exclude(state=State.SUPERSEDED)


def snapshot_path(instance, filename):
    return f"snapshots/{instance.account_id}/{instance.period_key or 'ovrigt'}/{filename}"


class Snapshot(Kept):
    bulk_fields = ("claimed_until", "attempts")  # the capture claim
    kept_message = _("Ögonblicksbilder tas aldrig bort.")
    disposable = False  # never gallras (core.records.dispose)

    account = protected_fk(Account, _("konto"), related_name="snapshots")
    period_key = models.CharField(_("period"), max_length=7, blank=True, db_index=True)
    reason = models.CharField(
        _("anledning"), max_length=20, choices=Reason.choices, default=Reason.SEMIANNUAL
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("ersätter"),
    )
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.DUE, db_index=True
    )
    due_at = models.DateTimeField(_("förfaller"))
    created_at = models.DateTimeField(_("skapad"))
    requested_by = user_fk(_("begärd av"), optional=True)
    # A capture in progress: claimed until then (a crashed worker's claim runs out).
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("reserverad till"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("försök"))
    capture_error = models.TextField(_("fel vid fångst"), blank=True)
    needs_upload_since = models.DateTimeField(
        null=True, blank=True, verbose_name=_("väntar på uppladdning sedan")
    )

    method = models.CharField(_("fångstsätt"), max_length=20, choices=Method.choices, blank=True)
    captured_at = models.DateTimeField(_("fångad"), null=True, blank=True)
    captured_by = user_fk(_("uppladdad av"), optional=True)
    image = models.FileField(_("skärmbild"), upload_to=snapshot_path, blank=True)
    register_data = models.JSONField(_("registeruppgifter vid fångst"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=snapshot_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    sealed_at = models.DateTimeField(_("förseglad"), null=True, blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("ögonblicksbild")
        verbose_name_plural = _("ögonblicksbilder")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One semiannual snapshot per account and period, however often or in how
            # many processes the sweep runs.
            models.UniqueConstraint(
                fields=["account", "period_key", "version"],
                condition=Q(reason="halvar"),
                name="one_semiannual_snapshot_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="snapshot_state_due"),
            models.Index(fields=["account", "state"], name="snapshot_account_state"),
        ]

    def __str__(self):
        return f"{self.account} {self.period_key or self.get_reason_display()} v{self.version}"

    def save(self, *args, **kwargs):
        if self.state == State.SUPERSEDED:
            raise RecordsAreKept(SUPERSEDED_BY_SUCCESSOR)
        if self.pk and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored in SEALED_STATES:
                raise RecordsAreKept(NEVER_CHANGED)
        super().save(*args, **kwargs)

    def supersede(self, successor):
        """Mark this sealed snapshot superseded by `successor`: its own next version
        (`successor.supersedes`), sealed. The one change a sealed snapshot ever takes;
        the successor is checked in the UPDATE itself."""
        if successor.pk is None or successor.supersedes_id != self.pk:
            raise RecordsAreKept(SUPERSEDED_BY_SUCCESSOR)
        rows = models.QuerySet(model=Snapshot).filter(
            pk=self.pk,
            state=State.SEALED,
            superseded_by__pk=successor.pk,
            superseded_by__state=State.SEALED,
        )
        if not models.QuerySet.update(rows, state=State.SUPERSEDED):
            raise RecordsAreKept(SUPERSEDED_BY_SUCCESSOR)
        self.state = State.SUPERSEDED

    @property
    def is_sealed(self):
        return self.sealed_at is not None

    def is_capturing(self, now=None):
        """A due snapshot that a worker has claimed: the browser is at work."""
        return (
            self.state == State.DUE
            and self.claimed_until is not None
            and self.claimed_until > (now or timezone.now())
        )

    @property
    def state_label(self):
        return _("Fångas") if self.is_capturing() else self.get_state_display()

    @property
    def filename(self):
        slug = "".join(c if c.isalnum() else "-" for c in self.account.display_name.lower()).strip(
            "-"
        )
        return (
            f"{self.account.platform}_{slug}_{self.period_key or self.reason}_v{self.version}.pdf"
        )


class SnapshotEvent(Event):
    """Each step of a snapshot, from due to sealed (and superseded by its next version)."""

    class Action(models.TextChoices):
        CREATED = "skapad", _("Ögonblicksbild skapad")
        NEW_VERSION = "ny_version", _("Ny version begärd")
        CLAIMED = "fangst", _("Automatisk fångst påbörjad")
        NEEDS_UPLOAD = "uppladdning", _("Automatisk fångst misslyckades, skärmbild behövs")
        CAPTURED = "fangad", _("Fångad automatiskt och förseglad")
        UPLOADED = "uppladdad", _("Skärmbild uppladdad och förseglad")
        SUPERSEDED = "ersatt", _("Ersatt av ny version")

    snapshot = subject(Snapshot, _("ögonblicksbild"))
    action = action_field(Action.choices)

    class Meta(Event.Meta):
        constraints = [
            # A snapshot is created once: the half-year sweep, however often it runs,
            # writes its "created" event once.
            models.UniqueConstraint(
                fields=["snapshot"], condition=Q(action="skapad"), name="one_created_event"
            ),
        ]


def package_path(instance, filename):
    return f"packages/sealed/{instance.period_key}/{filename}"


class Package(AppendOnly):
    """A period's archive package as it was handed out: built once for a set of sealed
    snapshots and kept, with its SHA-256 and the list of what it holds, so that the
    arkivarie acknowledges exactly the file they downloaded. When more snapshots are
    sealed, the next download is a new version."""

    disposable = False

    period_key = models.CharField(_("period"), max_length=7, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("paket"), upload_to=package_path)
    name = models.CharField(_("filnamn"), max_length=200)
    size = models.PositiveBigIntegerField(_("storlek"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_sha256 = models.CharField(max_length=64, verbose_name=_("innehållets SHA-256"))
    snapshots = models.JSONField(_("ögonblicksbilder"), default=list)
    missing = models.JSONField(_("saknade konton"), default=list)
    built_at = models.DateTimeField(_("skapat"))
    built_by = user_fk(_("hämtat av"))

    class Meta:
        verbose_name = _("leveranspaket")
        verbose_name_plural = _("leveranspaket")
        ordering = ["-period_key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period_key", "version"], name="package_version"),
            models.UniqueConstraint(
                fields=["period_key", "content_sha256"], name="one_package_per_content"
            ),
        ]

    def __str__(self):
        return f"{self.period_key} v{self.version}"

    @property
    def complete(self):
        return not self.missing


class PackageBuild(models.Model):
    """A period's package asked for, for one content (what package_content() lists, by
    its digest), and how far its build has come: a work queue row. The worker on the pdf
    queue claims it (archive.tasks.build_package), writes the zip and records the
    Package; the period page shows the progress and then the download. One row per
    period and content: asking again while nothing changed reuses it."""

    period_key = models.CharField(_("period"), max_length=7)
    content_sha256 = models.CharField(_("innehållets SHA-256"), max_length=64)
    requested_at = models.DateTimeField(_("beställt"))
    requested_by = user_fk(_("beställt av"))
    # A worker's claim; a claim that runs out (a worker that died) is taken again.
    claimed_until = models.DateTimeField(_("reserverat av en arbetare till"), null=True, blank=True)
    started_at = models.DateTimeField(_("påbörjat"), null=True, blank=True)
    done = models.PositiveIntegerField(_("klara filer"), default=0)
    total = models.PositiveIntegerField(_("filer"), default=0)
    package = protected_fk(Package, _("paket"), optional=True, related_name="+")
    error = models.CharField(_("fel"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bygge av leveranspaket")
        verbose_name_plural = _("byggen av leveranspaket")
        constraints = [
            models.UniqueConstraint(
                fields=["period_key", "content_sha256"], name="one_build_per_content"
            ),
        ]

    def __str__(self):
        return f"{self.period_key} {self.content_sha256[:12]}"

    @property
    def failed(self):
        return bool(self.error)

    @property
    def percent(self):
        return min(100, round(100 * self.done / self.total)) if self.total else 0


class Receipt(AppendOnly):
    """Kommunarkivet's receipt (kvittens) of a period's delivery: it names the package it
    acknowledges (its SHA-256 and the snapshots in it). A delivery with accounts missing
    is acknowledged only as a partial receipt, with those accounts listed and a comment;
    a new package (after more snapshots are sealed) needs a receipt of its own."""

    disposable = False

    period_key = models.CharField(_("period"), max_length=7, db_index=True)
    package = models.OneToOneField(
        Package,
        verbose_name=_("paket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipt",
    )
    snapshots = models.JSONField(_("ögonblicksbilder"), default=list, blank=True)
    missing = models.JSONField(_("saknade konton"), default=list, blank=True)
    partial = models.BooleanField(_("delkvittens"), default=False)
    received_by = user_fk(_("kvitterad av"))
    received_at = models.DateTimeField(_("kvitterad"))
    package_sha256 = models.CharField(_("paketets SHA-256"), max_length=64, blank=True)
    note = models.CharField(_("anteckning"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kvittens")
        verbose_name_plural = _("kvittenser")
        ordering = ["-period_key", "-received_at", "-id"]

    kept_message = _("Kvittenser tas aldrig bort.")

    def __str__(self):
        return f"{self.period_key}: {self.received_at:%Y-%m-%d}"
