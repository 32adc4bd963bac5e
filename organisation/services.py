from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import notify

from .handovers import open_handover
from .models import Absence, User


def record_absence(user, starts_on, ends_on, substitute, note="", *, now):
    """Record a period away; the substitute is told that work will come to them."""
    with transaction.atomic():
        absence = Absence(
            user=user,
            starts_on=starts_on,
            ends_on=ends_on,
            substitute=substitute,
            note=note,
            created_at=now,
        )
        absence.full_clean()
        absence.save()
        notify(substitute, "absence_substitute", {"absence": absence}, url="", now=now)
    return absence


def cancel_absence(user, absence_id, *, now):
    """Withdraw a recorded absence (it stays on record as återkallad)."""
    with transaction.atomic():
        absence = Absence.objects.select_for_update().get(pk=absence_id)
        if absence.user_id != user.pk:
            raise PermissionDenied(_("Du kan bara återkalla din egen frånvaro."))
        if absence.cancelled_at is None:
            absence.cancelled_at = now
            absence.save(update_fields=["cancelled_at"])
    return absence


def deactivate_user(actor, user, now, reason=""):
    """Someone has left: their user can no longer sign in or act, and what they answered
    for is flagged in a handover (opened by `actor` at `now`, the communicator and the
    kommunikationschef told), unless they answered for nothing. The only way a user is
    deactivated; returns the handover, or None. A second call is refused."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise ValidationError(_("%(person)s är redan avaktiverad.") % {"person": locked})
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        handover = open_handover(locked, now, actor=actor, reason=reason)
    user.is_active = False
    return handover


def reactivate_user(actor, user, now):
    """Someone has come back: they can sign in again. Nothing else changes: a handover
    still open from their departure stays open, and the communicator resolves it as
    before (naming a successor, who may not be the returning person); leaving again
    while it is open opens no second one."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise ValidationError(_("%(person)s är redan aktiv.") % {"person": locked})
        locked.is_active = True
        locked.save(update_fields=["is_active"])
    user.is_active = True
    return locked
