"""Who handles requests for allmänna handlingar and who sees the register.

The registrator and kommunikationsavdelningen receive and handle requests; the
kommunikationschef answers for them (and is told after three working days) and may act
too; kommunarkivet sees every request, decision and what was handed out, and acts on
none. TF 2 kap. 16 § asks for a copy "skyndsamt": anyone of the handlers may take a
request on, so that it never waits for one person's return (JO 6813-20)."""

from organisation.models import Role

HANDLER_ROLES = frozenset(
    {Role.REGISTRATOR, Role.KOMMUNIKATIONSAVDELNINGEN, Role.KOMMUNIKATIONSCHEF}
)
VIEWER_ROLES = HANDLER_ROLES | {Role.ARKIVARIE}


def may_handle(user):
    return bool(user and user.is_authenticated and user.is_active and user.has_role(*HANDLER_ROLES))


def may_view(user):
    return bool(user and user.is_authenticated and user.has_role(*VIEWER_ROLES))
