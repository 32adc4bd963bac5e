"""An account's last activity read from its RSS or Atom feed, with time and size limits.
A failing feed is recorded on the account and shown there, never raised."""

import datetime
import http.client
import io
import socket
import time
import urllib.error
import urllib.request
from functools import partial

import feedparser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Account

TIMEOUT = 10  # seconds, for the connection and each read
DEADLINE = 30  # seconds for the whole answer (headers and body), however slowly it comes
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "Kanalkoll (kommunens förteckning över konton i sociala medier)"


class FeedError(Exception):
    pass


def fetch(url):
    if not url.lower().startswith(("http://", "https://")):
        raise FeedError(_("Flödets adress måste börja med http:// eller https://."))
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml",
        },
    )
    deadline = time.monotonic() + DEADLINE
    opener = urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            body = bytearray()
            while len(body) <= MAX_BYTES:
                chunk = response.read1(MAX_BYTES + 1 - len(body))
                if not chunk:
                    break
                body += chunk
    except urllib.error.HTTPError as exc:
        raise FeedError(_("Flödet svarade med fel %(code)s.") % {"code": exc.code}) from exc
    except (
        urllib.error.URLError,
        http.client.HTTPException,  # not HTTP at all, or a broken chunked body
        TimeoutError,
        OSError,
        ValueError,
    ) as exc:
        raise FeedError(
            _("Flödet gick inte att nå (%(reason)s).") % {"reason": getattr(exc, "reason", exc)}
        ) from exc
    if len(body) > MAX_BYTES:
        raise FeedError(
            _("Flödet är för stort (över %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    return bytes(body)


class _Deadline:
    """A connected socket whose reads stop at a deadline: the socket's timeout bounds
    each read, this bounds them all, so a server that sends its status line, headers or
    body a byte at a time is cut off as well. http.client reads only through makefile."""

    def __init__(self, sock, deadline):
        self._sock = sock
        self._deadline = deadline

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def recv_into(self, buffer, nbytes=0, flags=0):
        if time.monotonic() > self._deadline:
            raise FeedError(
                _("Flödet tog för lång tid att läsa (över %(s)s sekunder).") % {"s": DEADLINE}
            )
        return self._sock.recv_into(buffer, nbytes, flags)

    def makefile(self, mode="rb", *args, **kwargs):
        # As socket.makefile does: the socket stays open while the file is in use, even
        # after the connection closes it (a response read to its end after "close").
        self._sock._io_refs += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))


class _DeadlineConnection:
    """Mixed into a connection class: once connected (and, for https, after TLS), its
    socket reads stop at the deadline."""

    def __init__(self, *args, deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self):
        super().connect()
        self.sock = _Deadline(self.sock, self._deadline)


class _HTTPConnection(_DeadlineConnection, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline):
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(partial(_HTTPConnection, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline):
        super().__init__()
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(
            partial(_HTTPSConnection, deadline=self._deadline), req, context=self._context
        )


def latest_date(body):
    """The date of the newest entry (or of the feed itself, if its entries have none)."""
    parsed = feedparser.parse(body)
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


def read_account_feed(account, now):
    """Read one account's feed; record the result on the account. Returns the date or None."""
    try:
        day = latest_date(fetch(account.feed_url))
    except FeedError as exc:
        Account.objects.filter(pk=account.pk).update(feed_checked_at=now, feed_error=str(exc)[:300])
        return None
    day = min(day, timezone.localdate(now))  # a date in the future is not believed
    Account.objects.filter(pk=account.pk).update(feed_checked_at=now, feed_error="")
    Account.objects.filter(pk=account.pk).exclude(last_activity_on__gte=day).update(
        last_activity_on=day
    )
    return day


def read_feeds(now, stale_after=datetime.timedelta(hours=6)):
    """The periodic task: every open account with a feed not read in the last hours."""
    due = (
        Account.objects.open()
        .exclude(feed_url="")
        .filter(Q(feed_checked_at__isnull=True) | Q(feed_checked_at__lt=now - stale_after))
        .only("pk", "feed_url")
    )
    read = 0
    for account in due:
        read_account_feed(account, now)
        read += 1
    return read
