"""The adapter interface every platform implements, and the shape of what it delivers."""

import datetime
import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incoming:
    """One event about one comment, as a platform told it, in the platform-neutral shape
    services.receive takes.

    `source` names the platform family in the event's key and the item's `source`
    ("facebook", "instagram", "mastodon"); `account_platforms` the accounts.Platform
    values whose `platform_page_id` the `page_id` is matched against; `raw` is the
    event exactly as received (stored as it is)."""

    source: str
    account_platforms: tuple
    page_id: str
    object_id: str
    verb: str  # moderation.models.Verb
    raw: dict
    occurred_at: datetime.datetime | None = None
    is_comment: bool = True
    text: str = ""
    author: str = ""
    post_id: str = ""
    post_url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self):
        """Unique per event: the platform, the comment, the verb, the platform's time of
        the change and a digest of the event as sent (two edits within one second differ;
        a redelivery of the same event does not)."""
        moment = int(self.occurred_at.timestamp()) if self.occurred_at else 0
        digest = hashlib.sha256(
            json.dumps(self.raw, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:16]
        return f"{self.source}:{self.page_id}:{self.object_id}:{self.verb}:{moment}:{digest}"[:300]


class Adapter:
    """A platform's way in. Subclasses set `name` and implement `events(payload)`, which
    turns what the platform sent (a webhook delivery's JSON, a page of polled
    notifications) into Incoming events, and may implement `enrich(incoming)`, which
    asks the platform for what the event lacks (the parent post's address) and returns
    the completed Incoming. Neither touches the database."""

    name = ""

    def events(self, payload):
        raise NotImplementedError

    def enrich(self, incoming):
        return incoming


def from_timestamp(value):
    """A Unix timestamp (int or numeric string) as an aware UTC datetime, or None."""
    try:
        return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(value):
    """An ISO 8601 moment (Meta's "2022-11-18T15:14:01+0000", Mastodon's
    "2026-11-18T09:00:00.000Z") as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(datetime.UTC) if moment.utcoffset() is not None else None
