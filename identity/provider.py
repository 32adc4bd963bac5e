"""The kommun's identity provider (OpenID Connect: Entra ID, ADFS), as the environment
configures it: enabled when OIDC_ISSUER and OIDC_RP_CLIENT_ID are set.

The provider's endpoints come from its discovery document
(`<issuer>/.well-known/openid-configuration`), fetched at the first sign-in and kept for
OIDC_DISCOVERY_TTL seconds. Requests to the provider do not go through core.netguard:
that guard is for addresses that users type (feeds, captures) and refuses every address
that is not public and every port but 80 and 443, while the provider is named by the
operator and often sits inside the kommun's network (ADFS). Its own rules instead: the
discovery document's `issuer` must be the configured issuer, every endpoint must be on
the issuer's own host and port, over https (plain http only on a loopback address, for a
development provider), and no redirect is followed.
"""

import ipaddress
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"

_cache = {}
_lock = threading.Lock()


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable. str() is for
    the user (Swedish); `detail` is for the log and never holds a secret."""

    def __init__(self, detail):
        super().__init__(
            _("Kommunens inloggningstjänst gick inte att nå. Försök igen om en stund.")
        )
        self.detail = detail


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization: str
    token: str
    jwks: str
    end_session: str  # "" when the provider does not offer RP-initiated logout


def enabled():
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def issuer():
    configured = settings.OIDC_ISSUER.rstrip("/")
    if configured.endswith(WELL_KNOWN):
        return configured[: -len(WELL_KNOWN)]
    return configured


def discovery_url():
    return issuer() + WELL_KNOWN


def _origin(url):
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url):
    """`url` if it is on the configured issuer's own origin (https, or http on a
    loopback address), else ProviderError."""
    if not isinstance(url, str) or not url:
        raise ProviderError("missing endpoint")
    scheme, host, port = _origin(url)
    if (scheme, host, port) != _origin(issuer()):
        raise ProviderError(f"endpoint {url!r} is not on the issuer's origin")
    if scheme != "https" and not (scheme == "http" and _loopback(host)):
        raise ProviderError(f"endpoint {url!r} is not https")
    return url


def http(method, url, **kwargs):
    """One request to the provider: origin checked, no redirect followed, the configured
    timeout. Errors become ProviderError with the status only (never a body)."""
    check_url(url)
    try:
        response = requests.request(
            method, url, timeout=settings.OIDC_TIMEOUT, allow_redirects=False, **kwargs
        )
    except requests.RequestException as exc:
        raise ProviderError(f"{method} {url}: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise ProviderError(f"{method} {url}: status {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderError(f"{method} {url}: not JSON") from exc


def endpoints():
    """The provider's endpoints (cached), or ProviderError."""
    url = discovery_url()
    with _lock:
        cached = _cache.get(url)
        if cached and time.monotonic() - cached[0] < settings.OIDC_DISCOVERY_TTL:
            return cached[1]
    document = http("GET", url)
    named = document.get("issuer") if isinstance(document, dict) else None
    if not isinstance(named, str) or named.rstrip("/") != issuer():
        raise ProviderError(f"{url}: issuer {named!r} is not {issuer()!r}")
    found = Endpoints(
        issuer=document["issuer"],
        authorization=check_url(document.get("authorization_endpoint")),
        token=check_url(document.get("token_endpoint")),
        jwks=check_url(document.get("jwks_uri")),
        end_session=check_url(document["end_session_endpoint"])
        if document.get("end_session_endpoint")
        else "",
    )
    with _lock:
        _cache[url] = (time.monotonic(), found)
    logger.info("OIDC provider %s discovered", found.issuer)
    return found


def forget():
    """Drop the cached discovery documents (tests, a changed configuration)."""
    with _lock:
        _cache.clear()
