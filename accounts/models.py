"""The register of the kommun's official social media accounts (förteckning).

Size: the register's seven models (with the accessibility statement) and their choices, most of it the Account and its queryset
and about sixty fields in all; the models refer to each other.
"""

from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import (  # noqa: F401 - RecordsAreKept and AppendOnly: imported from here
    AppendOnly,
    AppendOnlyQuerySet,
    Kept,
    KeptQuerySet,
    RecordsAreKept,
)
from organisation.models import Role, RoleAssignment, Unit

from . import platforms
from .authorship import HistoryCause
from .credentials import REMOVED as CREDENTIALS_REMOVED
from .credentials import validate_reference
from .platforms import HOST_PATTERN_RE, SLUG_RE, lines, validate_platform
from .urlkeys import InvalidAccountURL, url_key


class Platform(models.Model):
    """A platform of the catalogue (accounts.platforms): kept by the systemadministratör
    in the admin, so that a new platform needs no change of code. `Account.platform`
    holds its slug."""

    slug = models.CharField(
        _("kortnamn"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(SLUG_RE, _("Små bokstäver a–z, siffror och _, högst 20."))],
        help_text=_("Det som lagras på kontona och i öppna data, till exempel bluesky."),
    )
    name = models.CharField(_("namn"), max_length=100)
    position = models.PositiveSmallIntegerField(
        _("ordning"), default=100, help_text=_("Plattformarna visas i den här ordningen.")
    )
    hosts = models.TextField(
        _("värdnamn"),
        blank=True,
        help_text=_(
            "En per rad: värdnamn som känner igen en adress som plattformens, till exempel "
            "bsky.app; *.exempel.se för alla underdomäner; en sökväg efter värdnamnet "
            "(facebook.com/groups/) känner bara igen adresser under den."
        ),
    )
    aliases = models.TextField(
        _("andra värdnamn"),
        blank=True,
        help_text=_(
            "En per rad: ett annat värdnamn och det huvudnamn det betyder, till exempel "
            "”twitter.com x.com”; *.linkedin.com för alla underdomäner. Adresser på det "
            "andra namnet räknas som samma konto."
        ),
    )
    short_links = models.TextField(
        _("korta länkar"),
        blank=True,
        help_text=_(
            "En per rad: en kortlänkstjänst och vad den står för, till exempel "
            "”youtu.be youtube.com/watch?v=”."
        ),
    )
    feed_template = models.CharField(
        _("flöde"),
        max_length=300,
        blank=True,
        help_text=_(
            "Var kontots RSS- eller Atom-flöde finns, med {url} för kontots adress, till "
            "exempel {url}.rss (Mastodon) eller {url}/rss (Bluesky). Tomt: inget flöde."
        ),
    )

    class Meta:
        verbose_name = _("plattform")
        verbose_name_plural = _("plattformar")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        for name in ("hosts", "aliases", "short_links"):
            for line in lines(getattr(self, name)):
                parts = line.split()
                expected = 1 if name == "hosts" else 2
                if len(parts) != expected or not all(HOST_PATTERN_RE.match(p) for p in parts):
                    errors.setdefault(name, []).append(
                        _("Raden ”%(line)s” kan inte läsas.") % {"line": line}
                    )
        template = self.feed_template.strip()
        if template and ("{url}" not in template or "{" in template.replace("{url}", "")):
            errors["feed_template"] = [_("Skriv {url} där kontots adress ska stå.")]
        if errors:
            raise ValidationError(errors)


def platform_name(slug):
    return platforms.name_of(slug)


class Kind(models.TextChoices):
    MAIN = "huvudkonto", _("Huvudkonto")
    SERVICE = "verksamhetskonto", _("Verksamhetskonto")
    DIALOGUE = "dialogkonto", _("Dialogkonto")
    AMBASSADOR = "ambassador", _("Ambassadör i tjänsten")


class Status(models.TextChoices):
    PLANNED = "planerat", _("Planerat")
    ACTIVE = "aktivt", _("Aktivt")
    PAUSED = "pausat", _("Pausat")
    WINDING_DOWN = "under_avveckling", _("Under avveckling")
    CLOSED = "avslutat", _("Avslutat")


class Problem(models.TextChoices):
    """Compliance problems, shown as warnings on the account and in the overview."""

    FEW_ADMINS = "administratorer", _("Färre än två administratörer utöver kommunikatören")
    NO_COMMUNICATOR = "kommunikator", _("Förvaltningskommunikatören är inte administratör")
    NO_SUBSTITUTE = "ersattare", _("Ingen ersättare")
    GRAPHIC_PROFILE = "grafisk_profil", _("Grafiska profilen är inte uppfylld")
    CREDENTIALS = (
        "inloggningsuppgift",
        _("Uppgiften om var inloggningen förvaras är borttagen; ange lösenordsvalv och post"),
    )
    ACCESSIBILITY = (
        "tillganglighet",
        _("Det står inte hur alt-texter och textning görs"),
    )


GRAPHIC_PROFILE_FIELDS = ("gp_states_official", "gp_links_website", "gp_contact_phone")
# What an established Aktivitetsplan decides: changed only through a new version of it.
PLAN_GOVERNED_FIELDS = ("purpose", "audience", "responsible")


def held_by_condition(*people):
    """Q: the account's responsible or substitute is one of `people`, or one of them
    administers it. The administered accounts' ids are read here, in one query on the
    administrators' index: as a list beside the two indexed columns, PostgreSQL combines
    three index scans, where a join (undone by DISTINCT) or a subquery in the OR scans
    every account of the kommun."""
    administered = Account.administrators.through.objects.filter(user__in=people)
    return (
        Q(responsible__in=people)
        | Q(substitute__in=people)
        | Q(pk__in=list(administered.values_list("account_id", flat=True)))
    )


class AccountQuerySet(KeptQuerySet):
    def active(self):
        return self.filter(status=Status.ACTIVE)

    def open(self):
        return self.exclude(status=Status.CLOSED)

    def held_by(self, *people):
        """Accounts that one of `people` answers for, is substitute on or administers."""
        return self.filter(held_by_condition(*people))

    def visible_to(self, user, deputies=None):
        """Accounts in the units where the user holds a role (and below), in their own
        unit, and those they answer for or administer; with the day's `deputies`
        (organisation.deputies), also those of the people they stand in for: the
        accounts those people answer for or administer, and the units where they hold
        a role."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        others = deputies.others_acted_for(user) if deputies is not None else set()
        people = {user.pk} | others
        q = (
            Q(responsible__in=people)
            | Q(substitute__in=people)
            | Q(
                Exists(
                    Account.administrators.through.objects.filter(
                        account=OuterRef("pk"), user__in=people
                    )
                )
            )
        )
        paths = set(user.scope_paths())
        if others:
            paths |= set(
                RoleAssignment.objects.filter(user__in=others, user__is_active=True).values_list(
                    "unit__path", flat=True
                )
            )
        if paths:
            # The units as a subquery, not a join: the whole visibility test is then on
            # the account's own row, so PostgreSQL applies it (cheap) before the
            # compliance annotations (a subquery per row), not after them on every
            # account of the kommun.
            units = Unit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))
            q |= Q(unit__in=units.values("pk"))
        return self.filter(q)

    def with_compliance(self):
        """Annotate what the compliance rules need: the number of administrators other
        than the förvaltningskommunikatör, and whether that communicator is one."""
        through = Account.administrators.through
        communicator_roles = RoleAssignment.objects.filter(
            role=Role.KOMMUNIKATOR, unit=OuterRef("account__unit__forvaltning")
        )
        # Someone who left (deactivated) administers nothing.
        admin_rows = through.objects.filter(account=OuterRef("pk"), user__is_active=True).annotate(
            is_communicator=Exists(communicator_roles.filter(user=OuterRef("user")))
        )
        other_admins = (
            admin_rows.filter(is_communicator=False)
            .order_by()
            .values("account")
            .annotate(n=Count("*"))
            .values("n")
        )
        return self.annotate(
            other_admin_count=Coalesce(Subquery(other_admins), 0),
            communicator_is_admin=Exists(admin_rows.filter(is_communicator=True)),
        )

    def problem_condition(self, problem):
        """A Q that holds for the accounts of this queryset with `problem` ("any": with
        one of them), without the annotations of with_compliance(): the administrator
        problems as an anti-join (NOT EXISTS / NOT IN an uncorrelated subquery), so
        that a count or a page of them costs one pass over the accounts, not a
        correlated subquery per account."""
        if problem == "any":
            return reduce(or_, (self.problem_condition(p) for p in Problem))
        through = Account.administrators.through
        is_communicator = Exists(
            RoleAssignment.objects.filter(
                role=Role.KOMMUNIKATOR,
                user=OuterRef("user"),
                unit=OuterRef("account__unit__forvaltning"),
            )
        )
        # Someone who left (deactivated) administers nothing.
        admins = through.objects.filter(
            account__in=self.order_by().values("pk"), user__is_active=True
        )
        if problem == Problem.FEW_ADMINS:
            well_administered = (
                admins.filter(~is_communicator)
                .order_by()
                .values("account")
                .annotate(n=Count("*"))
                .filter(n__gte=2)
                .values("account")
            )
            return ~Q(pk__in=well_administered)
        if problem == Problem.NO_COMMUNICATOR:
            return ~Q(pk__in=admins.filter(is_communicator).values("account"))
        if problem == Problem.NO_SUBSTITUTE:
            return Q(substitute__isnull=True)
        if problem == Problem.GRAPHIC_PROFILE:
            return (
                Q(gp_states_official=False) | Q(gp_links_website=False) | Q(gp_contact_phone=False)
            )
        if problem == Problem.CREDENTIALS:
            return Q(credentials_location=CREDENTIALS_REMOVED)
        if problem == Problem.ACCESSIBILITY:
            return Q(accessibility_practice__regex=r"^\s*$")
        raise ValueError(problem)

    def with_problem(self, problem):
        """The open accounts with `problem` (or "any"), annotated by with_compliance()
        for the rows read; a count() of it drops the annotations and runs the
        anti-joins of problem_condition() alone."""
        qs = self.open()
        return qs.with_compliance().filter(qs.problem_condition(problem))


def validate_account_url(value):
    """Every way into the register (forms, the admin, full_clean) refuses an address that
    the URL key cannot take (ftp://, mailto:, no host …), with the key's own reason."""
    try:
        url_key(value)
    except InvalidAccountURL as exc:
        raise ValidationError(str(exc), code="invalid_account_url") from exc


class Account(Kept):
    # A plain update() may set what the feed reader, attestations and the archive note;
    # everything else changes through accounts.services, which keeps the history.
    bulk_fields = (
        "feed_checked_at",
        "feed_error",
        "last_activity_on",
        "last_snapshot_on",
        "confirmation_next_at",  # the confirmation sweep's claim (accounts.confirmation)
    )
    kept_message = _("Konton tas aldrig bort ur registret; de avslutas.")

    # The slug of a platform of the catalogue (accounts.platforms).
    platform = models.CharField(_("plattform"), max_length=20, validators=[validate_platform])
    display_name = models.CharField(_("kontots namn"), max_length=200)
    handle = models.CharField(
        _("användarnamn"),
        max_length=200,
        blank=True,
        help_text=_("Kontots namn på plattformen, till exempel @kommunensbibliotek."),
    )
    url = models.URLField(
        _("adress (URL)"),
        max_length=2000,
        validators=[URLValidator(schemes=["http", "https"]), validate_account_url],
    )
    url_key = models.CharField(
        max_length=2000, unique=True, editable=False, verbose_name=_("normaliserad adress")
    )
    # The page's or profile's own id on the platform (a Facebook page id, an Instagram
    # business account id, a Mastodon account id): platform deliveries are mapped to
    # the account by it (moderation.intake).
    platform_page_id = models.CharField(
        _("sidans id på plattformen"),
        max_length=64,
        blank=True,
        help_text=_(
            "Sidans eller profilens id hos plattformen, till exempel Facebooksidans id. "
            "Kommentarer som plattformen skickar kopplas till kontot med det."
        ),
    )
    kind = models.CharField(_("typ av konto"), max_length=20, choices=Kind.choices)
    unit = protected_fk(Unit, _("ägande enhet"), related_name="accounts")
    responsible = user_fk(_("ansvarig"), related_name="responsible_for")
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("administratörer"),
        related_name="administers",
        blank=True,
        help_text=_(
            "Minst två personer och förvaltningskommunikatören ska kunna administrera kontot."
        ),
    )
    substitute = user_fk(
        _("ersättare"),
        optional=True,
        related_name="substitute_for",
        help_text=_("Tar över bevakning och moderering när den ansvarige är borta."),
    )
    purpose = models.TextField(
        _("syfte"), help_text=_("Vad kontot ska uppnå och varför den här kanalen.")
    )
    audience = models.TextField(_("målgrupp"), help_text=_("Vilka kontot vänder sig till."))
    language = models.CharField(_("språk"), max_length=100, default="svenska")
    contact_email = models.EmailField(
        _("kontaktadress"),
        blank=True,
        help_text=_("Funktionsadress som visas för allmänheten. Tom: enhetens adress."),
    )
    credentials_location = models.CharField(
        _("var inloggningsuppgifterna förvaras"),
        max_length=300,
        blank=True,
        validators=[validate_reference],
        help_text=_(
            "Lösenordsvalvet (system och valv) och posten i det, till exempel ”1Password, "
            "valv Kommunikation, post Instagram Biblioteket”. Skriv aldrig lösenord, "
            "PIN-koder eller andra hemliga uppgifter här."
        ),
    )
    gp_states_official = models.BooleanField(
        _("anger att det är kommunens officiella konto"), default=False
    )
    gp_links_website = models.BooleanField(_("länkar till kommunens webbplats"), default=False)
    gp_contact_phone = models.BooleanField(_("anger kontaktcentrets telefonnummer"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    opened_on = models.DateField(_("startat"), null=True, blank=True)
    closed_on = models.DateField(_("avslutat"), null=True, blank=True)
    last_activity_on = models.DateField(_("senaste aktivitet"), null=True, blank=True)
    last_snapshot_on = models.DateField(_("senast arkiverat"), null=True, blank=True)
    feed_url = models.URLField(
        _("flöde (RSS eller Atom)"),
        max_length=2000,
        blank=True,
        help_text=_(
            "Om kontot har ett flöde (blogg, podd, YouTube-kanal, Mastodon) läses senaste "
            "aktivitet därifrån automatiskt."
        ),
    )
    feed_checked_at = models.DateTimeField(_("flödet läst"), null=True, blank=True)
    feed_error = models.CharField(_("fel vid läsning av flödet"), max_length=300, blank=True)
    accessibility_practice = models.TextField(
        _("tillgänglighet: alt-texter och textning"),
        blank=True,
        default="",
        db_default="",  # rows written by older data migrations get it too
        help_text=_(
            "Hur bilder får alt-texter och filmer textning (och syntolkning vid behov) på "
            "kontot. Service i sociala medier ska vara tillgänglig så långt det går "
            "(DOS-lagen)."
        ),
    )
    privacy_url = models.URLField(
        _("integritetsmeddelande för kanalen"),
        max_length=2000,
        blank=True,
        default="",
        db_default="",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "Länk till sidan om hur kommunen behandlar personuppgifter i den här kanalen. "
            "Tom: kommunens gemensamma integritetsmeddelande för sociala medier."
        ),
    )
    plan_reference = models.CharField(
        _("aktivitetsplan"),
        max_length=30,
        blank=True,
        editable=False,
        help_text=_("Den fastställda aktivitetsplan som kontot bygger på."),
    )
    # The yearly "bekräfta uppgifterna" (accounts.confirmation): when the responsible
    # person (or the account's team) last confirmed that the register's entry is right,
    # the deadline of the next confirmation, and the moment the sweep acts next
    # (the reminder at the deadline, the escalation 30 days later; empty when nothing
    # waits). Empty deadline: not (yet) asked to confirm.
    confirmed_on = models.DateField(_("uppgifterna senast bekräftade"), null=True, blank=True)
    confirmation_due_at = models.DateTimeField(
        _("uppgifterna ska bekräftas senast"), null=True, blank=True, editable=False
    )
    confirmation_next_at = models.DateTimeField(
        _("nästa påminnelse om bekräftelse"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("registrerat"))
    updated_at = models.DateTimeField(_("ändrat"))

    history = HistoricalRecords(
        m2m_fields=[administrators],
        excluded_fields=[
            "updated_at",
            "url_key",
            "feed_checked_at",
            "feed_error",
            "confirmation_due_at",
            "confirmation_next_at",
        ],
        bases=[HistoryCause],  # who set off a change the system made (accounts.authorship)
    )
    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("konto")
        verbose_name_plural = _("konton")
        ordering = ["display_name", "id"]
        indexes = [
            models.Index(fields=["status", "display_name", "id"], name="account_status_name"),
            # The lists in the model's order whatever the status (the register, the
            # compliance sections' first 25): a page read from the index, not a sort of
            # every account the user sees.
            models.Index(fields=["display_name", "id"], name="account_name"),
            models.Index(fields=["platform", "status"], name="account_platform_status"),
            models.Index(
                fields=["confirmation_due_at"],
                condition=Q(confirmation_due_at__isnull=False),
                name="account_confirmation_due",
            ),
            models.Index(
                fields=["confirmation_next_at"],
                condition=Q(confirmation_next_at__isnull=False),
                name="account_confirmation_next",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_page_id"],
                condition=~models.Q(platform_page_id=""),
                name="account_platform_page_once",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_platform_display()})"

    def get_platform_display(self):
        return platform_name(self.platform)

    def problems(self):
        """Compliance problems; needs an instance from `with_compliance()`."""
        if self.status == Status.CLOSED:
            return []
        found = []
        if self.other_admin_count < 2:
            found.append(Problem.FEW_ADMINS)
        if not self.communicator_is_admin:
            found.append(Problem.NO_COMMUNICATOR)
        if self.substitute_id is None:
            found.append(Problem.NO_SUBSTITUTE)
        if not all(getattr(self, name) for name in GRAPHIC_PROFILE_FIELDS):
            found.append(Problem.GRAPHIC_PROFILE)
        if self.credentials_location == CREDENTIALS_REMOVED:
            found.append(Problem.CREDENTIALS)
        if not self.accessibility_practice.strip():
            found.append(Problem.ACCESSIBILITY)
        return found

    def missing_graphic_profile(self):
        return [
            self._meta.get_field(name).verbose_name
            for name in GRAPHIC_PROFILE_FIELDS
            if not getattr(self, name)
        ]


PASSIVE_DAYS_MIN, PASSIVE_DAYS_MAX = 7, 3650


class PassiveRule(models.Model):
    """After how many days without activity an account on a platform counts as passive;
    set by kommunikationsavdelningen (default 90)."""

    platform = models.CharField(
        _("plattform"), max_length=20, unique=True, validators=[validate_platform]
    )
    # The same limits on the rules page and in the admin.
    days = models.PositiveIntegerField(
        _("dagar utan aktivitet"),
        default=90,
        validators=[MinValueValidator(PASSIVE_DAYS_MIN), MaxValueValidator(PASSIVE_DAYS_MAX)],
    )

    class Meta:
        verbose_name = _("regel för passiva konton")
        verbose_name_plural = _("regler för passiva konton")
        ordering = ["platform"]

    def __str__(self):
        return f"{platform_name(self.platform)}: {self.days}"


DEFAULT_PASSIVE_DAYS = 90


class Attestation(AppendOnly):
    """The responsible person's word: the date of the latest post, or (quarterly) that the
    administrators can still log in and the credentials are in the central store."""

    class Kind(models.TextChoices):
        ACTIVITY = "aktivitet", _("Senaste inlägg")
        CREDENTIALS = "inloggning", _("Inloggning och lösenordsförvaring kontrollerade")

    account = protected_fk(Account, _("konto"), related_name="attestations")
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("typ"))
    user = user_fk(_("person"))
    at = models.DateTimeField(verbose_name=_("tidpunkt"))
    activity_on = models.DateField(_("senaste inlägg"), null=True, blank=True)
    via_link = models.BooleanField(default=False, verbose_name=_("via länk i e-post"))

    class Meta:
        verbose_name = _("intygande")
        verbose_name_plural = _("intyganden")
        ordering = ["-at"]
        indexes = [models.Index(fields=["account", "kind", "at"], name="attestation_latest")]

    def __str__(self):
        return f"{self.account_id} {self.kind} {self.at:%Y-%m-%d}"


class UsedLink(AppendOnly):
    """A one-click link from an e-mail that has been used: each works once."""

    nonce = models.CharField(max_length=64, unique=True, verbose_name=_("engångsvärde"))
    used_at = models.DateTimeField(verbose_name=_("använd"))

    def __str__(self):
        return self.nonce


class Closure(Kept):
    """Closing an account: proposed with a reason, confirmed by the communicator or the
    kommunikationschef, final snapshot sealed, steps on the platform ticked off."""

    class State(models.TextChoices):
        PROPOSED = "foreslagen", _("Föreslagen")
        CONFIRMED = "bekraftad", _("Bekräftad, väntar på slutlig ögonblicksbild")
        CLOSED = "avslutad", _("Avslutad")
        CANCELLED = "avbruten", _("Avbruten")

    class PlatformStep(models.TextChoices):
        CONTENT_REMOVED = "innehall_borttaget", _("Innehållet är borttaget")
        ACCOUNT_DELETED = "konto_raderat", _("Kontot är raderat på plattformen")

    account = protected_fk(Account, _("konto"), related_name="closures")
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.PROPOSED, verbose_name=_("läge")
    )
    reason = models.TextField(_("skäl"))
    proposed_by = user_fk(_("föreslaget av"))
    proposed_at = models.DateTimeField(verbose_name=_("föreslaget"))
    confirmed_by = user_fk(_("bekräftat av"), optional=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("bekräftat"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("avslutat"))
    cancelled_by = user_fk(_("avbrutet av"), optional=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("avbrutet"))
    platform_step = models.CharField(
        _("på plattformen"), max_length=30, choices=PlatformStep.choices, blank=True
    )
    platform_step_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("stängt på plattformen")
    )
    platform_step_by = user_fk(_("stängt på plattformen av"), optional=True)
    links_updated_at = models.DateTimeField(
        _("kommunens länkar uppdaterade"), null=True, blank=True
    )
    links_updated_by = user_fk(_("länkar uppdaterade av"), optional=True)

    class Meta:
        verbose_name = _("avslut")
        verbose_name_plural = _("avslut")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(state__in=["foreslagen", "bekraftad"]),
                name="one_open_closure_per_account",
            ),
        ]

    kept_message = _("Avslut tas aldrig bort.")

    def __str__(self):
        return f"{self.account}: {self.get_state_display()}"


class ClosureEvent(Event):
    """Each step of a closure: proposed, confirmed, a step ticked off, cancelled, closed."""

    class Action(models.TextChoices):
        PROPOSED = "foreslaget", _("Avslut föreslaget")
        CONFIRMED = "bekraftat", _("Avslut bekräftat")
        CONTENT_REMOVED = (
            Closure.PlatformStep.CONTENT_REMOVED.value,
            _("Innehållet borttaget på plattformen"),
        )
        ACCOUNT_DELETED = (
            Closure.PlatformStep.ACCOUNT_DELETED.value,
            _("Kontot raderat på plattformen"),
        )
        LINKS_UPDATED = "lankar", _("Kommunens länkar uppdaterade")
        CANCELLED = "avbrutet", _("Avslut avbrutet")
        CLOSED = "avslutat", _("Kontot avslutat")

    closure = subject(Closure, _("avslut"))
    action = action_field(Action.choices)


class CredentialsRedaction(AppendOnly):
    """Who removed suspected secrets from an account's history, when and why: the
    record of the redaction (it names the history entries, never the secret)."""

    account = protected_fk(Account, _("konto"), related_name="redactions")
    redacted_by = user_fk(_("borttaget av"))
    redacted_at = models.DateTimeField(_("borttaget"))
    reason = models.CharField(_("skäl"), max_length=300)
    history_ids = models.JSONField(_("historikposter"), default=list)
    replaced_current = models.BooleanField(_("gällande uppgift ersatt"), default=False)
    marker = models.CharField(_("ersatt med"), max_length=200)

    class Meta:
        verbose_name = _("borttagen inloggningsuppgift")
        verbose_name_plural = _("borttagna inloggningsuppgifter")
        ordering = ["-redacted_at", "-id"]

    def __str__(self):
        return f"{self.account_id} {self.redacted_at:%Y-%m-%d} {self.redacted_by}"


DIGG_COMPLAINT_URL = "https://www.digg.se/tdosanmalan"


class AccessibilityStatement(Kept):
    """A tillgänglighetsredogörelse (DOS-lagen 2018:1937, DIGG's required contents):
    one for the public register and one for the intranet. A published statement: it
    changes only through accounts.statements, and every version stays in its history."""

    class Service(models.TextChoices):
        REGISTER = "register", _("Förteckningen över kommunens officiella konton")
        INTRANET = "intranat", _("Kanalkoll (intranätet)")

    class Compliance(models.TextChoices):
        FULL = "helt", _("helt förenlig")
        PARTIAL = "delvis", _("delvis förenlig")
        NONE = "inte", _("inte förenlig")

    class Method(models.TextChoices):
        SELF = "egen", _("självskattning (egen granskning)")
        EXTERNAL = "extern", _("extern granskning")

    kept_message = _("En tillgänglighetsredogörelse tas aldrig bort; den uppdateras.")

    service = models.CharField(_("tjänst"), max_length=20, choices=Service.choices, unique=True)
    body_name = models.CharField(_("myndighetens namn"), max_length=200)
    service_name = models.CharField(_("tjänstens namn"), max_length=200)
    compliance = models.CharField(
        _("förenlighet med lagen"), max_length=10, choices=Compliance.choices
    )
    inaccessible_content = models.TextField(
        _("innehåll som inte är tillgängligt, och varför"), blank=True
    )
    exempted_content = models.TextField(
        _("oskäligt betungande anpassning (12 §), med skäl"), blank=True
    )
    outside_law = models.TextField(_("innehåll som inte omfattas av lagen (9 §)"), blank=True)
    method = models.CharField(
        _("hur tjänsten har granskats"), max_length=10, choices=Method.choices
    )
    method_description = models.TextField(_("beskrivning av granskningen"), blank=True)
    assessed_on = models.DateField(_("datum för bedömningen"))
    feedback_email = models.EmailField(
        _("e-post för synpunkter"),
        blank=True,
        help_text=_(
            "Dit den som inte kan ta del av innehållet skriver. Går till kommunikationsavdelningen."
        ),
    )
    feedback_url = models.URLField(_("webbformulär för synpunkter"), blank=True)
    confirmed = models.BooleanField(
        _("kommunen har bekräftat redogörelsen"),
        default=False,
        help_text=_("Av: texten visas som ett förslag som kommunen ännu inte har bekräftat."),
    )
    updated_at = models.DateTimeField(_("senast uppdaterad"))
    updated_by = user_fk(_("uppdaterad av"), optional=True)

    history = HistoricalRecords(excluded_fields=["updated_by"])

    class Meta:
        verbose_name = _("tillgänglighetsredogörelse")
        verbose_name_plural = _("tillgänglighetsredogörelser")
        ordering = ["service"]

    def __str__(self):
        return str(self.get_service_display())

    @property
    def complaint_url(self):
        return DIGG_COMPLAINT_URL


class RegisterVersion(models.Model):
    """The public register's version: one row (pk 1), bumped in the transaction of every
    change that the public register, its open data and feeds show
    (accounts.registerversion.bump). The cached pages and JSON are keyed by its token, and
    conditional requests are answered from it (ETag from the token, Last-Modified from
    `changed_at`)."""

    number = models.PositiveBigIntegerField(_("version"), default=0)
    token = models.CharField(_("nyckel"), max_length=32)
    changed_at = models.DateTimeField(_("ändrad"), null=True, blank=True)

    class Meta:
        verbose_name = _("förteckningens version")
        verbose_name_plural = _("förteckningens versioner")

    def __str__(self):
        return f"{self.number}"
