"""The kommun's directory's keys to /scim/v2/: issued and revoked by the
systemadministratör. Made and revoked as every issued key is (core.keys): only the
SHA-256 is stored, the key is returned once, from `issue`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

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
    return ScimToken.issue(actor=actor, now=now, name=name)


def revoke(actor, token_id, *, now):
    """Revoke a key; returns False (and changes nothing) if it already was."""
    _check(actor)
    _token, revoked = ScimToken.revoke_key(token_id, actor=actor, now=now)
    return revoked
