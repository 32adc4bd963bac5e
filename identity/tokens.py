"""The kommun's directory's keys to /scim/v2/: issued and revoked by the
systemadministratör. Made and checked like the API keys (moderation.tokens): only the
SHA-256 is stored, the key is returned once, from `issue`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from moderation.models import ApiToken
from moderation.tokens import PREFIX_LENGTH, new_key

from .models import ScimToken


def _check(actor):
    if not actor.is_systemadmin:
        raise PermissionDenied(_("Bara systemadministratören hanterar SCIM-nycklar."))


def issue(actor, name, *, now):
    """A new key for the directory `name`; returns (token, key). The key is not stored."""
    _check(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Ange vilken katalog som ska använda nyckeln.")})
    key = new_key()
    token = ScimToken.objects.create(
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=ApiToken.hash(key),
        created_by=actor,
        created_at=now,
    )
    return token, key


def revoke(actor, token_id, *, now):
    """Revoke a key; returns False (and changes nothing) if it already was."""
    _check(actor)
    with transaction.atomic():
        token = ScimToken.objects.select_for_update().get(pk=token_id)
        if token.revoked_at is not None:
            return False
        token.revoked_at, token.revoked_by = now, actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return True
