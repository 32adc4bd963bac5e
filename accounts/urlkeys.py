"""Normalising account URLs, so that one account has one key whatever way it is written.

http/https, "www.", "m.", a trailing slash, the letter case and tracking parameters do
not matter; other query parameters (Facebook's profile.php?id=…) do.
"""

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.utils.translation import gettext as _

MAX_LENGTH = 2000
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "igshid",
    "igsh",
    "si",
    "ref",
    "ref_src",
    "ref_url",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "feature",
    "s",
    "t",
    "hl",
    "locale",
}
HOST_PREFIXES = ("www.", "m.", "mobile.")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class InvalidAccountURL(ValueError):
    """The text is not a usable web address; the message says why, in Swedish."""


def url_key(raw: str) -> str:
    """The normalised key of an account URL, e.g. "facebook.com/botkyrkakommun"."""
    text = (raw or "").strip()
    if not text:
        raise InvalidAccountURL(_("Ange en adress."))
    if len(text) > MAX_LENGTH:
        raise InvalidAccountURL(_("Adressen är för lång (högst 2000 tecken)."))
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InvalidAccountURL(_("Adressen får inte innehålla mellanslag eller radbrytningar."))
    if "://" not in text:
        scheme = SCHEME_RE.match(text)
        if scheme and not text[scheme.end() :][:1].isdigit():  # "mailto:x", not "host:8080"
            raise InvalidAccountURL(_("Bara webbadresser (http eller https) kan vara konton."))
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidAccountURL(_("Adressen kan inte tolkas.")) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidAccountURL(_("Bara webbadresser (http eller https) kan vara konton."))
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidAccountURL(_("Adressens värdnamn är ogiltigt.")) from exc
    if parts.username or parts.password:
        raise InvalidAccountURL(_("Adressen får inte innehålla användarnamn eller lösenord."))
    if not (HOST_RE.match(host) or _is_ip_or_localhost(host)):
        raise InvalidAccountURL(
            _("Adressen saknar ett giltigt värdnamn, till exempel facebook.com.")
        )
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/").lower()
    params = sorted(
        (k.lower(), v.lower())
        for k, v in parse_qsl(parts.query, keep_blank_values=False)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    )
    query = f"?{urlencode(params)}" if params else ""
    return f"{host}{path}{query}"


def _is_ip_or_localhost(host):
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
