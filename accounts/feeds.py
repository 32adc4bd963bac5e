"""An account's last activity read from its RSS or Atom feed, with time and size limits.
A failing feed is recorded on the account and shown there, never raised."""

import datetime
import time

import feedparser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import netguard

from .authorship import as_system, save_bookkeeping
from .models import Account

TIMEOUT = 10  # seconds, for the connection and each read
DEADLINE = 30  # seconds for the whole answer (headers and body), however slowly it comes
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "Kanalkoll (kommunens förteckning över konton i sociala medier)"


class FeedError(Exception):
    pass


def fetch(url, guard=netguard.GUARD):
    """The body of the feed at `url`, fetched through the address guard (every
    redirect hop checked, the connection pinned to the checked address)."""
    if not url.lower().startswith(("http://", "https://")):
        raise FeedError(_("Flödets adress måste börja med http:// eller https://."))
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml",
    }
    try:
        with guard.request(
            url, headers=headers, timeout=TIMEOUT, deadline=time.monotonic() + DEADLINE
        ) as response:
            if not 200 <= response.status < 300:
                raise FeedError(_("Flödet svarade med fel %(code)s.") % {"code": response.status})
            body = response.read(MAX_BYTES)
    except netguard.NetError as exc:
        raise FeedError(_message(exc)) from exc
    if len(body) > MAX_BYTES:
        raise FeedError(
            _("Flödet är för stort (över %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    return body


def _message(exc):
    """What the account page says: a plain reason, never the socket's own text (the
    guard has logged that)."""
    if isinstance(exc, netguard.DeadlinePassed):
        return _("Flödet tog för lång tid att läsa (över %(s)s sekunder).") % {"s": DEADLINE}
    if isinstance(exc, netguard.TimedOut):
        return _("Flödet gick inte att nå: servern svarade inte inom %(s)s sekunder.") % {
            "s": TIMEOUT
        }
    if isinstance(exc, netguard.Unreachable):
        return _("Flödet gick inte att nå.")
    if isinstance(exc, netguard.TooManyRedirects):
        return _("Flödets adress skickade vidare för många gånger.")
    return str(exc)  # a refused or unresolvable address says so itself


def latest_date(body):
    """The date of the newest entry (or of the feed itself, if its entries have none).
    `body` is bytes: given a string, feedparser would take it for a URL and fetch it."""
    parsed = feedparser.parse(bytes(body))
    if not parsed.get("version") or (parsed.bozo and not parsed.entries):
        raise FeedError(_("Flödet gick inte att läsa som RSS eller Atom."))
    stamps = []
    for entry in parsed.entries:
        for key in ("published_parsed", "updated_parsed", "created_parsed"):
            if entry.get(key):
                stamps.append(entry[key])
                break
    if not stamps:
        for key in ("updated_parsed", "published_parsed"):
            if parsed.feed.get(key):
                stamps.append(parsed.feed[key])
    if not stamps:
        raise FeedError(_("Flödet har inga daterade inlägg."))
    newest = max(stamps)
    moment = datetime.datetime(*newest[:6], tzinfo=datetime.UTC)
    try:
        return timezone.localdate(moment)
    except OverflowError:  # the last hours of year 9999 (UTC) are past the calendar here
        return datetime.date.max


def read_account_feed(account, now, guard=netguard.GUARD):
    """Read one account's feed; record the result on the account. Returns the date or None.
    `guard` is the address guard's view of the network (tests pass one of their own)."""
    try:
        day = latest_date(fetch(account.feed_url, guard))
    except FeedError as exc:
        Account.objects.filter(pk=account.pk).update(feed_checked_at=now, feed_error=str(exc)[:300])
        return None
    day = min(day, timezone.localdate(now))  # a date in the future is not believed
    Account.objects.filter(pk=account.pk).update(feed_checked_at=now, feed_error="")
    with transaction.atomic(), as_system(gettext_lazy("Senaste aktivitet läst från flödet")):
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.last_activity_on is None or locked.last_activity_on < day:
            save_bookkeeping(locked, now, last_activity_on=day)
    return day


def read_feeds(now, stale_after=datetime.timedelta(hours=6), guard=netguard.GUARD):
    """The periodic task: every open account with a feed not read in the last hours."""
    due = (
        Account.objects.open()
        .exclude(feed_url="")
        .filter(Q(feed_checked_at__isnull=True) | Q(feed_checked_at__lt=now - stale_after))
        .only("pk", "feed_url")
    )
    read = 0
    for account in due:
        read_account_feed(account, now, guard)
        read += 1
    return read
