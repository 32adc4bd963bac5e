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
    groups = {g.strip().lower() for g in claim_list(claims, groups_claim) if g.strip()}
    mappings = (
        GroupMapping.objects.annotate(key=Lower("group"))
        .filter(key__in=groups)
        .select_related("unit")
        .order_by("group", "pk")
    )
    roles = {}
    for mapping in mappings:
        roles.setdefault(
            (mapping.unit, mapping.role), (mapping.label, granted_cause(mapping.label))
        )
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
