"""Meta's Webhooks for Pages (field `feed`) and for Instagram (field `comments`).

A delivery is a JSON object `{"object": "page" | "instagram", "entry": [...]}`; each
entry is one page (its `id`, the page id recorded on the account) with its `changes`.
A `feed` change about a comment carries `item: "comment"`, the `verb` (add, edited,
remove, hide, unhide), `comment_id`, `post_id`, `created_time`, `from` and `message`.
An Instagram `comments` change carries the comment's `id`, `text`, `from` and `media`
(new comments only). Anything else (a post, a reaction) is stored but is not an item.

The delivery is signed: `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the
raw body with the app secret (`verify_signature`, checked before anything is parsed).
Where a comment's change does not say which post it belongs to, the adapter asks the
Graph API for the parent post's address (`enrich`), through core.netguard.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import replace
from urllib.parse import quote, urlencode

from django.conf import settings

from accounts import platforms
from core import netguard

from ..models import Verb
from .base import Adapter, Incoming, from_iso, from_timestamp

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="
GRAPH_TIMEOUT = 3  # seconds: the callback runs inside the delivery's request
GRAPH_MAX_BODY = 64 * 1024
# The guard every Graph API request goes through; tests give it their own network.
GUARD = netguard.GUARD

OBJECTS = {
    "page": ("facebook", (platforms.FACEBOOK_PAGE, platforms.FACEBOOK_GROUP)),
    "instagram": ("instagram", (platforms.INSTAGRAM,)),
}


def verify_signature(body, header, secret):
    """Whether `header` ("sha256=<hex>") is the HMAC-SHA256 of the raw `body` with
    `secret`, compared in constant time. A missing or malformed header is False."""
    if not secret or not header or not header.startswith(PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len(PREFIX) :].strip().lower())


def sign(body, secret):
    """The header value Meta sends with `body` (for tests and for the README's curl)."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def handshake(params, verify_token):
    """The verification handshake: the challenge to echo, or None to refuse."""
    if not verify_token:
        return None
    mode = params.get("hub.mode", "")
    token = params.get("hub.verify_token", "")
    challenge = params.get("hub.challenge", "")
    if mode != "subscribe" or not challenge or len(challenge) > 200:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def _text(value, limit=20_000):
    return value[:limit] if isinstance(value, str) else ""


class MetaAdapter(Adapter):
    name = "meta"

    def __init__(self, graph_url=None, access_token=None, guard=None):
        self.graph_url = (graph_url or settings.META_GRAPH_URL).rstrip("/")
        self.access_token = access_token if access_token is not None else _app_token()
        self.guard = guard

    def events(self, payload):
        """The Incoming events of one delivery; ValueError if it is not Meta's shape."""
        if not isinstance(payload, dict) or payload.get("object") not in OBJECTS:
            raise ValueError("object")
        entries = payload.get("entry")
        if not isinstance(entries, list):
            raise ValueError("entry")
        source, platforms = OBJECTS[payload["object"]]
        found = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list):
                raise ValueError("entry")
            page_id = str(entry.get("id", ""))[:64]
            for change in entry.get("changes", []):
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    raise ValueError("changes")
                found.append(self._incoming(source, platforms, page_id, entry, change))
        return found

    def _incoming(self, source, platforms, page_id, entry, change):
        value = change["value"]
        raw = {"object": source, "entry_id": page_id, "entry_time": entry.get("time"), **change}
        author = value.get("from") if isinstance(value.get("from"), dict) else {}
        author_name = _text(author.get("name") or author.get("username") or "", 200)
        if change.get("field") == "comments":  # Instagram: new comments only
            return Incoming(
                source=source,
                account_platforms=platforms,
                page_id=page_id,
                object_id=str(value.get("id", ""))[:200],
                verb=Verb.ADD,
                raw=raw,
                occurred_at=from_timestamp(entry.get("time")),
                is_comment=bool(value.get("id")),
                text=_text(value.get("text")),
                author=author_name,
                post_id=str((value.get("media") or {}).get("id", ""))[:200],
            )
        verb = value.get("verb") if value.get("verb") in Verb.values else ""
        post = value.get("post") if isinstance(value.get("post"), dict) else {}
        return Incoming(
            source=source,
            account_platforms=platforms,
            page_id=page_id,
            object_id=str(value.get("comment_id") or value.get("post_id") or "")[:200],
            verb=verb or Verb.ADD,
            raw=raw,
            occurred_at=from_timestamp(value.get("created_time"))
            or from_iso(value.get("created_time")),
            is_comment=(
                change.get("field") == "feed"
                and value.get("item") == "comment"
                and bool(verb)
                and bool(value.get("comment_id"))
            ),
            text=_text(value.get("message")),
            author=author_name,
            post_id=str(value.get("post_id", ""))[:200],
            post_url=_text(post.get("permalink_url"), 2000),
        )

    def enrich(self, incoming):
        """A new comment whose change names no post address: ask the Graph API for the
        parent post's `permalink_url`. The item is made all the same if the Graph API
        cannot be reached (logged)."""
        if incoming.post_url or not incoming.post_id or incoming.verb != Verb.ADD:
            return incoming
        url = f"{self.graph_url}/{quote(incoming.post_id, safe='')}?" + urlencode(
            {"fields": "permalink_url"}
        )
        headers = {"Accept": "application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        guard = self.guard or GUARD
        try:
            with guard.request(url, headers=headers, timeout=GRAPH_TIMEOUT, redirects=0) as answer:
                body = answer.read(GRAPH_MAX_BODY)
                status = answer.status
        except netguard.NetError as exc:
            logger.warning("meta: parent post %s not read: %s", incoming.post_id, exc.detail)
            return incoming
        if status != 200 or len(body) > GRAPH_MAX_BODY:
            logger.warning("meta: parent post %s answered %s", incoming.post_id, status)
            return incoming
        try:
            permalink = json.loads(body).get("permalink_url", "")
        except (ValueError, AttributeError):
            return incoming
        if not isinstance(permalink, str) or not permalink.startswith("https://"):
            return incoming
        return replace(incoming, post_url=permalink[:2000])


def _app_token():
    """The app access token ("app-id|app-secret"), sent in the Authorization header."""
    if settings.META_APP_ID and settings.META_APP_SECRET:
        return f"{settings.META_APP_ID}|{settings.META_APP_SECRET}"
    return ""
