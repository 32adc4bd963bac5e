"""Who may use "Arkiv": kommunarkivet and the communications office."""

from organisation.models import REGISTER_CURATORS, Role

ARCHIVE_ROLES = REGISTER_CURATORS | {Role.ARKIVARIE}


def may_use_archive(user):
    return bool(user and user.is_authenticated and user.has_role(*ARCHIVE_ROLES))
