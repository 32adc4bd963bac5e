"""A sign-in through the kommun's identity provider: who the claims name, which roles
their groups give (GroupMapping), or why they may not sign in.

The claims are the ID token's, verified (signature, issuer, audience, expiry, nonce) by
identity.backends. Which claim holds the user name, the groups and the unit is set in
the environment (OIDC_USERNAME_CLAIM, OIDC_GROUPS_CLAIM, OIDC_UNIT_CLAIM).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from organisation.models import Role, Unit, UnmappedSignIn
from organisation.services import apply_sign_in

from .models import GroupMapping

UNIT_SOURCE = "enhet:"  # sign_in_source of the medarbetare role given by the unit claim


class SignInRefused(Exception):
    """The person may not sign in; str() says why, in Swedish, on the refusal page."""


@dataclass
class Decision:
    roles: dict  # (unit, role) -> (source, cause)
    unit: Unit | None
    refusal: str = ""


def claim_list(claims, name):
    value = claims.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def granted_cause(source):
    if source.startswith(UNIT_SOURCE):
        return _("inloggning via OIDC, ingen mappad grupp: medarbetare i enheten %(unit)s") % {
            "unit": source[len(UNIT_SOURCE) :]
        }
    return _("inloggning via OIDC, grupp %(group)s") % {"group": source}


def removed_cause(source):
    if source.startswith(UNIT_SOURCE):
        return _("inloggning via OIDC, rollen ges inte längre av enheten %(unit)s") % {
            "unit": source[len(UNIT_SOURCE) :]
        }
    return _("inloggning via OIDC, grupp %(group)s finns inte längre bland personens grupper") % {
        "group": source
    }


def directory_cause(source):
    return _("katalogen (SCIM), grupp %(group)s") % {"group": source}


def directory_removed_cause(source):
    return _("katalogen (SCIM), personen är inte längre med i grupp %(group)s") % {"group": source}


def mapped_roles(groups):
    """(unit, role) -> source (the mapping's label) for the groups named in `groups`
    (object ids or names, any letter case), as the GroupMappings give them."""
    keys = {g.strip().lower() for g in groups if g and g.strip()}
    mappings = (
        GroupMapping.objects.annotate(key=Lower("group"))
        .filter(key__in=keys)
        .select_related("unit")
        .order_by("group", "pk")
    )
    roles = {}
    for mapping in mappings:
        roles.setdefault((mapping.unit, mapping.role), mapping.label)
    return roles


def apply_directory_groups(user, *, now):
    """After the directory changed a group's members: the roles `user`'s groups give,
    applied through the same service as a sign-in (organisation.services.apply_sign_in),
    each change recorded in the person's history with its cause. A role a group gave is
    removed when the person is no longer in a group that gives it; roles given by hand,
    by the unit claim at sign-in and by the directory's `manager` are left alone."""
    return apply_sign_in(
        user,
        roles=directory_roles(user),
        now=now,
        removed_cause=directory_removed_cause,
        leave_sources=(UNIT_SOURCE,),
    )


def directory_roles(user):
    """The roles the directory's groups (SCIM Groups, identity.models.DirectoryGroup)
    give `user` through the same GroupMappings as a sign-in: a mapping names a group by
    its object id (the directory's externalId, or its SCIM id) or its name."""
    groups = []
    for group in user.directory_groups.all():
        groups += [group.display_name, group.external_id, str(group.scim_id)]
    return {key: (source, directory_cause(source)) for key, source in mapped_roles(groups).items()}


def claimed_unit(claims):
    """The unit the unit claim names (by name, any letter case), if exactly one has it."""
    names = claim_list(claims, settings.OIDC_UNIT_CLAIM)
    if not names or not names[0].strip():
        return None, ""
    name = names[0].strip()
    units = list(Unit.objects.filter(name__iexact=name)[:2])
    return (units[0] if len(units) == 1 else None), name


def decide(claims):
    """The roles the claims give, the person's unit, or a refusal."""
    groups_claim = settings.OIDC_GROUPS_CLAIM
    unit, unit_name = claimed_unit(claims)
    if groups_claim in (claims.get("_claim_names") or {}):
        # Entra ID sends a link instead of the groups when a person is in too many.
        return Decision(
            {},
            unit,
            _(
                "Ditt konto är med i för många grupper för att inloggningstjänsten ska skicka "
                "dem. Kommunens IT behöver begränsa gruppanspråket till de grupper som är "
                "tilldelade Kanalkoll."
            ),
        )
    roles = {
        key: (source, granted_cause(source))
        for key, source in mapped_roles(claim_list(claims, groups_claim)).items()
    }
    if roles:
        return Decision(roles, unit)
    kommun = Unit.objects.kommun()
    if kommun is None or kommun.oidc_unmapped != UnmappedSignIn.MEDARBETARE:
        return Decision(
            {},
            unit,
            _(
                "Ingen av dina grupper i kommunens katalog ger behörighet till Kanalkoll. "
                "Kontakta kommunens systemadministratör om du behöver komma åt Kanalkoll."
            ),
        )
    if unit is None:
        if unit_name:
            reason = _(
                "Ingen av dina grupper ger behörighet till Kanalkoll, och enheten ”%(unit)s” "
                "som ditt konto anger finns inte i Kanalkoll."
            ) % {"unit": unit_name}
        else:
            reason = _(
                "Ingen av dina grupper ger behörighet till Kanalkoll, och ditt konto anger "
                "ingen enhet."
            )
        return Decision({}, None, reason + " " + _("Kontakta kommunens systemadministratör."))
    source = UNIT_SOURCE + unit.name
    return Decision({(unit, Role.MEDARBETARE): (source, granted_cause(source))}, unit)
