"""Mastodon, polled: the kommun's account's notifications (GET /api/v1/notifications,
types `mention` and `update`) through the same adapter interface as Meta's webhooks.

A mention of the account is a new comment (`add`); an `update` notification says that
a status the account interacted with was edited (`edited`). The account is matched by
its Mastodon account id (`platform_page_id`), the instance from the account's address,
the token from settings.MASTODON_TOKENS (a read-only token of the kommun's own account:
scope `read:notifications`). Every request goes through core.netguard.
"""

import html
import json
import logging
import re
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from accounts import platforms
from accounts.models import Account
from core import netguard

from ..models import PlatformEvent, Verb
from .base import Adapter, Incoming, from_iso
from .services import receive

logger = logging.getLogger(__name__)

TIMEOUT = 10
MAX_BODY = 1024 * 1024
PAGE = 40  # Mastodon's largest page of notifications
GUARD = netguard.GUARD
VERBS = {"mention": Verb.ADD, "update": Verb.EDITED}
_TAGS = re.compile(r"<[^>]+>")
_BREAKS = re.compile(r"</p>\s*<p>|<br\s*/?>", re.IGNORECASE)


def plain_text(content):
    """A status's HTML content as plain text (paragraphs and breaks as new lines)."""
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content or ""))).strip()


class MastodonAdapter(Adapter):
    name = "mastodon"

    def __init__(self, instance, page_id, token, guard=None):
        self.instance = instance.rstrip("/")
        self.page_id = page_id
        self.token = token
        self.guard = guard

    def events(self, payload):
        """The Incoming events of one page of notifications (a JSON list)."""
        if not isinstance(payload, list):
            raise ValueError("notifications")
        found = []
        for notification in payload:
            if not isinstance(notification, dict) or notification.get("type") not in VERBS:
                continue
            status = notification.get("status")
            if not isinstance(status, dict) or not status.get("id"):
                continue
            author = status.get("account") if isinstance(status.get("account"), dict) else {}
            verb = VERBS[notification["type"]]
            found.append(
                Incoming(
                    source="mastodon",
                    account_platforms=(platforms.MASTODON,),
                    page_id=self.page_id,
                    object_id=str(status["id"])[:200],
                    verb=verb,
                    raw=notification,
                    occurred_at=from_iso(
                        status.get("edited_at") if verb == Verb.EDITED else status.get("created_at")
                    )
                    or from_iso(notification.get("created_at")),
                    text=plain_text(status.get("content"))[:20_000],
                    author=str(author.get("acct", ""))[:200],
                    post_url=str(status.get("url") or "")[:2000],
                )
            )
        return found

    def fetch(self, since_id=""):
        """One page of notifications after `since_id` (a JSON list), or NetError."""
        query = [("types[]", "mention"), ("types[]", "update"), ("limit", str(PAGE))]
        if since_id:
            query.append(("since_id", since_id))
        url = f"{self.instance}/api/v1/notifications?{urlencode(query)}"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        with (self.guard or GUARD).request(url, headers=headers, timeout=TIMEOUT) as answer:
            body = answer.read(MAX_BODY)
            if answer.status != 200 or len(body) > MAX_BODY:
                raise netguard.NetError(
                    "Mastodon svarade inte som väntat.", f"status {answer.status}"
                )
        return json.loads(body)


def instance_of(account):
    parts = urlsplit(account.url)
    return f"{parts.scheme}://{parts.netloc}"


def poll_account(account, *, now, token=None, guard=None):
    """Read the account's new notifications once and receive them; returns the Results.
    Resumes after the newest notification already stored for the account."""
    token = token or settings.MASTODON_TOKENS.get(account.platform_page_id, "")
    if not token or not account.platform_page_id:
        return []
    last = (
        PlatformEvent.objects.filter(account=account, platform="mastodon")
        .order_by("-id")
        .values_list("raw__id", flat=True)
        .first()
    )
    adapter = MastodonAdapter(instance_of(account), account.platform_page_id, token, guard)
    try:
        payload = adapter.fetch(since_id=str(last or ""))
        events = adapter.events(payload)
    except (netguard.NetError, ValueError) as exc:
        logger.warning("mastodon: %s not polled: %s", account.pk, exc)
        return []
    # Oldest first, so that an edit follows the mention it changes.
    events.sort(key=lambda e: (e.occurred_at is None, e.occurred_at, e.object_id))
    return receive(adapter, events, signature="polled", signature_valid=True, now=now)


def poll_all(now, guard=None):
    """The sweep: every open Mastodon account with a page id and a token, polled once;
    returns how many events were stored. Safe to run twice at once: each event is stored
    once (its unique key)."""
    stored = 0
    accounts = (
        Account.objects.open().filter(platform=platforms.MASTODON).exclude(platform_page_id="")
    )
    for account in accounts.filter(platform_page_id__in=list(settings.MASTODON_TOKENS)):
        stored += sum(1 for r in poll_account(account, now=now, guard=guard) if r.stored)
    return stored
