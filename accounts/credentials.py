"""Where an account's login is kept: a reference into the kommun's password manager
(which vault, which entry), never the secret itself.

`looks_like_secret(text)` is a conservative detector: it refuses what plainly is a
password, a PIN, a `user:pass` pair or a token, and lets ordinary references through
("1Password, valv Kommunikation, post 'Instagram Biblioteket'", "KeePass –
Kultur/Bibliotek/Instagram"). It is used by the model field's validator (so every form
and the admin refuse a secret), by the register's services (demo data, plans), by the
data migration that cleaned the stored values, and by the history redaction.
"""

import math
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What the data migration and the redaction put in place of a secret.
REMOVED = "Uppgift borttagen – ange var inloggningen förvaras"

# Words that announce a secret when a value follows them.
_KEYWORDS = (
    r"lösenordet|lösenord|losenord|lösen|losen|password|passwd|passord|pwd|pass|pw|"
    r"pin[- ]?kod|pin[- ]?code|pin|"
    r"kod|kodord|engångskod|secret|hemlighet|token|api[-_ ]?key|apinyckel|nyckel"
)
_KEYWORD_VALUE = re.compile(
    rf"(?<![\w])(?:{_KEYWORDS})(?![\w])\s*(?P<sep>[:=]|\bär\b|\bis\b)?\s*(?P<value>[^\s,;]+)",
    re.IGNORECASE,
)
# Names of password managers and common reference words: never a secret themselves.
_REFERENCE_WORDS = {
    "1password",
    "keepass",
    "keepassxc",
    "bitwarden",
    "vaultwarden",
    "lastpass",
    "dashlane",
    "keeper",
    "passbolt",
    "passwordstate",
    "psono",
    "nordpass",
    "enpass",
    "roboform",
    "devolutions",
    "vault",
    "valv",
    "valvet",
    "lösenordsvalvet",
    "i",
    "in",
    "se",
    "see",
    "finns",
    "ligger",
    "förvaras",
    "sparas",
    "stored",
    "kept",
    "hos",
    "via",
    "och",
    "and",
    "för",
    "for",
    "till",
    "manager",
    "post",
    "posten",
    "entry",
}
_USER_PASS = re.compile(r"(?<![\w/])(?P<user>[\w.+-]+(?:@[\w.-]+)?):(?P<secret>[^\s/]{4,})")
_URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
_TOKEN = re.compile(r"[A-Za-z0-9_\-+=/.]{20,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
# Ordinary punctuation in references (paths, names, quotes); not a "symbol" class.
_REFERENCE_PUNCTUATION = set("/\\-–—_.,:;'\"()[]«»”“’ ")


def _classes(token):
    return (
        any(c.islower() for c in token),
        any(c.isupper() for c in token),
        any(c.isdigit() for c in token),
        any(not c.isalnum() and c not in _REFERENCE_PUNCTUATION for c in token),
    )


def _entropy(token):
    counts = {c: token.count(c) for c in set(token)}
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def _password_like(token):
    """Mixed letters, digits and symbols in one word of eight or more: Bokprat2026!"""
    return len(token) >= 8 and all(_classes(token))


def _valueish(value):
    """What follows a keyword is a secret unless it is an ordinary reference word."""
    word = value.lower()
    return bool(word) and word not in _REFERENCE_WORDS


def _kind(c):
    return "a" if c.islower() else "A" if c.isupper() else "0" if c.isdigit() else "."


def _token_like(token):
    """A long run without spaces of letters and digits that change class often and have
    high entropy: an access token or an API key, not "Sociala-medier-Instagram-2024"."""
    if sum(c.isdigit() for c in token) < 3 or not any(c.isalpha() for c in token):
        return False
    changes = sum(_kind(a) != _kind(b) for a, b in zip(token, token[1:], strict=False))
    return changes / (len(token) - 1) >= 0.35 and _entropy(token) >= 3.5


def looks_like_secret(text):
    """True if `text` appears to contain a password, PIN, user:pass pair or token."""
    if not text:
        return False
    if text.strip() == REMOVED or text.startswith("[borttaget av "):
        return False
    if _URL_WITH_PASSWORD.search(text) or _JWT.search(text):
        return True
    for match in _KEYWORD_VALUE.finditer(text):
        value = match["value"].strip("'\"”“’()[]«».")
        if not _valueish(value) or ("/" in value and not _password_like(value)):
            continue
        # After ":" or "=" any value; without, one with digits or symbols ("pin 4711").
        if match["sep"] or any(c.isdigit() for c in value) or _classes(value)[3]:
            return True
    for match in _USER_PASS.finditer(text):
        secret = match["secret"]
        if match["user"].lower() in ("http", "https", "ftp"):
            continue
        if any(c.isdigit() for c in secret) or _classes(secret)[3]:
            if not re.fullmatch(r"\d{1,2}(?::\d{2})*", secret):  # a time of day: 10:30
                return True
    for token in re.split(r"\s+", text):
        word = token.strip("'\"”“’()[]«».,;")
        if _password_like(word):
            return True
    return any(_token_like(token) for token in _TOKEN.findall(text))


SECRET_MESSAGE = _(
    "Det här ser ut som ett lösenord eller en annan hemlig uppgift. Skriv bara var "
    "inloggningen förvaras: lösenordsvalvet och posten i det, till exempel "
    "”1Password, valv Kommunikation, post Instagram Biblioteket”. Lösenord sparas "
    "aldrig i Kanalkoll."
)


def validate_reference(value):
    """The field validator: a reference only, never a secret."""
    if looks_like_secret(value):
        raise ValidationError(SECRET_MESSAGE, code="secret")
