"""The one shape of an issued key (a monitoring tool's API key, the directory's SCIM
key): only a SHA-256 of the key and its first characters are stored, the key itself is
shown once when issued; who issued and revoked it, and when it was last used. Revoked,
never deleted (core.records.Kept). Each kind subclasses `IssuedKey` and adds its own
`name` and what the key opens."""

import hashlib
import secrets

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .fields import user_fk
from .records import Kept, KeptQuerySet

KEY_START = "kk_"
PREFIX_LENGTH = 10  # "kk_" and seven characters of the key


def new_key():
    """`kk_` and 43 random URL-safe characters."""
    return KEY_START + secrets.token_urlsafe(32)


class IssuedKeyQuerySet(KeptQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class IssuedKey(Kept):
    bulk_fields = ("last_used_at",)

    prefix = models.CharField(max_length=12, db_index=True, verbose_name=_("nyckeln börjar"))
    key_hash = models.CharField(
        max_length=64, unique=True, verbose_name=_("kontrollvärde (SHA-256)")
    )
    created_by = user_fk(_("utfärdad av"))
    created_at = models.DateTimeField(verbose_name=_("utfärdad"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("återkallad"))
    revoked_by = user_fk(_("återkallad av"), optional=True)
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

    @classmethod
    def issue(cls, *, actor, now, **fields):
        """A new key with `fields` (its name, what it opens); returns (record, key). The
        key itself is not stored."""
        key = new_key()
        record = cls.objects.create(
            prefix=key[:PREFIX_LENGTH],
            key_hash=cls.hash(key),
            created_by=actor,
            created_at=now,
            **fields,
        )
        return record, key

    @classmethod
    def revoke_key(cls, pk, *, actor, now):
        """Revoke the key `pk`; returns (record, revoked), where revoked is False (and
        nothing changed) if it already was."""
        with transaction.atomic():
            record = cls.objects.select_for_update().get(pk=pk)
            if record.revoked_at is not None:
                return record, False
            record.revoked_at, record.revoked_by = now, actor
            record.save(update_fields=["revoked_at", "revoked_by"])
        return record, True
