"""The "Aktivitetsplan för sociala medier", its decisions and its evaluations.

A plan moves utkast → inskickad → uppdrag godkänt av chef → förankrad → fastställd;
every decision is an append-only PlanEvent. Plans are allmänna handlingar and are
never deleted: they are withdrawn, rejected or superseded by a new version.

Size: the Plan model carries every field of the Aktivitetsplan form (about fifty over
the plan, its events and its evaluations); they belong to the one record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Kind
from accounts.platforms import name_of as platform_name
from accounts.platforms import validate_platform
from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import Kept, KeptQuerySet
from organisation.deputies import Deputies
from organisation.models import Role, RoleAssignment, Unit


class Assignment(models.TextChoices):
    NEW_ACCOUNT = "nytt_konto", _("Starta ett nytt konto")
    TAKEOVER = "overta_konto", _("Ta över ett befintligt konto")
    AMBASSADOR = "ambassador", _("Ambassadör på personligt konto i tjänsten")
    MONITORING = "omvarldsbevakning", _("Enbart omvärldsbevakning")


class State(models.TextChoices):
    DRAFT = "utkast", _("Utkast")
    SUBMITTED = "inskickad", _("Inskickad, väntar på chef")
    CHEF_APPROVED = "godkand_av_chef", _("Uppdrag godkänt av chef, väntar på kommunikatör")
    ANCHORED = "forankrad", _("Förankrad, väntar på kommunikationschef")
    ESTABLISHED = "faststalld", _("Fastställd")
    RETURNED = "returnerad", _("Återsänd för komplettering")
    REJECTED = "avslagen", _("Avslagen")
    WITHDRAWN = "aterkallad", _("Återkallad")
    NOTED = "anmald", _("Anmäld till chef (omvärldsbevakning)")
    SUPERSEDED = "ersatt", _("Ersatt av en ny version")


# States in which the applicant may edit the plan.
EDITABLE = frozenset({State.DRAFT, State.RETURNED})
# States that wait for someone's decision, and who decides.
WAITING = {
    State.SUBMITTED: Role.CHEF,
    State.CHEF_APPROVED: Role.KOMMUNIKATOR,
    State.ANCHORED: Role.KOMMUNIKATIONSCHEF,
}
FINAL = frozenset(
    {State.ESTABLISHED, State.REJECTED, State.WITHDRAWN, State.NOTED, State.SUPERSEDED}
)


class Duration(models.TextChoices):
    ONGOING = "tills_vidare", _("Tills vidare")
    LIMITED = "tidsbegransad", _("Tidsbegränsad, till ett datum")


class PlanQuerySet(KeptQuerySet):
    def visible_to(self, user, day=None, deputies=None):
        """Own plans (as applicant or as the one who drafted them), drafts included; once
        submitted, plans of the units where the user is chef or förvaltningskommunikatör,
        also while standing in for an absent chef or communicator (organisation.deputies:
        down the whole chain of substitutes); all plans for kommunikationschef and
        kommunikationsavdelningen, and for whoever stands in for one. `deputies` (or
        `day`) is the day asked about; without either, today."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        own = Q(applicant=user) | Q(created_by=user)
        submitted = ~Q(state=State.DRAFT)  # a draft is its author's until it is sent
        if user.has_role(Role.KOMMUNIKATIONSCHEF, Role.KOMMUNIKATIONSAVDELNINGEN):
            return self.filter(own | submitted)
        paths = {path for role, _uid, path in user._assignments if role in SCOPE_ROLES}
        if deputies is None:
            deputies = Deputies.for_day(day or timezone.localdate())
        standing_in_for = deputies.others_acted_for(user)
        if standing_in_for:
            for role, path in RoleAssignment.objects.filter(
                user__in=standing_in_for,
                user__is_active=True,
                role__in=SCOPE_ROLES | {Role.KOMMUNIKATIONSCHEF},
            ).values_list("role", "unit__path"):
                if role == Role.KOMMUNIKATIONSCHEF:
                    return self.filter(own | submitted)
                paths.add(path)
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(unit__path__startswith=path)
        return self.filter(own | (q & submitted))

    def waiting(self):
        return self.filter(state__in=list(WAITING))


SCOPE_ROLES = frozenset({Role.CHEF, Role.KOMMUNIKATOR})


class Plan(Kept):
    # Its state and contents change only through activityplans.services; a plain
    # update() may set only the reminder deadlines the sweep clears.
    bulk_fields = ("remind_at", "escalate_at")
    kept_message = _("Aktivitetsplaner tas aldrig bort; de återkallas eller ersätts.")

    # -- record keeping --------------------------------------------------------------
    reference = models.CharField(_("diariereferens"), max_length=30, blank=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = protected_fk(
        "self", _("tidigare version"), optional=True, related_name="next_versions"
    )
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    state_changed_at = models.DateTimeField(_("status ändrad"))
    # When the plan entered the step it waits in, and when its actor is reminded
    # (5 working days) and the communicator told (10): deadlines as data.
    remind_at = models.DateTimeField(null=True, blank=True, verbose_name=_("påminnelse"))
    escalate_at = models.DateTimeField(null=True, blank=True, verbose_name=_("eskalering"))
    created_by = user_fk(_("upprättad av"))
    created_at = models.DateTimeField(_("skapad"))
    updated_at = models.DateTimeField(_("senast sparad"))
    established_at = models.DateTimeField(_("fastställd"), null=True, blank=True)
    account = protected_fk(
        Account,
        _("konto i registret"),
        optional=True,
        related_name="plans",
        help_text=_("Kontot som ska tas över, eller kontot som planen förde in i registret."),
    )

    # -- who ---------------------------------------------------------------------------
    applicant = user_fk(
        _("sökande medarbetare"),
        related_name="activity_plans",
        help_text=_("Den som får uppdraget och blir ansvarig för kontot."),
    )
    unit = protected_fk(
        Unit,
        _("enhet"),
        related_name="activity_plans",
        help_text=_("Enheten som uppdraget gäller. Närmaste chef hämtas från enheten."),
    )

    # -- what --------------------------------------------------------------------------
    assignment = models.CharField(
        _("typ av uppdrag"),
        max_length=20,
        choices=Assignment.choices,
        default=Assignment.NEW_ACCOUNT,
        help_text=_(
            "Enbart omvärldsbevakning kräver inget godkännande; din chef informeras. "
            "Ambassadör på personligt konto godkänns av din chef."
        ),
    )
    platform = models.CharField(
        _("plattform"), max_length=20, blank=True, validators=[validate_platform]
    )
    account_kind = models.CharField(
        _("typ av konto"),
        max_length=20,
        choices=[c for c in Kind.choices if c[0] != Kind.AMBASSADOR],
        default=Kind.SERVICE,
        blank=True,
    )
    account_name = models.CharField(
        _("kontots namn"),
        max_length=200,
        blank=True,
        help_text=_("Var tydlig med avsändaren, till exempel ”Ekdala bibliotek”."),
    )
    handle = models.CharField(_("användarnamn"), max_length=200, blank=True)
    url = models.URLField(
        _("adress (URL)"),
        max_length=2000,
        blank=True,
        help_text=_("Om kontot redan finns. Måste anges senast när planen fastställs."),
    )

    purpose = models.TextField(
        _("syfte och varför just den här kanalen"),
        blank=True,
        help_text=_(
            "Hur hjälper närvaron i kanalen verksamheten att nå sina mål? Varför är "
            "den här kanalen rätt väg, och finns det redan en kanal som kan användas?"
        ),
    )
    goals = models.TextField(
        _("mätbara mål"),
        blank=True,
        help_text=_(
            "Sätt mätbara och relevanta mål, till exempel fler förfrågningar eller nöjdare brukare."
        ),
    )
    audience = models.TextField(
        _("målgrupp"),
        blank=True,
        help_text=_("Vilka vill ni nå? Är kanalen rätt sätt att nå dem?"),
    )
    complements = models.TextField(
        _("hur kanalen kompletterar webbplatsen och andra kanaler"),
        blank=True,
        help_text=_(
            "Inget socialt medium ersätter kommunens webbplats som officiell kanal. "
            "Beskriv hur ni länkar till ursprungskällan på webbplatsen."
        ),
    )
    content_plan = models.TextField(
        _("innehållsplan"),
        blank=True,
        help_text=_(
            "Vad ska publiceras, av vem, och hur planeras det (till exempel en innehållskalender)?"
        ),
    )
    frequency = models.CharField(
        _("publiceringsfrekvens"),
        max_length=200,
        blank=True,
        help_text=_("Till exempel 3–4 inlägg i veckan, eller minst ett blogginlägg i månaden."),
    )
    time_allocated = models.TextField(
        _("avsatt tid"),
        blank=True,
        help_text=_(
            "Hur mycket tid avsätts, inklusive bevakning? Frågor ska besvaras och "
            "olämpliga inlägg tas bort inom 48 timmar."
        ),
    )
    answers_within_48h = models.BooleanField(
        _("vi har tid att besvara frågor och ta bort olämpliga inlägg inom 48 timmar"),
        default=False,
    )
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("administratörer"),
        blank=True,
        related_name="administrator_in_plans",
        help_text=_(
            "Minst två personer utöver förvaltningskommunikatören, som läggs till "
            "automatiskt när planen fastställs."
        ),
    )
    substitute = user_fk(
        _("ersättare"),
        optional=True,
        related_name="substitute_in_plans",
        help_text=_("Tar över bevakning och moderering när du är borta."),
    )
    platform_knowledge = models.TextField(
        _("kunskap om plattformen"),
        blank=True,
        help_text=_("Vilken erfarenhet har du av kanalen? Behöver du utbildning eller stöd?"),
    )
    personal_data = models.TextField(
        _("personuppgifter och bilder"),
        blank=True,
        help_text=_(
            "Hur hanteras personuppgifter? Barn eller vuxna får inte fotograferas och "
            "namnges utan deras skriftliga samtycke."
        ),
    )
    accessibility = models.TextField(
        _("tillgänglighet: alt-texter och textning"),
        blank=True,
        default="",
        db_default="",  # rows written by older data migrations get it too
        help_text=_(
            "Hur får bilder alt-texter och filmer textning? Service i sociala medier ska "
            "vara tillgänglig så långt det går (DOS-lagen)."
        ),
    )
    consent_confirmed = models.BooleanField(
        _("jag inhämtar skriftligt samtycke innan jag fotograferar eller namnger någon"),
        default=False,
    )
    duration = models.CharField(
        _("varaktighet"), max_length=20, choices=Duration.choices, default=Duration.ONGOING
    )
    ends_on = models.DateField(_("till och med"), null=True, blank=True)
    evaluation_plan = models.TextField(
        _("hur och när uppdraget utvärderas"),
        blank=True,
        help_text=_(
            "Uppdraget utvärderas minst en gång per år, eller när en tidsbegränsad "
            "aktivitet avslutas, och delas med förvaltningskommunikatören."
        ),
    )
    ambassador_statement = models.BooleanField(
        _("kontot anger att det används i tjänsten för kommunen"),
        default=False,
        help_text=_("Gäller ambassadörer på personligt konto."),
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("aktivitetsplan")
        verbose_name_plural = _("aktivitetsplaner")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["remind_at"], name="plan_remind_due", condition=Q(remind_at__isnull=False)
            ),
            models.Index(
                fields=["escalate_at"],
                name="plan_escalate_due",
                condition=Q(escalate_at__isnull=False),
            ),
            # "Planer i mina enheter", the most recently moved first, 50 a page: read
            # from this index and stopped after the page, not sorted over every plan.
            models.Index(fields=["-state_changed_at", "-id"], name="plan_state_changed"),
        ]

    def get_platform_display(self):
        return platform_name(self.platform) if self.platform else ""

    def __str__(self):
        return f"{self.reference or _('Utkast')}: {self.title}"

    @property
    def has_pdf(self):
        """A plan has its PDF once it is established (and keeps it when superseded)."""
        return self.state in (State.ESTABLISHED, State.SUPERSEDED)

    @property
    def title(self):
        if self.account_name:
            return self.account_name
        if self.account_id:
            return self.account.display_name
        return str(self.get_assignment_display())

    @property
    def is_editable(self):
        return self.state in EDITABLE

    @property
    def is_waiting(self):
        return self.state in WAITING

    @property
    def chain(self):
        """The states this plan passes through to be decided, in order."""
        if self.assignment == Assignment.MONITORING:
            return [State.DRAFT, State.NOTED]
        if self.assignment == Assignment.AMBASSADOR:
            return [State.DRAFT, State.SUBMITTED, State.ESTABLISHED]
        return [
            State.DRAFT,
            State.SUBMITTED,
            State.CHEF_APPROVED,
            State.ANCHORED,
            State.ESTABLISHED,
        ]


class Action(models.TextChoices):
    CREATED = "skapad", _("Utkast skapat")
    SUBMITTED = "inskickad", _("Inskickad")
    NOTED = "anmald", _("Anmäld till chef")
    APPROVED = "godkand", _("Uppdrag godkänt av chef")
    ANCHORED = "forankrad", _("Förankrad hos förvaltningskommunikatör")
    ESTABLISHED = "faststalld", _("Fastställd")
    RETURNED = "returnerad", _("Återsänd för komplettering")
    REJECTED = "avslagen", _("Avslagen")
    WITHDRAWN = "aterkallad", _("Återkallad")
    SUPERSEDED = "ersatt", _("Ersatt av ny version")
    EVALUATED = "utvarderad", _("Utvärdering lämnad")


class PlanEvent(Event):
    plan = subject(Plan, _("plan"))
    action = action_field(Action.choices, max_length=20)
    from_state = models.CharField(
        max_length=20, choices=State.choices, blank=True, verbose_name=_("från läge")
    )
    to_state = models.CharField(max_length=20, choices=State.choices, verbose_name=_("till läge"))
    role = models.CharField(_("i egenskap av"), max_length=200, blank=True)


class Outcome(models.TextChoices):
    CONTINUE = "fortsatta", _("Fortsätta som i dag")
    CHANGE = "andra", _("Fortsätta med förändringar (ny version av planen)")
    CLOSE = "avsluta", _("Avsluta kontot")


class EvaluationQuerySet(KeptQuerySet):
    def pending(self):
        return self.filter(submitted_at__isnull=True)

    def overdue(self, today):
        return self.pending().filter(due_on__lt=today)


class Evaluation(Kept):
    """The yearly evaluation of an established assignment (or at the end of a
    time-limited one), filled in by the responsible person and sent to the communicator."""

    plan = protected_fk(Plan, _("plan"), related_name="evaluations")
    due_on = models.DateField(_("ska lämnas senast"), db_index=True)
    submitted_at = models.DateTimeField(_("lämnad"), null=True, blank=True)
    submitted_by = user_fk(_("lämnad av"), optional=True)
    goals_met = models.TextField(
        _("har målen nåtts?"), blank=True, help_text=_("Jämför med planens mätbara mål.")
    )
    reach = models.TextField(
        _("räckvidd"), blank=True, help_text=_("Följare, visningar, engagemang – det ni mäter.")
    )
    questions_handling = models.TextField(
        _("hur frågor har besvarats"),
        blank=True,
        help_text=_("Har frågor besvarats och olämpliga inlägg tagits bort inom 48 timmar?"),
    )
    outcome = models.CharField(
        _("fortsättning"), max_length=20, choices=Outcome.choices, blank=True
    )
    comment = models.TextField(_("övrigt"), blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("utvärdering")
        verbose_name_plural = _("utvärderingar")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="one_evaluation_per_due_date"),
        ]

    kept_message = _("Utvärderingar tas aldrig bort.")

    def __str__(self):
        return f"{self.plan} – {self.due_on}"
