"""Who may use "Arkiv": kommunarkivet and the communications office."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organisation.models import REGISTER_CURATORS, Role

from .periods import Period

ARCHIVE_ROLES = REGISTER_CURATORS | {Role.ARKIVARIE}


def may_use_archive(user):
    return bool(user and user.is_authenticated and user.has_role(*ARCHIVE_ROLES))


def require_archive_role(user):
    if not user.has_role(*ARCHIVE_ROLES):
        raise PermissionDenied(
            _("Arkivet är till för kommunarkivet och kommunikationsavdelningen.")
        )


def period_or_404(key):
    try:
        return Period.from_key(key)
    except ValueError as exc:
        raise Http404(_("Perioden finns inte.")) from exc
