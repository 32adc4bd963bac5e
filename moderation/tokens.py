"""API keys for monitoring tools: issued and revoked by the register's curators.

A key is `kk_` and 43 random URL-safe characters. Only its SHA-256 is stored, with its
first characters (the prefix) to recognise it in lists; the key itself is returned once,
from `issue`, and never again.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.access import can_register
from accounts.models import Status

from .models import ApiToken

MAX_KEY_LENGTH = 200


class TokenConflict(Exception):
    """The key is already revoked."""


def issue(actor, account, name, *, now):
    """Issue a key for `account`; returns (token, key). The key is not stored."""
    if not can_register(actor):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen hanterar API-nycklar.")
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Ange vilket verktyg som ska använda nyckeln.")})
    if account.status == Status.CLOSED:
        raise ValidationError({"account": _("Kontot är avslutat.")})
    return ApiToken.issue(actor=actor, now=now, account=account, name=name)


def revoke(actor, token_id, *, now):
    """Revoke a key; a second revocation is a conflict and changes nothing."""
    if not can_register(actor):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen hanterar API-nycklar.")
        )
    token, revoked = ApiToken.revoke_key(token_id, actor=actor, now=now)
    if not revoked:
        raise TokenConflict(_("Nyckeln är redan återkallad. Ingenting ändrades."))
    return token


class BadKey(Exception):
    """The request carries no key, an unknown one or a revoked one."""


def authenticate(key, *, now):
    """The active token for `key`, with its last use recorded; BadKey otherwise."""
    if not key:
        raise BadKey(_("Ange nyckeln i huvudet Authorization: Bearer <nyckel>."))
    token = None
    if len(key) <= MAX_KEY_LENGTH and key.isascii():
        token = ApiToken.objects.filter(key_hash=ApiToken.hash(key)).first()
    if token is None:
        raise BadKey(_("Okänd nyckel."))
    if token.revoked_at is not None:
        raise BadKey(_("Nyckeln är återkallad."))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return token
