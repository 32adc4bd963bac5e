from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import notify

from .handovers import open_handover
from .models import Absence, PersonEvent, RoleAssignment, User


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


DIRECTORY_SOURCE = "scim:"


def _role_data(unit, role):
    return {"role": role, "unit": unit.pk, "unit_name": unit.name}


def apply_sign_in(
    user, *, roles, unit=None, link_subject=None, now, removed_cause, leave_sources=()
):
    """What a sign-in through the kommun's identity provider says about `user`, applied
    in one transaction and recorded in the person's history (PersonEvent), each change
    with its cause.

    `roles` maps (unit, role) to (source, cause): the roles the person's groups give
    now. A role missing is granted (marked with its source); a role granted at an
    earlier sign-in that no group gives any more is removed (`removed_cause(source)` its
    comment); roles given by hand are left alone, and so are those whose source starts
    with one of `leave_sources` (the directory's groups, identity.scim, leave the role
    a unit claim gave at sign-in alone). `unit`, when given, becomes the
    person's own unit. `link_subject` links the person to the provider's subject: from
    then on they sign in only through it (their local password is made unusable).
    Returns the number of changes recorded."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changes = 0

        def record(action, comment, data):
            nonlocal changes
            changes += 1
            PersonEvent.write(locked, action, actor=None, at=now, comment=comment, data=data)

        if link_subject is not None and locked.oidc_subject != link_subject:
            locked.oidc_subject = link_subject
            locked.set_unusable_password()
            locked.save(update_fields=["oidc_subject", "password"])
            record(PersonEvent.Action.LINKED, _("inloggning via OIDC"), {})
        if unit is not None and locked.unit_id != unit.pk:
            before = locked.unit
            locked.unit = unit
            locked.save(update_fields=["unit"])
            record(
                PersonEvent.Action.UNIT_CHANGED,
                _("inloggning via OIDC, enheten i kommunens konto"),
                {"from": before.name if before else None, "unit": unit.pk, "unit_name": unit.name},
            )
        current = {(a.unit_id, a.role): a for a in locked.role_assignments.select_related("unit")}
        wanted = {
            (u.pk, role): (u, role, source, cause) for (u, role), (source, cause) in roles.items()
        }
        for key, (role_unit, role, source, cause) in sorted(wanted.items()):
            held = current.get(key)
            if held is None:
                RoleAssignment.objects.create(
                    user=locked, unit=role_unit, role=role, sign_in_source=source
                )
                record(PersonEvent.Action.ROLE_GRANTED, cause, _role_data(role_unit, role))
            elif held.sign_in_source and held.sign_in_source != source:
                held.sign_in_source = source  # another of the person's groups gives it now
                held.save(update_fields=["sign_in_source"])
        for key, held in sorted(current.items()):
            # A chef role the directory gives (SCIM `manager`) follows the directory, not
            # the groups of a sign-in.
            left = held.sign_in_source.startswith((DIRECTORY_SOURCE, *leave_sources))
            if held.sign_in_source and not left and key not in wanted:
                held.delete()
                record(
                    PersonEvent.Action.ROLE_REMOVED,
                    removed_cause(held.sign_in_source),
                    _role_data(held.unit, held.role),
                )
    user.refresh_from_db()
    user.__dict__.pop("_assignments", None)
    return changes


def record_role_changes(before, after, *, actor, now, cause):
    """Record in each person's history the roles granted and removed between two sets of
    (user id, unit, role), e.g. around an edit in the admin; returns the number recorded."""
    users = User.objects.in_bulk({user_id for user_id, _unit, _role in before ^ after})
    changes = [(PersonEvent.Action.ROLE_GRANTED, held) for held in after - before]
    changes += [(PersonEvent.Action.ROLE_REMOVED, held) for held in before - after]
    for action, (user_id, unit, role) in sorted(changes, key=lambda c: (c[1][0], c[0])):
        PersonEvent.write(
            users[user_id], action, actor=actor, at=now, comment=cause, data=_role_data(unit, role)
        )
    return len(changes)
