"""Which of the identity provider's groups gives which role in which unit: kept by the
systemadministratör, applied at every sign-in (identity.signin)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

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
    unit = models.ForeignKey(
        Unit, verbose_name=_("enhet"), on_delete=models.PROTECT, related_name="group_mappings"
    )
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
