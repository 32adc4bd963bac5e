"""Units, users, the roles they hold in units, and absences.

"Who is the chef of this person" and "who is the communicator of this unit" are
answered here, and only here; "who acts for this person today" in organisation.deputies.

Size: the organisation's seven models (units, users, roles, absences, handovers and their
events, the person's history) and the one RoleHolders rule that reads them together.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.events import Event, action_field, subject
from core.fields import protected_fk, user_fk
from core.records import Kept, KeptQuerySet


class Role(models.TextChoices):
    MEDARBETARE = "medarbetare", _("Medarbetare")
    CHEF = "chef", _("Chef")
    KOMMUNIKATOR = "forvaltningskommunikator", _("Förvaltningskommunikatör")
    KOMMUNIKATIONSCHEF = "kommunikationschef", _("Kommunikationschef")
    KOMMUNIKATIONSAVDELNINGEN = "kommunikationsavdelningen", _("Kommunikationsavdelningen")
    ARKIVARIE = "arkivarie", _("Arkivarie")
    REGISTRATOR = "registrator", _("Registrator")
    DATASKYDDSOMBUD = "dataskyddsombud", _("Dataskyddsombud")
    SYSTEMADMINISTRATOR = "systemadministrator", _("Systemadministratör")


# Roles that curate the whole register (within the unit where they are held, normally
# the kommun itself).
REGISTER_CURATORS = frozenset({Role.KOMMUNIKATIONSCHEF, Role.KOMMUNIKATIONSAVDELNINGEN})


class UnmappedSignIn(models.TextChoices):
    """What the kommun does with a person who signs in through its identity provider
    and whose groups map to no role (identity.GroupMapping)."""

    REFUSE = "neka", _("Neka inloggningen")
    MEDARBETARE = "medarbetare", _("Logga in som medarbetare i den enhet kontot anger")


# The exact licence IRIs that Sveriges dataportal recognises (DCAT-AP-SE).
OPEN_DATA_LICENCES = [
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
    ("http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
]


def validate_organisation_number(value):
    """Ten digits, an optional hyphen after the sixth, and a valid Luhn check digit."""
    digits = value.replace("-", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10) or (
        "-" in value and value.index("-") != 6
    ):
        raise ValidationError(
            _("Ange organisationsnumret med tio siffror, till exempel 212000-0142.")
        )
    total = 0
    for position, digit in enumerate(int(d) for d in digits):
        product = digit * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    if total % 10:
        raise ValidationError(_("Organisationsnumrets kontrollsiffra stämmer inte."))


class UnitQuerySet(models.QuerySet):
    def kommun(self):
        """The root unit, which carries the kommun's own data (name, website, phone)."""
        return self.filter(kind=Unit.Kind.KOMMUN, parent__isnull=True).first()

    def subtree(self, unit):
        return self.filter(path__startswith=unit.path)


def ids_up(path):
    """The unit ids of a unit's `path`, its own first, then up to the kommun
    (Unit.ancestor_ids, for callers that read the path as a value)."""
    return [int(p) for p in reversed(path.strip("/").split("/")) if p]


class Unit(models.Model):
    class Kind(models.TextChoices):
        KOMMUN = "kommun", _("Kommun")
        FORVALTNING = "forvaltning", _("Förvaltning")
        ENHET = "enhet", _("Enhet/verksamhet")

    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    parent = protected_fk("self", _("ingår i"), optional=True, related_name="children")
    contact_email = models.EmailField(
        _("funktionsadress"),
        blank=True,
        help_text=_("Enhetens gemensamma e-postadress, visas i det publika registret."),
    )
    # The kommun's own data: only on the root unit.
    website = models.URLField(_("kommunens webbplats"), blank=True)
    contact_phone = models.CharField(_("kontaktcenter, telefon"), max_length=40, blank=True)
    archive_email = models.EmailField(_("kommunarkivets e-post"), blank=True)
    publish_person_names = models.BooleanField(
        _("visa ansvarigas namn i det publika registret"),
        default=False,
        help_text=_("Av: bara funktion och kontaktadress visas för allmänheten."),
    )
    moderation_working_days = models.BooleanField(
        _("räkna modereringens tidsfrist bara på arbetsdagar"),
        default=False,
        help_text=_(
            "Av: 48 timmar räknas i verklig tid. På: bara tid på arbetsdagar räknas; "
            "helger och helgdagar stoppar klockan."
        ),
    )
    oidc_unmapped = models.CharField(
        _("inloggning utan mappad grupp"),
        max_length=20,
        choices=UnmappedSignIn.choices,
        default=UnmappedSignIn.REFUSE,
        help_text=_(
            "Vid inloggning med kommunens konto: vad som gäller för den vars grupper inte "
            "ger någon roll i Kanalkoll."
        ),
    )
    organisation_number = models.CharField(
        _("organisationsnummer"),
        max_length=11,
        blank=True,
        default="",
        db_default="",  # rows written by older data migrations get it too
        validators=[validate_organisation_number],
        help_text=_(
            "Kommunens organisationsnummer, tio siffror (212000-0000). Ger utgivarens "
            "adress på Sveriges dataportal i de öppna data."
        ),
    )
    open_data_licence = models.URLField(
        _("licens för öppna data"),
        choices=OPEN_DATA_LICENCES,
        default=OPEN_DATA_LICENCES[0][0],
        db_default=OPEN_DATA_LICENCES[0][0],
        help_text=_("Licensen som förteckningens öppna data ges ut under."),
    )
    privacy_url = models.URLField(
        _("kommunens integritetsmeddelande för sociala medier"),
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Sidan som berättar hur kommunen behandlar personuppgifter i sociala medier. "
            "Visas för varje konto som inte har en egen länk."
        ),
    )
    # Derived on save: materialised path ("/1/4/9/") and the förvaltning above (or self).
    path = models.CharField(
        max_length=255, editable=False, db_index=True, default="", verbose_name=_("sökväg i trädet")
    )
    forvaltning = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("förvaltning"),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisatorisk enhet")
        verbose_name_plural = _("organisatoriska enheter")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.KOMMUN:
            if self.parent_id:
                raise ValidationError(
                    {"parent": _("Kommunen är roten och ingår inte i någon enhet.")}
                )
            other = Unit.objects.filter(kind=self.Kind.KOMMUN).exclude(pk=self.pk)
            if other.exists():
                raise ValidationError({"kind": _("Det finns redan en kommun.")})
        elif self.parent is None:
            raise ValidationError({"parent": _("Ange vilken enhet den här enheten ingår i.")})
        elif self.kind == self.Kind.FORVALTNING and self.parent.kind != self.Kind.KOMMUN:
            raise ValidationError({"parent": _("En förvaltning ingår direkt i kommunen.")})
        elif self.kind == self.Kind.ENHET and self.parent.kind == self.Kind.KOMMUN:
            raise ValidationError(
                {"parent": _("En enhet ingår i en förvaltning eller en annan enhet.")}
            )
        if self.pk and self.parent_id:
            if f"/{self.pk}/" in self.parent.path:
                raise ValidationError({"parent": _("En enhet kan inte ingå i sig själv.")})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._refresh_derived()

    def _refresh_derived(self):
        parent = self.parent
        path = f"{parent.path if parent else '/'}{self.pk}/"
        if self.kind == self.Kind.FORVALTNING:
            forvaltning_id = self.pk
        elif parent is not None:
            forvaltning_id = parent.forvaltning_id
        else:
            forvaltning_id = None
        if (path, forvaltning_id) != (self.path, self.forvaltning_id):
            self.path, self.forvaltning_id = path, forvaltning_id
            Unit.objects.filter(pk=self.pk).update(path=path, forvaltning_id=forvaltning_id)
            for child in self.children.all():
                child._refresh_derived()

    @property
    def ancestor_ids(self):
        """Own id first, then up to the kommun."""
        return ids_up(self.path)

    def ancestors(self):
        """This unit and every unit above it, nearest first."""
        by_id = Unit.objects.in_bulk(self.ancestor_ids)
        return [by_id[i] for i in self.ancestor_ids if i in by_id]

    @property
    def label(self):
        """The unit with its förvaltning, as shown in lists: "Biblioteket, Kulturförvaltningen"."""
        if self.forvaltning_id and self.forvaltning_id != self.pk:
            return f"{self.name}, {self.forvaltning.name}"
        return self.name


class User(AbstractUser):
    unit = protected_fk(
        Unit,
        _("enhet"),
        optional=True,
        related_name="members",
        help_text=_("Den enhet personen är anställd i."),
    )
    title = models.CharField(_("befattning"), max_length=120, blank=True)
    is_break_glass = models.BooleanField(
        _("nödkonto"),
        default=False,
        help_text=_(
            "Får logga in med lösenord även när kommunens inloggning är påslagen. Bara för "
            "systemadministratörens nödkonto; ett nödkonto kan inte logga in med kommunens konto."
        ),
    )
    # The identity provider's subject ("sub") once the person has signed in through it:
    # from then on the person signs in only that way, never with a local password.
    oidc_subject = models.CharField(
        _("id hos kommunens inloggningstjänst"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        editable=False,
    )
    language = models.CharField(
        _("språk"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Det språk personen valt för gränssnittet. Tomt: svenska."),
    )

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        ordering = ["first_name", "last_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    # -- roles ------------------------------------------------------------------
    @cached_property
    def _assignments(self):
        """Every (role, unit id, unit path) this user holds; one query, cached."""
        if not self.pk:
            return []
        return list(self.role_assignments.values_list("role", "unit_id", "unit__path"))

    def roles(self):
        return {role for role, _unit, _path in self._assignments}

    def has_role(self, *roles):
        return any(role in roles for role, _unit, _path in self._assignments)

    def roles_over(self, unit):
        """The roles this user holds in `unit` or in any unit above it."""
        if unit is None:
            return set()
        return {role for role, _uid, path in self._assignments if unit.path.startswith(path)}

    def scope_paths(self):
        """Unit paths whose subtrees this user may see: where they hold a role, and their own unit."""
        paths = {path for _role, _uid, path in self._assignments}
        if self.unit_id:
            paths.add(self.unit.path)
        # Drop paths already covered by a shorter one.
        return sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))

    @property
    def is_systemadmin(self):
        return self.is_active and (self.is_superuser or self.has_role(Role.SYSTEMADMINISTRATOR))

    def has_perm(self, perm, obj=None):
        return self.is_systemadmin or super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        return self.is_systemadmin or super().has_module_perms(app_label)

    def chef(self):
        """The chef of this person: the nearest unit up from their own that has a chef
        other than themselves. A chef's own chef is therefore the chef above them."""
        if self.unit_id is None:
            return None
        return chef_of_unit(self.unit, exclude=self)


class RoleHolders:
    """Who holds the chef and communicator roles in which units, loaded once for many
    units: the rule of chef_of_unit and communicator_of, for one unit or a sweep's
    thousand items alike. The first assignment in a unit wins; people who left hold
    nothing."""

    ROLES = (Role.CHEF, Role.KOMMUNIKATOR)

    def __init__(self):
        self._holders = {}  # (role, unit id) -> [active holders, first assignment first]

    def load(self, unit_ids):
        """Load the holders of the units not loaded yet, in one query."""
        missing = {u for u in unit_ids if (Role.CHEF, u) not in self._holders}
        if not missing:
            return self
        for unit_id in missing:
            for role in self.ROLES:
                self._holders[(role, unit_id)] = []
        for assignment in (
            RoleAssignment.objects.filter(
                role__in=self.ROLES, unit_id__in=missing, user__is_active=True
            )
            .select_related("user")
            .order_by("id")
        ):
            self._holders[(assignment.role, assignment.unit_id)].append(assignment.user)
        return self

    def _nearest(self, role, unit_ids, exclude=None):
        self.load(unit_ids)
        for unit_id in unit_ids:
            for person in self._holders[(role, unit_id)]:
                if exclude is None or person.pk != exclude.pk:
                    return person
        return None

    def chef_of(self, unit_ids, exclude=None):
        """The chef of the unit whose ids (own first, then up) are given: the nearest
        unit up that has a chef other than `exclude`."""
        return self._nearest(Role.CHEF, unit_ids, exclude)

    def communicator_of(self, unit_ids, forvaltning_id):
        """The communicator serving the unit: held in its förvaltning, or above."""
        if forvaltning_id in unit_ids:
            unit_ids = unit_ids[unit_ids.index(forvaltning_id) :]
        return self._nearest(Role.KOMMUNIKATOR, unit_ids)


def chef_of_unit(unit, exclude=None):
    """The chef responsible for `unit`: nearest unit up the tree that has one."""
    return RoleHolders().chef_of(unit.ancestor_ids, exclude=exclude)


def communicator_of(unit):
    """The förvaltningskommunikatör serving `unit` (held in its förvaltning, or above)."""
    return RoleHolders().communicator_of(unit.ancestor_ids, unit.forvaltning_id)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    unit = protected_fk(Unit, _("enhet"), related_name="role_assignments")
    role = models.CharField(_("roll"), max_length=40, choices=Role.choices)
    # Set when a sign-in through the identity provider granted the role: the group (or
    # unit claim) that gave it. Such roles follow the groups at every sign-in; a role
    # given by hand (blank here) is left alone.
    sign_in_source = models.CharField(
        _("given vid inloggning av"), max_length=300, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("roll")
        verbose_name_plural = _("roller")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_role_in_unit"),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_role_display()} ({self.unit})"


class AbsenceQuerySet(KeptQuerySet):
    def active(self):
        return self.filter(cancelled_at__isnull=True)

    def on(self, day):
        return self.active().filter(starts_on__lte=day, ends_on__gte=day)


class Absence(Kept):
    """Who stood in for whom, and when: cancelled (återkallad), never deleted."""

    kept_message = _("Frånvaro tas aldrig bort; den återkallas.")

    user = user_fk(_("person"), related_name="absences")
    starts_on = models.DateField(_("från och med"))
    ends_on = models.DateField(_("till och med"))
    substitute = user_fk(
        _("ersättare"),
        related_name="substituting",
        help_text=_("Den som tar över ditt arbete i Kanalkoll medan du är borta."),
    )
    note = models.CharField(_("kommentar"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registrerad"))
    cancelled_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("frånvaro")
        verbose_name_plural = _("frånvaro")
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="absence_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(substitute=models.F("user")), name="absence_substitute_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.starts_on}–{self.ends_on}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Slutdatum kan inte vara före startdatum.")})
        if self.user_id and self.substitute_id == self.user_id:
            raise ValidationError({"substitute": _("Du kan inte vara din egen ersättare.")})


class Handover(Kept):
    """Someone left (organisation.services.deactivate_user): what they were responsible
    for is flagged, and the communicator names a successor."""

    kept_message = _("Överlämningar tas aldrig bort.")

    user = user_fk(_("person"), related_name="handovers")
    created_at = models.DateTimeField(_("registrerad"))
    created_by = user_fk(_("avaktiverad av"), optional=True)
    reason = models.TextField(_("anledning"), blank=True)
    successor = user_fk(_("efterträdare"), optional=True)
    resolved_at = models.DateTimeField(_("överlämnad"), null=True, blank=True)
    resolved_by = user_fk(_("avgjord av"), optional=True)

    class Meta:
        verbose_name = _("överlämning")
        verbose_name_plural = _("överlämningar")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_handover",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class HandoverEvent(Event):
    """A departure flagged, and the successor named."""

    class Action(models.TextChoices):
        OPENED = "registrerad", _("Överlämning registrerad")
        RESOLVED = "overlamnad", _("Efterträdare utsedd")

    handover = subject(Handover, _("överlämning"))
    action = action_field(Action.choices)


class PersonEvent(Event):
    """The person's history: roles granted and removed, the unit changed, the link to the
    kommun's identity provider, each with what caused it (the comment)."""

    class Action(models.TextChoices):
        ROLE_GRANTED = "roll_tilldelad", _("Roll tilldelad")
        ROLE_REMOVED = "roll_borttagen", _("Roll borttagen")
        UNIT_CHANGED = "enhet_andrad", _("Enhet ändrad")
        LINKED = "kopplad", _("Kopplad till kommunens konto")

    person = subject(User, _("person"), related_name="person_events")
    action = action_field(Action.choices)

    class Meta(Event.Meta):
        verbose_name = _("händelse för personen")
        verbose_name_plural = _("personens historik")
