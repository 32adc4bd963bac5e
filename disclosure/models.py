"""Requests to see allmänna handlingar (TF 2 kap. 15–16 §§) and what was done with them.

- `Request`: one request in the register: when and how it came in, who asked (nothing
  required: the requester may stay anonymous), what is asked, the handler and the state
  (disclosure.workflow). `next_reminder_at` is the clock: the next reminder's moment,
  indexed, so the sweep finds what is due in one query.
- `CoveredRecord`: a record of Kanalkoll's that the handler found the request covers
  (kind and primary key, as disclosure.sources names them), and what became of it.
- `Review`: the secrecy review (OSL) of one covered record: release, release with
  parts masked (the exact strings), or refuse with the provision. Append-only; the
  newest counts until a decision takes it.
- `Decision`: one decision on the reviewed records, with what was handed out: the
  decision document (PDF/A) when anything is refused or masked, the bundle (zip) of
  what was released, and their SHA-256. A request may be decided in parts.
- `RequestEvent`: each step (core.events).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import AppendOnly, Kept, KeptQuerySet


class State(models.TextChoices):
    RECEIVED = "mottagen", _("Mottagen")
    IN_REVIEW = "granskas", _("Granskas")
    DECIDED = "beslutad", _("Beslutad")
    CLOSED = "avslutad", _("Avslutad")


OPEN_STATES = (State.RECEIVED, State.IN_REVIEW)


class Channel(models.TextChoices):
    EMAIL = "epost", _("E-post")
    PHONE = "telefon", _("Telefon")
    VISIT = "besok", _("Besök")
    LETTER = "brev", _("Brev")
    FORM = "formular", _("Formulär")


class Outcome(models.TextChoices):
    RELEASE = "lamnas_ut", _("Lämnas ut")
    MASK = "maskeras", _("Lämnas ut med delar maskerade")
    REFUSE = "avslag", _("Lämnas inte ut")


class DecisionOutcome(models.TextChoices):
    RELEASED = "utlamnad", _("Utlämnad")
    PARTLY = "delvis", _("Delvis utlämnad")
    REFUSED = "avslag", _("Avslag")


# The provisions of offentlighets- och sekretesslagen (2009:400) a refusal or a masking
# of Kanalkoll's records most often rests on; "annan" takes the provision as free text.
PROVISIONS = [
    ("OSL 21 kap. 7 §", _("OSL 21 kap. 7 § (personuppgifter, behandling i strid med GDPR)")),
    ("OSL 26 kap. 1 §", _("OSL 26 kap. 1 § (socialtjänst)")),
    ("OSL 18 kap. 1 §", _("OSL 18 kap. 1 § (förundersökning, brottsbekämpning)")),
    ("OSL 18 kap. 8 §", _("OSL 18 kap. 8 § (säkerhets- och bevakningsåtgärder)")),
    ("OSL 21 kap. 3 §", _("OSL 21 kap. 3 § (skyddade personuppgifter)")),
    ("OSL 23 kap. 1 §", _("OSL 23 kap. 1 § (förskola och skola)")),
    ("OSL 25 kap. 1 §", _("OSL 25 kap. 1 § (hälso- och sjukvård)")),
    ("OSL 39 kap. 3 §", _("OSL 39 kap. 3 § (personalärenden)")),
    ("annan", _("Annan bestämmelse (skriv den nedan)")),
]


class RequestQuerySet(KeptQuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Request(Kept):
    # The reminder clock is bookkeeping the sweep moves with a conditional UPDATE.
    bulk_fields = ("next_reminder_at", "reminder_stage")
    kept_message = _("Begäranden om allmänna handlingar tas aldrig bort.")
    disposable = False

    reference = models.CharField(_("nummer"), max_length=20, unique=True)
    received_at = models.DateTimeField(_("mottagen"))
    channel = models.CharField(_("hur"), max_length=20, choices=Channel.choices)
    requester_name = models.CharField(_("vem som begär"), max_length=200, blank=True)
    requester_contact = models.CharField(
        _("kontaktuppgift"), max_length=300, blank=True, help_text=_("Frivilligt.")
    )
    description = models.TextField(_("vad som begärs"))
    handler = user_fk(_("handläggare"), related_name="disclosure_requests")
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    created_by = user_fk(_("registrerad av"))
    created_at = models.DateTimeField(_("registrerad"))
    # The clock: the next reminder (0: the handler, after one working day; 1: the
    # kommunikationschef, after three), or none.
    next_reminder_at = models.DateTimeField(_("nästa påminnelse"), null=True, blank=True)
    reminder_stage = models.PositiveSmallIntegerField(_("påminnelsesteg"), default=0)
    closed_at = models.DateTimeField(_("avslutad"), null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("begäran om allmän handling")
        verbose_name_plural = _("begäranden om allmänna handlingar")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                name="request_reminder_due",
                condition=Q(next_reminder_at__isnull=False),
            ),
            models.Index(fields=["state", "received_at"], name="request_state_received"),
        ]

    def __str__(self):
        return self.reference

    @property
    def badge_class(self):
        """The state's badge colour: open requests stand out."""
        if self.state in OPEN_STATES:
            return "text-bg-warning"
        return "text-bg-success" if self.state == State.DECIDED else "text-bg-secondary"

    @property
    def requester_label(self):
        return self.requester_name or _("Anonym")


class CoveredRecord(Kept):
    """A record the request covers: `kind` (a key of disclosure.sources) and `object_id`;
    `label` is how it read when attached. `decision` is set when a decision takes it."""

    kept_message = _("Det en begäran omfattar tas aldrig bort.")
    disposable = False

    request = protected_fk(Request, related_name="covered")
    kind = models.CharField(_("slag"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("id"))
    label = models.CharField(_("handling"), max_length=300)
    account = protected_fk(Account, _("konto"), optional=True)
    attached_by = user_fk(_("vald av"))
    attached_at = models.DateTimeField(_("vald"))
    decision = protected_fk("Decision", _("beslut"), optional=True, related_name="covered")

    class Meta:
        verbose_name = _("handling som begäran omfattar")
        verbose_name_plural = _("handlingar som begäran omfattar")
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "object_id"], name="covered_record_once"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def review(self):
        """The newest review, or None."""
        reviews = list(self.reviews.all())
        return reviews[-1] if reviews else None


class Review(AppendOnly):
    disposable = False

    covered = protected_fk(CoveredRecord, related_name="reviews")
    outcome = models.CharField(_("prövning"), max_length=20, choices=Outcome.choices)
    masks = models.JSONField(_("maskerad text"), default=list, blank=True)
    provision = models.CharField(_("bestämmelse"), max_length=200, blank=True)
    reason = models.TextField(_("skäl"), blank=True)
    reviewed_by = user_fk(_("prövad av"))
    reviewed_at = models.DateTimeField(_("prövad"))

    class Meta:
        verbose_name = _("sekretessprövning")
        verbose_name_plural = _("sekretessprövningar")
        ordering = ["reviewed_at", "id"]

    def __str__(self):
        return f"{self.covered_id}: {self.get_outcome_display()}"


def decision_path(instance, filename):
    return f"utlamnande/{instance.request_id}/{instance.number}/{filename}"


class Decision(AppendOnly):
    """One decision on part or all of a request, and what was handed out with it."""

    disposable = False
    kept_message = _("Beslut om utlämnande tas aldrig bort.")

    request = protected_fk(Request, related_name="decisions")
    number = models.PositiveIntegerField(_("beslut nr"))
    outcome = models.CharField(_("beslut"), max_length=20, choices=DecisionOutcome.choices)
    decided_by = user_fk(_("beslutat av"))
    decided_at = models.DateTimeField(_("beslutat"))
    items = models.JSONField(_("prövade handlingar"), default=list)
    document = models.FileField(_("beslutet (PDF)"), upload_to=decision_path, blank=True)
    document_sha256 = models.CharField(_("beslutets SHA-256"), max_length=64, blank=True)
    bundle = models.FileField(_("utlämnat (zip)"), upload_to=decision_path, blank=True)
    bundle_sha256 = models.CharField(_("paketets SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("innehåll"), default=list, blank=True)

    class Meta:
        verbose_name = _("beslut om utlämnande")
        verbose_name_plural = _("beslut om utlämnande")
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="decision_number_once"),
        ]

    def __str__(self):
        return f"{self.request} {self.number}"

    @property
    def refusals(self):
        return [item for item in self.items if item["outcome"] != Outcome.RELEASE]


class Do(models.TextChoices):
    RECEIVE = "receive", _("Begäran mottagen")
    START = "start", _("Påbörja handläggningen")
    ATTACH = "attach", _("Välj handlingar")
    REVIEW = "review", _("Sekretessprövning")
    DECIDE = "decide", _("Besluta och lämna ut")
    REASSIGN = "new_handler", _("Byt handläggare")
    CLOSE = "close", _("Avsluta")


class RequestEvent(Event):
    disposable = False

    request = subject(Request)
    action = action_field(Do.choices, max_length=20)
