"""Removing a secret that was typed into "Var inloggningsuppgifterna förvaras" from the
account's history: a recorded, attributed action, never a silent rewrite.

The historical rows keep their place in the timeline; only the credentials value is
overwritten with "[borttaget av X den D]", and a CredentialsRedaction row says who did
it, when, why and which history entries it touched (never the secret itself).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import can_register
from .credentials import REMOVED, looks_like_secret
from .models import Account, CredentialsRedaction


class NothingToRedact(Exception):
    """The account's history holds no suspected secret (any more)."""


def may_redact(user):
    """Kommunikationsavdelningen and the kommunikationschef."""
    return can_register(user)


def require_may_redact(user):
    if not may_redact(user):
        raise PermissionDenied(
            _(
                "Bara kommunikationsavdelningen och kommunikationschefen tar bort uppgifter "
                "ur historiken."
            )
        )


def suspect_history_ids(account):
    """The history entries whose credentials value looks like a secret."""
    rows = account.history.values_list("history_id", "credentials_location")
    return [pk for pk, value in rows if looks_like_secret(value)]


def accounts_with_suspect_history():
    """Every account whose history or current value holds a suspected secret."""
    history = Account.history.model.objects.values_list("id", "credentials_location")
    current = Account.objects.values_list("id", "credentials_location")
    return sorted({pk for pk, value in [*history, *current] if looks_like_secret(value)})


def marker_for(actor, now):
    name = actor.get_full_name() or actor.get_username()
    return f"[borttaget av {name} den {timezone.localdate(now).isoformat()}]"


def redact_credentials_history(actor, account, now, reason):
    """Overwrite every suspected secret in the account's history (and, if it is still
    there, in the account itself), and record who did it."""
    require_may_redact(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Ange varför uppgiften tas bort.")})
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        history = Account.history.model.objects.select_for_update().filter(id=account.pk)
        ids = [pk for pk, value in history.values_list("history_id", "credentials_location")
               if looks_like_secret(value)]  # fmt: skip
        replace_current = looks_like_secret(account.credentials_location)
        if not ids and not replace_current:
            raise NothingToRedact(_("Historiken innehåller inga misstänkta hemliga uppgifter."))
        marker = marker_for(actor, now)
        record = CredentialsRedaction.objects.create(
            account=account,
            redacted_by=actor,
            redacted_at=now,
            reason=reason[:300],
            history_ids=ids,
            replaced_current=replace_current,
            marker=marker,
        )
        history.filter(history_id__in=ids).update(credentials_location=marker)
        if replace_current:
            account.credentials_location = REMOVED
            account._history_user = actor
            account._history_date = now
            account.updated_at = now
            account._change_reason = _("Misstänkt lösenord borttaget")
            account.save(update_fields=["credentials_location", "updated_at"])
    return record
