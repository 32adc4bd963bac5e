"""The two ways in: the kommun's identity provider (OpenID Connect, authorization code
with PKCE, through mozilla-django-oidc) and, beside it, local passwords.

When the provider is configured, a local password works only for accounts marked as
nödkonto (break-glass); and a person who has once signed in through the provider never
signs in with a password again. django-axes (first in AUTHENTICATION_BACKENDS) counts
failed password sign-ins as before.
"""

import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core import registry
from organisation.services import apply_sign_in

from . import provider
from .signin import SignInRefused, claim_list, decide, removed_cause

logger = logging.getLogger(__name__)

LEEWAY_SECONDS = 60  # clock difference tolerated on the ID token's exp and iat


class LocalPasswordBackend(ModelBackend):
    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user) or user.oidc_subject:
            return False
        return user.is_break_glass or not provider.enabled()


class KommunOIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person the verified ID token names, with the roles their groups
    give. Called only by identity.views.callback (with `nonce` and `now`); refusals are
    SignInRefused (shown on a page), forged or stale answers SuspiciousOperation."""

    def __init__(self, *args, **kwargs):
        # The endpoints come from the discovery document, read when a sign-in happens.
        self.UserModel = get_user_model()

    def authenticate(self, request, nonce=None, code_verifier=None, *, now, **kwargs):
        # Django binds the credentials to this signature first: a password sign-in (no
        # now) does not bind, and Django goes on to the next backend.
        if request is None or nonce is None or now is None or not provider.enabled():
            return None  # a password sign-in, or the provider is off
        found = provider.endpoints()
        self.endpoints = found
        self.now = now
        self.OIDC_OP_TOKEN_ENDPOINT = found.token
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks
        self.OIDC_OP_USER_ENDPOINT = None
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)

    # -- talking to the provider -------------------------------------------------------
    def get_token(self, payload):
        """The token answer, from the provider's token endpoint (client_secret_post)."""
        answer = provider.http("POST", self.OIDC_OP_TOKEN_ENDPOINT, data=payload)
        if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
            raise provider.ProviderError("token answer without an id_token")
        return answer

    def retrieve_matching_jwk(self, token):
        jwks = provider.http("GET", self.OIDC_OP_JWKS_ENDPOINT)
        header = jwt.get_unverified_header(token)
        for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            if key.get("kid") == header.get("kid") and key.get(
                "alg", header.get("alg")
            ) == header.get("alg"):
                return jwt.PyJWK(key)
        raise SuspiciousOperation("no key in the provider's JWKS matches the ID token")

    def _verify_jws(self, payload, key):
        """The ID token's claims: signed with the configured algorithm by the key, issued
        by the configured issuer for this client, not expired."""
        try:
            header = jwt.get_unverified_header(payload)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation("ID token signed with another algorithm")
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.endpoints.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from exc

    def get_userinfo(self, access_token, id_token, payload):
        """The claims are the verified ID token's (Entra ID sends groups there)."""
        return payload

    def store_tokens(self, access_token, id_token):
        """Nothing is kept: the session does not hold the provider's tokens."""

    # -- the person --------------------------------------------------------------------
    def _username(self, claims):
        values = claim_list(claims, settings.OIDC_USERNAME_CLAIM)
        return values[0].strip() if values else ""

    def verify_claims(self, claims):
        if not self._username(claims):
            raise SignInRefused(
                _("Kommunens inloggningstjänst skickade inget användarnamn (anspråket %(claim)s).")
                % {"claim": settings.OIDC_USERNAME_CLAIM}
            )
        return True

    def filter_users_by_claims(self, claims):
        linked = self.UserModel.objects.filter(oidc_subject=claims["sub"])
        if linked.exists():
            return linked
        return self.UserModel.objects.filter(
            username__iexact=self._username(claims), oidc_subject__isnull=True
        )

    def create_user(self, claims):
        decision = decide(claims)
        if decision.refusal:
            raise SignInRefused(decision.refusal)
        user = self.UserModel(username=self._username(claims)[:150])
        self._copy_names(user, claims)
        user.set_unusable_password()
        user.save()
        return self._apply(user, claims, decision)

    def update_user(self, user, claims):
        if user.is_break_glass:
            raise SignInRefused(
                _("%(user)s är ett nödkonto och loggar bara in med lösenord.") % {"user": user}
            )
        if not user.is_active:
            raise SignInRefused(
                _("Ditt konto i Kanalkoll är avaktiverat. Kontakta kommunens systemadministratör.")
            )
        if self._copy_names(user, claims):
            user.save(update_fields=["first_name", "last_name", "email"])
            registry.public_register_changed(now=self.now)  # the register may name them
        return self._apply(user, claims, decide(claims))

    def _copy_names(self, user, claims):
        changed = False
        for field, claim in (
            ("first_name", "given_name"),
            ("last_name", "family_name"),
            ("email", "email"),
        ):
            value = claims.get(claim)
            if isinstance(value, str) and value.strip() and getattr(user, field) != value.strip():
                setattr(user, field, value.strip()[:150])
                changed = True
        if not user.first_name and not user.last_name and isinstance(claims.get("name"), str):
            first, _sep, last = claims["name"].strip().partition(" ")
            user.first_name, user.last_name = first[:150], last[:150]
            changed = True
        return changed

    def _apply(self, user, claims, decision):
        """The roles the groups give now (none when refused: the person is demoted before
        the refusal), recorded in the person's history."""
        apply_sign_in(
            user,
            roles=decision.roles,
            unit=decision.unit,
            link_subject=claims["sub"],
            now=self.now,
            removed_cause=removed_cause,
        )
        if decision.refusal:
            raise SignInRefused(decision.refusal)
        logger.info("OIDC sign-in: %s", user.username)
        return user
