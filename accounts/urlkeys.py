"""Normalising account URLs, so that one account has one key whatever way it is written.

http/https, "www.", "m.", a trailing slash, the letter case and tracking parameters do
not matter; other query parameters (Facebook's profile.php?id=…) do. Percent-encoded
letters and digits are decoded (`ekdala%62ibliotek` is `ekdalabibliotek`), "." and ".."
path segments are resolved as a browser resolves them, and a platform's own other host
names give its main one (`twitter.com/x` is `x.com/x`, `fb.com` is `facebook.com`,
`youtu.be/ID` is `youtube.com/watch?v=ID`): those rules are the platform catalogue's
(accounts.platforms), data the systemadministratör extends.

What a browser would read differently from urllib is refused, never guessed: user
names and passwords, backslashes, percent-encoded host names. An encoded "/", "?", "#"
or "%" stays encoded in the key, so it never matches a plain path. A host is compared
as IDNA (punycode), so a look-alike in another script (Cyrillic "х") never gives the
key of the ASCII host, and only exact host names are aliases: `x.com.evil.example` and
`evil-x.com` are other hosts.

The key is stored, unique, on Account (a changed rule needs a data migration that
recomputes the keys, see accounts/migrations/0006_recompute_url_keys.py).
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
# Percent-encoded characters that mean the same decoded (RFC 3986, 2.3 and 6.2.2.2).
UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class InvalidAccountURL(ValueError):
    """The text is not a usable web address; the message says why, in Swedish."""


def url_key(raw: str, catalogue=None) -> str:
    """The normalised key of an account URL, e.g. "facebook.com/botkyrkakommun".
    `catalogue`: the platforms' rules (accounts.platforms.Catalogue), by default the
    database's."""
    text = (raw or "").strip()
    if not text:
        raise InvalidAccountURL(_("Ange en adress."))
    if len(text) > MAX_LENGTH:
        raise InvalidAccountURL(_("Adressen är för lång (högst 2000 tecken)."))
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InvalidAccountURL(_("Adressen får inte innehålla mellanslag eller radbrytningar."))
    if "\\" in text:  # a browser reads it as "/", urllib does not
        raise InvalidAccountURL(_("Adressen får inte innehålla omvänt snedstreck (\\)."))
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
    if "@" in parts.netloc or parts.username or parts.password:
        raise InvalidAccountURL(_("Adressen får inte innehålla användarnamn eller lösenord."))
    host = parts.hostname or ""
    host = host[:-1] if host.endswith(".") else host  # "x.com." is x.com, "x.com.." nothing
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidAccountURL(_("Adressens värdnamn är ogiltigt.")) from exc
    if not (HOST_RE.match(host) or _is_ip_or_localhost(host)):
        raise InvalidAccountURL(
            _("Adressen saknar ett giltigt värdnamn, till exempel facebook.com.")
        )
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    if catalogue is None:
        from .platforms import catalogue as database_catalogue

        catalogue = database_catalogue()
    host = catalogue.main_host(host)
    path = _remove_dot_segments(re.sub(r"/{2,}", "/", _decode(parts.path)))
    path = path.rstrip("/").lower()
    query = parts.query
    short = catalogue.short_links.get(host)
    if short and port in (None, 80, 443) and re.fullmatch(r"/[a-z0-9_-]+", path):
        # youtu.be/ID is the video youtube.com/watch?v=ID (no channel has such an address)
        value = path[1:]
        host, path, parameter = short
        query = urlencode({parameter: value, **dict(parse_qsl(query))})
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    params = sorted(
        (k.lower(), v.lower())
        for k, v in parse_qsl(query, keep_blank_values=False)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    )
    query = f"?{urlencode(params)}" if params else ""
    return f"{host}{path}{query}"


def _decode(path):
    """The path with percent-encoded unreserved characters (letters, digits, - . _ ~)
    and printable UTF-8 text decoded; every other escape ("%2F", "%3F", "%25", …) kept."""

    def decode_run(match):
        text = bytes.fromhex(match[0].replace("%", "")).decode("utf-8", "surrogateescape")
        return "".join(
            char
            if char in UNRESERVED or (ord(char) >= 0x80 and char.isprintable())
            else "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogateescape"))
            for char in text
        )

    return PERCENT_RUN.sub(decode_run, path)


def _remove_dot_segments(path):
    """RFC 3986, 5.2.4: "/a/./b/../c" is "/c" as a browser requests it."""
    segments = path.split("/")
    out = []
    for segment in segments[1:] if path.startswith("/") else segments:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    last = segments[-1] if segments else ""
    tail = "/" if last in (".", "..") else ""
    return ("/" + "/".join(out) + tail) if path.startswith("/") else "/".join(out) + tail


def _is_ip_or_localhost(host):
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
