from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import notify

from .models import Absence


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
