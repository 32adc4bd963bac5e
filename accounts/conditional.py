"""Conditional requests and the cache of the public register's pages, JSON and files.

Every representation is identified by the register's version (accounts.registerversion)
and what else it depends on (its kind, the language, its parameters, and for a page with
the site's header who is signed in). A client that sends the ETag (If-None-Match) or the
date (If-Modified-Since) of the version it has gets 304 Not Modified; a cache miss
builds the body once per version and filter.
"""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from . import registerversion

log = logging.getLogger(__name__)

# Old versions' entries are never read again (the key names the version); they expire.
TIMEOUT = 24 * 60 * 60


def tiers():
    """The caches a body is kept in, nearest first: this process's own memory in front of
    a shared cache when one is configured (settings.CACHES["local"]), then the default."""
    return (
        [caches["local"], caches["default"]] if "local" in settings.CACHES else [caches["default"]]
    )


def clear():
    """Empty every tier (tests, the benchmark)."""
    for tier in tiers():
        tier.clear()


class Representation:
    """One representation of the register at its current version: `kind`, the values it
    depends on (`parts`), and whether it shows who is signed in (`personal`)."""

    def __init__(self, request, kind, *parts, personal=False):
        self.request = request
        self.version = registerversion.current()
        self.personal = personal
        parts = (get_language(), *parts)
        self.key = self.version.key(kind, *parts)
        if personal:
            parts = (*parts, request.user.pk or "", request.COOKIES.get("csrftoken", ""))
        self.etag = self.version.etag(kind, *parts)
        # A page with messages shows them once: never answered from the client's copy.
        self.conditional = not (personal and len(messages.get_messages(request)))

    @property
    def last_modified(self):
        changed = self.version.changed_at
        return changed.timestamp() if changed is not None else None

    def not_modified(self):
        """The 304 answer if the client has this representation, else None."""
        if not self.conditional:
            return None
        answer = get_conditional_response(
            self.request, etag=self.etag, last_modified=self.last_modified
        )
        if answer is not None:
            self.mark(answer)
        return answer

    def cached(self, build):
        """The body from the cache, or `build()`'s: (body, status); only a 200 is kept.

        The tiers are looked at nearest first (this process's memory, then the shared
        cache); a body found further away, or built, is kept in the nearer ones."""
        found, missed = None, []
        for tier in tiers():
            try:
                found = tier.get(self.key)
            except Exception:  # a cache that is down: the page is built, not refused
                log.warning("The cache could not be read", exc_info=True)
                continue
            if found is not None:
                break
            missed.append(tier)
        if found is None:
            found = build()
            if found[1] != 200:
                return found
        for tier in missed:
            try:
                tier.set(self.key, found, TIMEOUT)
            except Exception:
                log.warning("The cache could not be written", exc_info=True)
        return found

    def mark(self, response):
        """Validators and caching headers on a response (200 or 304) of this representation."""
        if response.status_code not in (200, 304) or not self.conditional:
            return response
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified)
        # Kept by the client, asked again each time: the 304 is cheap.
        patch_cache_control(
            response, no_cache=True, **{"private" if self.personal else "public": True}
        )
        if self.personal:
            patch_vary_headers(response, ["Cookie"])
        return response


def on_register_version(kind, personal=False):
    """A view whose answer depends only on the register (and its GET parameters): answered
    304 while the client's copy is of the current version."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            representation = Representation(
                request, kind, request.GET.urlencode(), personal=personal
            )
            answer = representation.not_modified()
            if answer is not None:
                return answer
            return representation.mark(view(request, *args, **kwargs))

        return wrapped

    return decorator
