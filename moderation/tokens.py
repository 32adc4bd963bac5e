"""API keys for monitoring tools: issued and revoked by the register's curators.

A key is `kk_` and 43 random URL-safe characters. Only its SHA-256 is stored, with its
first characters (the prefix) to recognise it in lists; the key itself is returned once,
from `issue`, and never again.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import can_register
from accounts.models import Status

from .models import ApiToken

KEY_START = "kk_"
PREFIX_LENGTH = 10  # "kk_" and seven characters of the key
MAX_KEY_LENGTH = 200


class TokenConflict(Exception):
    """The key is already revoked."""


def new_key():
    return KEY_START + secrets.token_urlsafe(32)


def issue(actor, account, name, *, now):
    """Issue a key for `account`; returns (token, key). The key is not stored."""
    if not can_register(actor):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen hanterar API-nycklar.")
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Ange vilket verktyg som ska använda nyckeln.")})
    key = new_key()
    if account.status == Status.CLOSED:
        raise ValidationError({"account": _("Kontot är avslutat.")})
    token = ApiToken.objects.create(
        account=account,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=ApiToken.hash(key),
        created_by=actor,
        created_at=now,
    )
    return token, key


def revoke(actor, token_id, *, now):
    """Revoke a key; a second revocation is a conflict and changes nothing."""
    if not can_register(actor):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen hanterar API-nycklar.")
        )
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        if token.revoked_at is not None:
            raise TokenConflict(_("Nyckeln är redan återkallad. Ingenting ändrades."))
        token.revoked_at, token.revoked_by = now, actor
        token.save(update_fields=["revoked_at", "revoked_by"])
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
