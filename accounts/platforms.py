"""The platform catalogue: which platforms the register knows, read from the database
(accounts.models.Platform, kept by the systemadministratör in the admin), so that a new
platform (Bluesky, say) is added without a change of code.

Each platform has a slug (what `Account.platform` holds: "instagram", "facebook_sida",
…), a name, the host patterns that recognise an address as the platform's (`host`,
`*.host` for any subdomain, optionally followed by a path prefix: `facebook.com/groups/`),
its other host names and the main one they mean (`twitter.com x.com`: the URL key's
normalisation, accounts.urlkeys), its short links (`youtu.be youtube.com/watch?v=`: a
one-segment path there is the value of that parameter on the target), and where a feed
is found from the account's address (`{url}.rss`).

The catalogue is read once and kept in the process until a platform is saved (in this
process at once; other processes within CACHE_SECONDS). The slugs below are the twelve
platforms first migrated, named for the code that treats one of them specially
(Mastodon's rel="me"): constants of their slugs, not a second catalogue.
"""

import re
import threading
import time
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

FACEBOOK_PAGE = "facebook_sida"
FACEBOOK_GROUP = "facebook_grupp"
INSTAGRAM = "instagram"
X = "x"
LINKEDIN = "linkedin"
YOUTUBE = "youtube"
TIKTOK = "tiktok"
THREADS = "threads"
MASTODON = "mastodon"
BLOG = "blogg"
PODCAST = "podd"
OTHER = "annan"

CACHE_SECONDS = 60
SLUG_RE = re.compile(r"^[a-z0-9_]{1,20}$")
HOST_PATTERN_RE = re.compile(
    r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(/[^\s]*)?$"
)

# The catalogue as first migrated (accounts 0004_platform_catalogue writes it). From
# then on the database is the catalogue.
SEED = [
    # slug, name, host patterns, aliases, short links, feed template
    (FACEBOOK_PAGE, "Facebook-sida", "facebook.com",
     "fb.com facebook.com\nweb.facebook.com facebook.com\nmbasic.facebook.com facebook.com\n"
     "touch.facebook.com facebook.com", "", ""),
    (FACEBOOK_GROUP, "Facebook-grupp", "facebook.com/groups/", "", "", ""),
    (INSTAGRAM, "Instagram", "instagram.com", "instagr.am instagram.com", "", ""),
    (X, "X", "x.com", "twitter.com x.com", "", ""),
    (LINKEDIN, "LinkedIn", "linkedin.com", "*.linkedin.com linkedin.com", "", ""),
    (YOUTUBE, "YouTube", "youtube.com", "", "youtu.be youtube.com/watch?v=", ""),
    (TIKTOK, "TikTok", "tiktok.com", "", "", ""),
    (THREADS, "Threads", "threads.com", "threads.net threads.com", "", ""),
    (MASTODON, "Mastodon", "mastodon.social\nmastodon.nu\nmastodon.online", "", "",
     "{url}.rss"),
    (BLOG, "Blogg", "", "", "", ""),
    (PODCAST, "Podd", "", "", "", ""),
    (OTHER, "Annan", "", "", "", ""),
]  # fmt: skip


@dataclass(frozen=True)
class Entry:
    slug: str
    name: str
    patterns: tuple = ()  # ((host or ".suffix", path prefix), …)
    feed_template: str = ""


@dataclass(frozen=True)
class Catalogue:
    """The rules of every platform, as urlkeys and the register read them."""

    entries: tuple = ()
    aliases: dict = field(default_factory=dict)  # host -> main host
    suffix_aliases: tuple = ()  # ((".linkedin.com", "linkedin.com"), …)
    short_links: dict = field(default_factory=dict)  # host -> (host, path, parameter)

    @classmethod
    def build(cls, rows):
        """From (slug, name, hosts, aliases, short links, feed template) rows."""
        entries, aliases, suffixes, shorts = [], {}, [], {}
        for slug, name, hosts, alias_lines, short_lines, feed in rows:
            entries.append(Entry(slug, str(name), tuple(map(_pattern, lines(hosts))), feed.strip()))
            for line in lines(alias_lines):
                other, main = line.split()
                if other.startswith("*."):
                    suffixes.append((other[1:], main))
                else:
                    aliases[other] = main
            for line in lines(short_lines):
                host, target = line.split()
                target_host, _sep, rest = target.partition("/")
                path, _q, parameter = rest.partition("?")
                shorts[host] = (target_host, "/" + path, parameter.rstrip("="))
        return cls(tuple(entries), aliases, tuple(suffixes), shorts)

    def main_host(self, host):
        if host in self.aliases:
            return self.aliases[host]
        for suffix, main in self.suffix_aliases:
            if host.endswith(suffix):
                return main
        return host

    def by_slug(self, slug):
        return next((e for e in self.entries if e.slug == slug), None)

    def recognise(self, key):
        """The platform whose host pattern matches the URL key (the most specific
        pattern wins), or None."""
        host, _sep, path = key.partition("/")
        path = "/" + path
        best, best_length = None, -1
        for entry in self.entries:
            for pattern_host, prefix in entry.patterns:
                if pattern_host.startswith("."):
                    matches = host.endswith(pattern_host)
                else:
                    matches = host == pattern_host
                length = len(pattern_host) + len(prefix)
                if matches and path.startswith(prefix) and length > best_length:
                    best, best_length = entry, length
        return best


def lines(text):
    return [line.strip().lower() for line in (text or "").splitlines() if line.strip()]


def _pattern(line):
    """("host" or ".suffix" for "*.suffix", path prefix or "")."""
    host, slash, path = line.partition("/")
    return (host[1:] if host.startswith("*.") else host), slash + path


SEED_CATALOGUE = Catalogue.build(SEED)

_lock = threading.Lock()
_cached = {"catalogue": None, "at": 0.0}


def catalogue():
    """The catalogue from the database, kept for CACHE_SECONDS (and dropped in this
    process whenever a platform is saved)."""
    with _lock:
        found = _cached["catalogue"]
        if found is not None and time.monotonic() - _cached["at"] < CACHE_SECONDS:
            return found
    from .models import Platform

    rows = Platform.objects.order_by("position", "name").values_list(
        "slug", "name", "hosts", "aliases", "short_links", "feed_template"
    )
    found = Catalogue.build(rows)
    with _lock:
        _cached.update(catalogue=found, at=time.monotonic())
    return found


def forget(**kwargs):
    """post_save/post_delete of a Platform: read the catalogue again."""
    with _lock:
        _cached["catalogue"] = None


def choices():
    """(slug, name) of every platform, in the catalogue's order: the forms' choices."""
    return [(entry.slug, entry.name) for entry in catalogue().entries]


def names():
    return {entry.slug: entry.name for entry in catalogue().entries}


def name_of(slug):
    return names().get(slug, slug)


def recognise(key):
    """The catalogue's entry for an address (its URL key), or None."""
    return catalogue().recognise(key)


def discover_feed(slug, url):
    """The feed address of an account on platform `slug` at `url`, where the platform
    has one (the template's `{url}` is the address without a trailing slash), else ""."""
    entry = catalogue().by_slug(slug)
    if entry is None or not entry.feed_template:
        return ""
    return entry.feed_template.replace("{url}", url.strip().rstrip("/"))


def validate_platform(value):
    from django.core.exceptions import ValidationError

    if value not in names():
        raise ValidationError(
            _("Okänd plattform: %(value)s. Plattformarna finns i plattformskatalogen.")
            % {"value": value},
            code="unknown_platform",
        )
