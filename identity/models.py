"""Which of the identity provider's groups gives which role in which unit: kept by the
systemadministratör, applied at every sign-in (identity.signin)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.fields import protected_fk, user_fk
from core.keys import IssuedKey
from organisation.models import Role, Unit


class GroupMapping(models.Model):
    group = models.CharField(
        _("grupp"),
        max_length=256,
        help_text=_(
            "Gruppens objekt-id i Entra ID (eller gruppens namn, om kommunens "
            "inloggningstjänst skickar namn), som det står i gruppanspråket."
        ),
    )
    role = models.CharField(_("roll"), max_length=40, choices=Role.choices)
    unit = protected_fk(Unit, _("enhet"), related_name="group_mappings")
    note = models.CharField(
        _("beskrivning"),
        max_length=200,
        blank=True,
        help_text=_("Till exempel gruppens namn, så att mappningen går att känna igen."),
    )

    class Meta:
        verbose_name = _("gruppmappning")
        verbose_name_plural = _("gruppmappningar")
        ordering = ["group", "unit__path", "role"]
        constraints = [
            models.UniqueConstraint(
                Lower("group"), "unit", "role", name="unique_group_role_in_unit"
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.get_role_display()} ({self.unit})"

    @property
    def label(self):
        return f"{self.group} ({self.note})" if self.note else self.group

    def clean(self):
        self.group = (self.group or "").strip()
        if not self.group:
            raise ValidationError({"group": _("Ange gruppens objekt-id eller namn.")})
        duplicate = GroupMapping.objects.filter(
            group__iexact=self.group, unit_id=self.unit_id, role=self.role
        ).exclude(pk=self.pk)
        if self.unit_id and duplicate.exists():
            raise ValidationError(_("Den här gruppen ger redan den rollen i den enheten."))


class ScimToken(IssuedKey):
    """The kommun's directory's key to the SCIM endpoint (/scim/v2/), issued by the
    systemadministratör (core.keys)."""

    name = models.CharField(
        _("katalog"),
        max_length=100,
        help_text=_("Vilken katalog som använder nyckeln, till exempel Entra ID."),
    )

    class Meta(IssuedKey.Meta):
        verbose_name = _("SCIM-nyckel")
        verbose_name_plural = _("SCIM-nycklar")


class DirectoryEntry(models.Model):
    """What the kommun's directory says about a person beyond the user itself: its own
    id for them (externalId), their department as written there, and their manager.
    The manager is also given the chef role in the person's unit (identity.scim), so
    plans route to the chef the directory names."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="directory_entry",
        verbose_name=_("person"),
    )
    external_id = models.CharField(_("id i katalogen"), max_length=255, blank=True)
    department = models.CharField(_("avdelning i katalogen"), max_length=255, blank=True)
    manager = user_fk(_("chef enligt katalogen"), optional=True, related_name="directory_reports")
    display_name = models.CharField(_("visningsnamn i katalogen"), max_length=255, blank=True)
    email_type = models.CharField(_("typ av e-postadress"), max_length=40, blank=True)
    # The directory deleted the person: deactivated, and no longer a SCIM resource (a
    # later POST with the same userName provisions the same person again).
    deprovisioned = models.BooleanField(_("borttagen ur katalogen"), default=False)

    class Meta:
        verbose_name = _("uppgift från katalogen")
        verbose_name_plural = _("uppgifter från katalogen")

    def __str__(self):
        return str(self.user)


class DirectoryGroup(models.Model):
    """A group provisioned by the kommun's directory (SCIM Groups). Its id or name is
    what a group mapping names; its members are kept as the directory sends them."""

    scim_id = models.UUIDField(unique=True, editable=False)
    display_name = models.CharField(_("namn"), max_length=256, unique=True)
    external_id = models.CharField(_("id i katalogen"), max_length=255, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="directory_groups",
        verbose_name=_("medlemmar"),
    )

    class Meta:
        verbose_name = _("grupp från katalogen")
        verbose_name_plural = _("grupper från katalogen")
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name
