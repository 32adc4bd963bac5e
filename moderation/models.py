"""The moderation desk: items to answer, remove, register or refer within the deadline.

Items, their events and their preserved copies are allmänna handlingar: nothing here is
ever deleted. The deadline is data (`due_at`, UTC, indexed) and a sweep finds what is due.

Size: the desk's records (items, their events, copies, check-ins, reminders, API keys)
with their choices, most of it fields; they refer to each other.
"""

import datetime
import hashlib

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.keys import IssuedKey
from core.records import AppendOnly, Kept, KeptQuerySet


class Kind(models.TextChoices):
    QUESTION = "fraga", _("Fråga")
    INAPPROPRIATE = "olampligt", _("Olämpligt inlägg")
    CRITICISM = "saklig_kritik", _("Saklig kritik")
    INDIVIDUAL_CASE = "arende", _("Ärende mot enskild")
    CRIME = "brott", _("Möjligt brott eller nätmobbning")
    OTHER = "ovrigt", _("Övrigt")
    # A comment a platform delivered (moderation.intake), not yet classified: the
    # triage state. Classifying it as one of the kinds above starts its deadline.
    NEW_COMMENT = "ny_kommentar", _("Ny kommentar")


# The kinds a person or a monitoring tool gives an item (all but the triage state).
CLASSIFIED_KINDS = [(value, label) for value, label in Kind.choices if value != Kind.NEW_COMMENT]


class RemovalReason(models.TextChoices):
    """Why a post was removed. The stored values of the first seven reasons are kept as
    they were; BBS_OBLIGED says which reasons the law itself obliges."""

    # Lag (1998:112) om ansvar för elektroniska anslagstavlor (BBS-lagen), 5 § första
    # stycket, lydelse SFS 2018:1314: the provider must remove a message whose content is
    # obviously
    #   1 a) olaga hot (BrB 4 kap. 5 §)            b) olaga integritetsintrång (BrB 4:6 c)
    #     c) uppvigling (BrB 16 kap. 5 §)          d) hets mot folkgrupp (BrB 16:8)
    #     e) barnpornografibrott (BrB 16:10 a)     f) olaga våldsskildring (BrB 16:10 c)
    #     g) offentlig uppmaning (3 § lagen (2010:299), since 2022-07-01 replaced by
    #        terroristbrottslagen (2022:666): offentlig uppmaning till terrorism), or
    #   2. an obvious infringement of upphovsrätt (lagen (1960:729), incl. its 5 kap.).
    THREAT = "olaga_hot", _("Olaga hot")
    INTEGRITY = "olaga_integritetsintrang", _("Olaga integritetsintrång")
    SEDITION = "uppvigling", _("Uppvigling")
    AGITATION = "hets_mot_folkgrupp", _("Hets mot folkgrupp")
    CHILD_PORNOGRAPHY = "barnpornografibrott", _("Barnpornografibrott")
    VIOLENCE = "valdsskildring", _("Olaga våldsskildring")
    TERRORISM = "uppmaning_terrorism", _("Offentlig uppmaning till terrorism")
    COPYRIGHT = "upphovsratt", _("Intrång i upphovsrätt")
    # Removed under the kommun's policy. Sekretessbelagda or kränkande personuppgifter
    # are removed at once (GDPR; IMY expects prompt removal).
    PERSONAL_DATA = "personuppgifter", _("Sekretessbelagda eller kränkande personuppgifter")
    PERSONAL_ATTACK = "personangrepp", _("Personangrepp")
    OBSCENE = "obscena_ord", _("Obscena ord")
    PORNOGRAPHY = "pornografi", _("Pornografi")
    ADVERTISING = "reklam", _("Kommersiell reklam")


# Reasons where BBS-lagen 5 § itself obliges removal (see RemovalReason); the others are
# removed under the kommun's own rules. Each removed item stores whether its reason was
# obliged when it was removed (Item.bbs_obliged).
BBS_OBLIGED = frozenset(
    {
        RemovalReason.THREAT,
        RemovalReason.INTEGRITY,
        RemovalReason.SEDITION,
        RemovalReason.AGITATION,
        RemovalReason.CHILD_PORNOGRAPHY,
        RemovalReason.VIOLENCE,
        RemovalReason.TERRORISM,
        RemovalReason.COPYRIGHT,
    }
)


class Outcome(models.TextChoices):
    ANSWERED = "besvarad", _("Besvarad")
    REMOVED = "borttagen", _("Borttagen")
    REGISTERED = "diariford", _("Diarieförd och vidarebefordrad")
    REFERRED = "hanvisad", _("Hänvisad till rätt kanal")
    NO_ACTION = "ingen_atgard", _("Ingen åtgärd behövs")


class ItemQuerySet(KeptQuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def visible_to(self, user, deputies=None):
        """Items on the accounts the user may see (accounts.visible_to, with the day's
        deputies if given)."""
        return self.filter(account__in=Account.objects.visible_to(user, deputies))

    def by_urgency(self):
        return self.order_by(models.F("resolved_at").asc(nulls_first=True), "due_at", "id")


# What the diarium export holds (moderation.diarium): saklig kritik and every item with
# a diarienummer. The partial index item_diarium_created has this condition.
IN_DIARIUM = Q(kind=Kind.CRITICISM) | ~Q(diarienummer="")


class Item(Kept):
    # Everything on an item changes through moderation.services (no plain update()).
    kept_message = _("Modereringsärenden tas aldrig bort.")

    account = protected_fk(Account, _("konto"), related_name="moderation_items")
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    post_url = models.URLField(
        _("länk till inlägget eller kommentaren"), max_length=2000, blank=True
    )
    author = models.CharField(
        _("avsändare (som det visas på plattformen)"), max_length=200, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    posted_at = models.DateTimeField(_("publicerat"), null=True, blank=True)
    noticed_at = models.DateTimeField(_("upptäckt"))
    # None while a delivered comment waits in triage (Kind.NEW_COMMENT): the clock starts
    # when it is classified (moderation.workflow's classify).
    due_at = models.DateTimeField(_("ska hanteras senast"), null=True, blank=True, db_index=True)
    assignee = user_fk(
        _("handläggare"),
        related_name="moderation_items",
        help_text=_("Kontots ansvarige; under frånvaro tar ersättaren över automatiskt."),
    )
    created_by = user_fk(_("registrerat av"), optional=True)
    created_at = models.DateTimeField(_("registrerat"))
    # Pushed by a monitoring tool: its own id, for idempotency.
    source = models.CharField(_("källa"), max_length=100, blank=True)
    external_id = models.CharField(_("källans id"), max_length=200, blank=True)

    resolved_at = models.DateTimeField(_("hanterat"), null=True, blank=True)
    outcome = models.CharField(_("utfall"), max_length=20, choices=Outcome.choices, blank=True)
    removal_reason = models.CharField(
        _("skäl för borttagning"), max_length=30, choices=RemovalReason.choices, blank=True
    )
    bbs_obliged = models.BooleanField(
        _("borttagning krävs enligt lagen om elektroniska anslagstavlor"), default=False
    )
    removed_at = models.DateTimeField(_("borttaget"), null=True, blank=True)
    diarienummer = models.CharField(_("diarienummer"), max_length=60, blank=True)
    forwarded_to = models.CharField(_("vidarebefordrat till"), max_length=200, blank=True)
    crime_flagged = models.BooleanField(_("möjligt brott"), default=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("modereringsärende")
        verbose_name_plural = _("modereringsärenden")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"], name="item_open_due", condition=Q(resolved_at__isnull=True)
            ),
            # A user's open items (the desk, "Att göra"): per account, not by walking every
            # open item of the kommun by deadline.
            models.Index(
                fields=["account", "due_at"],
                name="item_open_account",
                condition=Q(resolved_at__isnull=True),
            ),
            models.Index(fields=["account", "created_at"], name="item_account_created"),
            # The diarium export's period: its rows by registration.
            models.Index(
                fields=["created_at", "id"], name="item_diarium_created", condition=IN_DIARIUM
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "external_id"],
                condition=~Q(external_id=""),
                name="item_external_id_once",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def is_open(self):
        return self.resolved_at is None

    def time_left(self, now):
        return self.due_at - now


class Stage(models.IntegerChoices):
    TWELVE_HOURS_LEFT = 1, _("12 timmar kvar")
    DEADLINE = 2, _("Tiden har gått ut")
    OVERDUE_24H = 3, _("24 timmar försenat")


# When each stage falls due, from the item's deadline, and the notification kind it sends.
STAGE_OFFSETS = {
    Stage.TWELVE_HOURS_LEFT: -datetime.timedelta(hours=12),
    Stage.DEADLINE: datetime.timedelta(0),
    Stage.OVERDUE_24H: datetime.timedelta(hours=24),
}
# The name of each stage in its notifications.Reminder row ("item:<pk>", name) and in
# the kind of notification it sends ("moderation_<name>").
STAGE_NAMES = {
    Stage.TWELVE_HOURS_LEFT: "12h_left",
    Stage.DEADLINE: "deadline",
    Stage.OVERDUE_24H: "overdue_24h",
}
STAGE_KINDS = {stage: f"moderation_{name}" for stage, name in STAGE_NAMES.items()}


class PendingReminder(models.Model):
    """A reminder stage of an open item that has not fallen due: the sweep's queue.

    Written with the item, three rows at fixed offsets from its deadline. The sweep
    claims the due ones by locking them (skip-locked, so two sweeps never take the same
    row) and deleting them, and writes what it claimed as a ReminderBatch in the same
    transaction; handling an item removes its rows. These rows are the schedule,
    not records: what was sent is kept as notifications.Reminder and Notification rows.
    """

    # No index of its own: the unique (item, stage) index serves lookups by item.
    item = protected_fk(Item, _("ärende"), related_name="pending_reminders", db_index=False)
    stage = models.PositiveSmallIntegerField(_("steg"), choices=Stage.choices)
    due_at = models.DateTimeField(_("ska skickas"), db_index=True)

    class Meta:
        verbose_name = _("kommande påminnelse")
        verbose_name_plural = _("kommande påminnelser")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "stage"], name="pending_reminder_once"),
        ]

    def __str__(self):
        return f"{self.item_id}: {self.get_stage_display()}"

    @classmethod
    def schedule(cls, item):
        """The unsaved reminder rows of a new item."""
        return [
            cls(item=item, stage=stage, due_at=item.due_at + offset)
            for stage, offset in STAGE_OFFSETS.items()
        ]


class ReminderBatch(models.Model):
    """The reminders one sweep claimed in one batch, until a worker has sent them
    (`sent_at`). The worker takes the batch with a skip-locked row lock while it is
    unsent, so it is sent once; a batch left unsent (its task lost) is sent by a later
    sweep. A batch with nothing to send (every stage skipped) is written sent.

    `entries` holds the claimed stages in the batch's own row, as a JSON list of
    [item id, stage, skipped] in the order claimed: `skipped` when the next stage of
    the same item fell due by the same sweep (only the latest due stage goes out: an
    item entered more than 24 hours late gets the 24-hour reminder, not the deadline
    warning with it in the same minute). One row per batch, not one per stage: writing
    a row per stage through the ORM was most of the sweep's time (bench/README.md)."""

    claimed_at = models.DateTimeField(verbose_name=_("hämtad"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("skickad"))
    entries = models.JSONField(
        default=list, blank=True, verbose_name=_("påminnelser (ärende, steg, överhoppad)")
    )

    class Meta:
        verbose_name = _("omgång påminnelser")
        verbose_name_plural = _("omgångar påminnelser")
        indexes = [
            models.Index(
                fields=["claimed_at"],
                name="reminder_batch_unsent",
                condition=Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.claimed_at:%Y-%m-%d %H:%M}: {len(self.pairs())}"

    def pairs(self):
        """[(item id, stage), …] of the reminders to send, in the order they were claimed."""
        return [(item, stage) for item, stage, skipped in self.entries if not skipped]

    def stages(self):
        """[(stage, skipped), …] of every entry, sent or skipped, in the order claimed."""
        return [(stage, skipped) for _item, stage, skipped in self.entries]


def superseded(stage, due_at, now):
    """Is the next stage of the reminder whose `stage` fell due at `due_at` also due at
    `now`? Then this one is skipped: two consecutive stages never go out at once."""
    step = _TO_NEXT_STAGE.get(stage)
    return step is not None and due_at + step <= now


# From each stage to the next one (the last has none).
_TO_NEXT_STAGE = {
    stage: STAGE_OFFSETS[later] - STAGE_OFFSETS[stage]
    for stage, later in zip(list(STAGE_OFFSETS), list(STAGE_OFFSETS)[1:], strict=False)
}


class Action(models.TextChoices):
    CREATED = "registrerat", _("Registrerat")
    REASSIGNED = "omfordelat", _("Omfördelat")
    PRESERVED = "bevarat", _("Kopia bevarad")
    ANSWERED = "besvarat", _("Besvarat")
    REMOVED = "borttaget", _("Borttaget")
    REGISTERED = "diarifort", _("Diariefört och vidarebefordrat")
    REFERRED = "hanvisat", _("Hänvisat")
    CRIME = "brott", _("Flaggat som möjligt brott")
    NO_ACTION = "ingen_atgard", _("Ingen åtgärd behövs")
    CLASSIFIED = "klassat", _("Klassat")
    AUTHOR_EDITED = "andrad_skribent", _("Ändrad av skribenten")
    AUTHOR_REMOVED = "borttagen_skribent", _("Borttagen av skribenten")
    AUTHOR_HIDDEN = "dold_plattform", _("Dold på plattformen")


class ItemEvent(Event):
    item = subject(Item, _("ärende"))
    action = action_field(Action.choices, max_length=20)
    link = models.URLField(_("länk"), max_length=2000, blank=True)


def evidence_path(instance, filename):
    return f"moderation/{instance.item_id}/{instance.sha256}.png"


class PreservedCopy(AppendOnly):
    """A copy of the post kept before it is removed: its text and, where possible, a
    screenshot (re-encoded PNG, served only through a view that checks access)."""

    item = protected_fk(Item, _("ärende"), related_name="copies")
    text = models.TextField(_("inläggets text"), blank=True)
    image = models.FileField(_("skärmbild"), upload_to=evidence_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("SHA-256"))
    created_by = user_fk(_("sparad av"), null=True)
    created_at = models.DateTimeField(_("sparad"))

    class Meta:
        verbose_name = _("bevarad kopia")
        verbose_name_plural = _("bevarade kopior")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.item_id}: {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def digest(data):
        return hashlib.sha256(data).hexdigest()


class CheckIn(AppendOnly):
    """ "Tillsyn gjord": the responsible person (or their substitute) looked at the account."""

    account = protected_fk(Account, _("konto"), related_name="check_ins")
    user = user_fk(_("person"))
    at = models.DateTimeField(db_index=True, verbose_name=_("tidpunkt"))

    class Meta:
        verbose_name = _("tillsyn")
        verbose_name_plural = _("tillsyner")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.account_id}: {self.at:%Y-%m-%d %H:%M}"


class ApiToken(IssuedKey):
    """A monitoring tool's key to push items for one account (core.keys)."""

    account = protected_fk(Account, _("konto"), related_name="api_tokens")
    name = models.CharField(
        _("verktyg"), max_length=100, help_text=_("Vilket verktyg som använder nyckeln.")
    )

    class Meta(IssuedKey.Meta):
        verbose_name = _("API-nyckel")
        verbose_name_plural = _("API-nycklar")


class Verb(models.TextChoices):
    """What a platform says happened to a comment (Meta's `verb`, and the same words
    for the other platforms' adapters)."""

    ADD = "add", _("Ny")
    EDITED = "edited", _("Ändrad av skribenten")
    REMOVE = "remove", _("Borttagen av skribenten")
    HIDE = "hide", _("Dold")
    UNHIDE = "unhide", _("Visas igen")


class Received(models.TextChoices):
    """What became of a received platform event."""

    ITEM = "arende", _("Nytt ärende")
    VERSION = "version", _("Ny version av ett ärende")
    UNKNOWN_PAGE = "okand_sida", _("Okänd sida: inget konto har sidans id")
    CLOSED_ACCOUNT = "avslutat", _("Kontot är avslutat")
    IGNORED = "ignorerad", _("Inte en kommentar (sparad, inget ärende)")


class PlatformEvent(AppendOnly):
    """One event a platform delivered (a comment added, edited, removed, hidden), stored
    as received and once: `key` is unique per platform event (platform, comment id, verb,
    the platform's time of the change), so a redelivery hits the constraint and adds
    nothing. Deliveries for a page no account has are kept too (`outcome` says so)."""

    platform = models.CharField(_("plattform"), max_length=20)
    key = models.CharField(_("händelsens nyckel"), max_length=300, unique=True)
    page_id = models.CharField(_("sidans id"), max_length=64)
    object_id = models.CharField(_("kommentarens id"), max_length=200)
    verb = models.CharField(_("händelse"), max_length=10, choices=Verb.choices)
    occurred_at = models.DateTimeField(_("tidpunkt hos plattformen"), null=True, blank=True)
    received_at = models.DateTimeField(_("mottagen"), db_index=True)
    signature = models.CharField(_("signatur"), max_length=100, blank=True)
    signature_valid = models.BooleanField(_("signaturen stämmer"))
    raw = models.JSONField(_("händelsen som den togs emot"))
    account = protected_fk(Account, _("konto"), optional=True, related_name="platform_events")
    item = protected_fk(Item, _("ärende"), optional=True, related_name="platform_events")
    outcome = models.CharField(_("utfall"), max_length=20, choices=Received.choices)

    class Meta:
        verbose_name = _("händelse från plattform")
        verbose_name_plural = _("händelser från plattformar")
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["account", "received_at"], name="platform_event_account"),
        ]

    def __str__(self):
        return f"{self.platform} {self.object_id} {self.verb}"


class CommentVersion(AppendOnly):
    """One version of a delivered comment, as its author wrote, edited or removed it: an
    item keeps every version, the first one included."""

    item = protected_fk(Item, _("ärende"), related_name="versions")
    event = models.OneToOneField(
        PlatformEvent,
        on_delete=models.PROTECT,
        related_name="version",
        verbose_name=_("händelse från plattform"),
    )
    number = models.PositiveIntegerField(_("version"))
    verb = models.CharField(_("händelse"), max_length=10, choices=Verb.choices)
    text = models.TextField(_("text"), blank=True)
    author = models.CharField(_("skribent"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("tidpunkt hos plattformen"), null=True, blank=True)
    received_at = models.DateTimeField(_("mottagen"))

    class Meta:
        verbose_name = _("version av kommentar")
        verbose_name_plural = _("versioner av kommentarer")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="comment_version_once"),
        ]

    def __str__(self):
        return f"{self.item_id} v{self.number} {self.verb}"
