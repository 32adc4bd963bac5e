"""The one shape of an issued key (a monitoring tool's API key, the directory's SCIM
key): only a SHA-256 of the key and its first characters are stored, the key itself is
shown once when issued; who issued and revoked it, and when it was last used. Revoked,
never deleted (core.records.Kept). Each kind subclasses `IssuedKey` and adds its own
`name` and what the key opens."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import Kept, KeptQuerySet


class IssuedKeyQuerySet(KeptQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class IssuedKey(Kept):
    bulk_fields = ("last_used_at",)

    prefix = models.CharField(max_length=12, db_index=True, verbose_name=_("nyckeln börjar"))
    key_hash = models.CharField(
        max_length=64, unique=True, verbose_name=_("kontrollvärde (SHA-256)")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("utfärdad av"),
    )
    created_at = models.DateTimeField(verbose_name=_("utfärdad"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("återkallad"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("återkallad av"),
    )
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("senast använd"))

    objects = IssuedKeyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key):
        return hashlib.sha256(key.encode()).hexdigest()
