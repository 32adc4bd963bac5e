"""Activity from feeds: RSS and Atom served over real HTTP on 127.0.0.1 by the
test; every failure is a message recorded on the account, never an exception.

The feed server is reached as http://feeds.test.example through a stand-in internet
(tests/netguard_helpers.py) that the address guard is given; URLs naming 127.0.0.1
itself are refused as in production."""

import datetime
import http.server
import socket
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts import feeds
from accounts.models import Account, Status

from .factories import AccountFactory
from .netguard_helpers import Internet

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=STHLM)


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


# -- the feeds --------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Biblioteket tipsar</title><link>https://bibliotek.testby.example/</link>
  <description>Boktips</description>
  <lastBuildDate>Wed, 10 Jun 2026 08:00:00 +0000</lastBuildDate>
  <item><title>Sommarboken</title><pubDate>Tue, 02 Jun 2026 09:00:00 +0200</pubDate></item>
  <item><title>Nyast men inte f\xc3\xb6rst</title><pubDate>Thu, 04 Jun 2026 23:30:00 +0000</pubDate></item>
  <item><title>\xc3\x84ldre</title><pubDate>Mon, 04 May 2026 10:00:00 +0200</pubDate></item>
</channel></rss>"""
# 23:30 UTC on 4 June is 01:30 on 5 June in Stockholm (summer time).
RSS_DATE = datetime.date(2026, 6, 5)

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Kulturskolan</title><id>urn:uuid:1</id><updated>2026-06-01T10:00:00Z</updated>
  <entry><title>Konsert</title><id>urn:uuid:2</id><updated>2026-05-20T10:00:00Z</updated></entry>
  <entry><title>Avslutning</title><id>urn:uuid:3</id><published>2026-05-28T08:00:00+02:00</published>
    <updated>2026-05-29T08:00:00+02:00</updated></entry>
</feed>"""

# A YouTube channel feed: the entries' <published> is the upload; <updated> moves when
# the video's statistics change, and the feed's own <published> is the channel's start.
YOUTUBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
 <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id=UCtest"/>
 <id>yt:channel:UCtest</id><yt:channelId>UCtest</yt:channelId>
 <title>Testby kommun</title>
 <author><name>Testby kommun</name><uri>https://www.youtube.com/channel/UCtest</uri></author>
 <published>2015-03-01T10:00:00+00:00</published>
 <entry>
  <id>yt:video:abc</id><yt:videoId>abc</yt:videoId><yt:channelId>UCtest</yt:channelId>
  <title>Kommunfullm\xc3\xa4ktige i maj</title>
  <link rel="alternate" href="https://www.youtube.com/watch?v=abc"/>
  <published>2026-05-12T16:00:05+00:00</published><updated>2026-06-14T02:11:40+00:00</updated>
  <media:group><media:title>Kommunfullm\xc3\xa4ktige</media:title>
   <media:community><media:statistics views="123"/></media:community></media:group>
 </entry>
 <entry>
  <id>yt:video:def</id><yt:videoId>def</yt:videoId>
  <title>Sn\xc3\xb6r\xc3\xb6jning</title>
  <published>2026-01-20T07:00:00+00:00</published><updated>2026-06-10T00:00:00+00:00</updated>
 </entry>
</feed>"""

HTML = b"""<!doctype html><html lang="sv"><head><title>Biblioteket</title></head>
<body><h1>V\xc3\xa4lkommen</h1><p>Uppdaterad 2026-06-01.</p></body></html>"""

NOT_XML = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><<title>>\x00 & </rss'
# Broken, but the loose parser still finds an item (without a date).
GARBLED_ITEM = b"<rss><channel><item><<title>>>\x00 & </rss"


def rss(*dates):
    items = "".join(f"<item><title>i</title><pubDate>{d}</pubDate></item>" for d in dates)
    return f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


# -- a feed server on 127.0.0.1 ---------------------------------------------------------


INTERNET = Internet()


class FeedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = {}
        self.requests = []
        self.base = INTERNET.add("feeds.test.example", self.server_address)
        self.local = f"http://127.0.0.1:{self.server_address[1]}"  # refused by the guard

    def url(self, path):
        return self.base + path


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server name
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        if callable(route):
            route(self)
            return
        status, content_type, body = route
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def feed(server):
    """Serve `body` at a path of its own; returns its URL."""
    server.routes.clear()
    server.requests.clear()
    counter = iter(range(1, 1000))

    def serve(body, content_type="application/rss+xml", status=200, path=None):
        path = path or f"/feed{next(counter)}.xml"
        server.routes[path] = body if callable(body) else (status, content_type, body)
        return server.url(path)

    serve.server = server
    return serve


@pytest.fixture
def fast(monkeypatch):
    """Time limits of a second, so that the slow servers below keep the tests short."""
    monkeypatch.setattr(feeds, "TIMEOUT", 1)
    monkeypatch.setattr(feeds, "DEADLINE", 2)


@pytest.fixture
def feed_account(org):
    def make(url, **fields):
        fields = {"unit": org.bibliotek, "responsible": org.people.medarbetare, **fields}
        return AccountFactory(platform="blogg", feed_url=url, **fields)

    return make


def read(account, now=NOW):
    """Read the account's feed at `now` (the clock pinned there) and reload it."""
    with time_machine.travel(now, tick=False):
        result = feeds.read_account_feed(account, timezone.now(), INTERNET.guard)
    account.refresh_from_db()
    return result


# -- good feeds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (RSS, "application/rss+xml; charset=utf-8", RSS_DATE),
        (ATOM, "application/atom+xml", datetime.date(2026, 5, 28)),
        (YOUTUBE, "application/atom+xml; charset=UTF-8", datetime.date(2026, 5, 12)),
        (RSS, "text/html", RSS_DATE),  # servers mislabel feeds; the body decides
    ],
    ids=["rss", "atom", "youtube", "mislabelled"],
)
def test_a_good_feed_gives_the_date_of_the_newest_entry(
    feed_account, feed, body, content_type, expected
):
    account = feed_account(feed(body, content_type))
    assert read(account) == expected
    assert account.last_activity_on == expected
    assert account.feed_error == ""
    assert account.feed_checked_at == NOW


def test_the_request_names_kanalkoll_and_asks_for_feeds(feed_account, feed):
    read(feed_account(feed(RSS)))
    ((_path, headers),) = feed.server.requests
    assert headers["User-Agent"].startswith("Kanalkoll")
    assert "application/rss+xml" in headers["Accept"]


def test_a_redirect_is_followed(feed_account, feed):
    target = feed(ATOM, "application/atom+xml")

    def moved(handler):
        handler.send_response(301)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    account = feed_account(feed(moved))
    assert read(account) == datetime.date(2026, 5, 28)


def test_entries_without_dates_fall_back_to_the_feeds_own_date(feed_account, feed):
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<updated>2026-04-02T10:00:00Z</updated><entry><title>odaterad</title></entry></feed>"
    )
    assert read(feed_account(feed(body))) == datetime.date(2026, 4, 2)


def test_a_date_in_the_future_is_capped_at_today(feed_account, feed):
    account = feed_account(feed(rss("Mon, 01 Jan 2035 10:00:00 +0000")))
    assert read(account) == NOW.date()
    assert account.last_activity_on == NOW.date()


def test_a_date_at_the_end_of_time_is_capped_too(feed_account, feed):
    """31 December 9999 late in the evening (UTC) is beyond the last day in Stockholm."""
    account = feed_account(feed(rss("Fri, 31 Dec 9999 23:30:00 +0000")))
    assert read(account) == NOW.date()
    assert account.last_activity_on == NOW.date() and account.feed_error == ""


def test_last_activity_never_moves_back(feed_account, feed):
    account = feed_account(feed(RSS), last_activity_on=datetime.date(2026, 6, 10))
    assert read(account) == RSS_DATE
    assert account.last_activity_on == datetime.date(2026, 6, 10)
    assert account.feed_error == "" and account.feed_checked_at == NOW


def test_a_newer_feed_moves_it_forward_as_the_systems_change(feed_account, feed):
    account = feed_account(feed(RSS), last_activity_on=datetime.date(2026, 1, 1))
    versions = account.history.count()
    read(account)
    assert account.last_activity_on == RSS_DATE
    # Recorded as the system's change, not credited to whoever edits the account next;
    # only when the date moves, so reading the same feed again adds nothing.
    assert account.history.count() == versions + 1
    record = account.history.order_by("-history_id").first()  # the fixture's is dated later
    assert record.history_user is None and record.history_caused_by is None
    assert record.history_change_reason == "Senaste aktivitet läst från flödet"
    read(account)
    assert account.history.count() == versions + 1


def test_a_good_read_clears_an_earlier_error(feed_account, feed):
    url = feed(b"", status=500)
    account = feed_account(url)
    assert read(account) is None and "500" in account.feed_error
    feed.server.routes[url.removeprefix(feed.server.base)] = (200, "application/rss+xml", RSS)
    assert read(account, NOW + datetime.timedelta(hours=7)) == RSS_DATE
    assert account.feed_error == ""
    assert account.feed_checked_at == NOW + datetime.timedelta(hours=7)


# -- bad feeds: an error on the account, never an exception -----------------------------


def slow(seconds):
    def respond(handler):
        time.sleep(seconds)
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.end_headers()
            handler.wfile.write(RSS)
        except OSError:
            pass  # the client gave up

    return respond


def trickle(handler):
    """Headers at once, then a byte now and then: every read is quick, the whole is not."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    try:
        for byte in RSS[:40]:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.25)
    except OSError:
        pass


def trickle_headers(handler):
    """The status line at once, then the headers a byte now and then."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    handler.wfile.flush()
    try:
        for _ in range(400):
            handler.wfile.write(b"X")
            handler.wfile.flush()
            time.sleep(0.25)
    except OSError:
        pass


def not_http(handler):
    handler.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")


def truncated_chunks(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.wfile.write(b"zz\r\nnot a chunk\r\n")


@pytest.mark.parametrize(
    ("serve", "message"),
    [
        (dict(body=b"Not found", status=404, content_type="text/plain"), "fel 404"),
        (dict(body=b"", status=500), "fel 500"),
        (dict(body=HTML, content_type="text/html"), "inte att läsa som RSS eller Atom"),
        (dict(body=NOT_XML), "inte att läsa som RSS eller Atom"),
        (dict(body=GARBLED_ITEM), "inga daterade inlägg"),
        (dict(body=b""), "inte att läsa som RSS eller Atom"),
        (dict(body=b"\xff\xfe\x00garbage" * 50), "inte att läsa som RSS eller Atom"),
        (dict(body=rss()), "inga daterade inlägg"),
        (dict(body=rss("igår", "nyss")), "inga daterade inlägg"),
        (dict(body=not_http), "gick inte att nå"),
        (dict(body=truncated_chunks), "gick inte att nå"),
    ],
    ids=[
        "404",
        "500",
        "html",
        "broken-xml",
        "garbled-item",
        "empty",
        "binary",
        "no-entries",
        "undated",
        "not-http",
        "bad-chunks",
    ],
)
def test_a_bad_feed_is_recorded_on_the_account(feed_account, feed, serve, message):
    account = feed_account(feed(**serve), last_activity_on=datetime.date(2026, 3, 1))
    assert read(account) is None
    assert message in account.feed_error, account.feed_error
    assert account.feed_checked_at == NOW
    assert account.last_activity_on == datetime.date(2026, 3, 1)


def test_a_truncated_feed_gives_the_date_it_still_has(feed_account, feed):
    """A cut-off document: the loose parser keeps the complete entries."""
    body = RSS[: RSS.index(b"<item><title>\xc3\x84ldre")] + b"<item><title>Hal"
    account = feed_account(feed(body))
    assert read(account) == RSS_DATE and account.feed_error == ""


def test_a_huge_feed_is_refused_without_reading_it_all(feed_account, feed, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_BYTES", 4096)
    body = RSS.replace(b"<item>", b"<item><description>" + b"x" * 10_000 + b"</description>", 1)
    account = feed_account(feed(body))
    assert read(account) is None
    assert "för stort" in account.feed_error
    assert account.last_activity_on is None
    # Just under the limit is fine.
    assert read(feed_account(feed(RSS + b" " * (4096 - len(RSS))))) == RSS_DATE


def test_a_huge_feed_without_a_length_is_refused_too(feed_account, feed, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_BYTES", 4096)

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        try:
            handler.wfile.write(RSS[:200])
            for _ in range(1000):
                handler.wfile.write(b"<item><title>x</title></item>" * 10)
        except OSError:
            pass

    account = feed_account(feed(endless))
    assert read(account) is None and "för stort" in account.feed_error


# These wait for the real limits (`fast`: 1 s per read, 2 s in all); each server takes
# 10 s or more, so a generous bound still shows that the limit, not the server, ended it.
@pytest.mark.slow
def test_a_slow_server_times_out(feed_account, feed, fast):
    account = feed_account(feed(slow(10)))
    started = time.monotonic()
    assert read(account) is None
    assert time.monotonic() - started < 8
    assert "gick inte att nå" in account.feed_error


@pytest.mark.slow
def test_a_server_that_trickles_is_cut_off_at_the_deadline(feed_account, feed, fast):
    account = feed_account(feed(trickle))
    started = time.monotonic()
    assert read(account) is None
    assert time.monotonic() - started < 8
    assert "tog för lång tid" in account.feed_error


@pytest.mark.slow
def test_a_server_that_trickles_its_headers_is_cut_off_at_the_deadline(feed_account, feed, fast):
    account = feed_account(feed(trickle_headers))
    started = time.monotonic()
    assert read(account) is None
    assert time.monotonic() - started < 8
    assert "tog för lång tid" in account.feed_error


def test_nobody_listening(feed_account):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = INTERNET.add("nobody.test.example", ("127.0.0.1", port))
    account = feed_account(f"{base}/feed.xml")
    assert read(account) is None and account.feed_error == "Flödet gick inte att nå."


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "gopher://x", "/relative"]
)
def test_only_http_and_https(feed_account, url):
    account = feed_account(url)
    assert read(account) is None
    assert "http:// eller https://" in account.feed_error


def test_external_entities_are_not_fetched(feed_account, feed):
    secret = feed(b"hemligt", "text/plain")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{secret}">]>'
        f'<rss version="2.0"><channel><title>&x;</title><item><title>&x;</title>'
        f"<pubDate>Tue, 02 Jun 2026 09:00:00 +0200</pubDate></item></channel></rss>"
    ).encode()
    account = feed_account(feed(body))
    read(account)
    assert [path for path, _ in feed.server.requests] == [
        account.feed_url.removeprefix(feed.server.base)
    ]


def test_a_long_error_is_cut_to_the_field(feed_account, monkeypatch):
    def fail(url, guard):
        raise feeds.FeedError("x" * 1000)

    monkeypatch.setattr(feeds, "fetch", fail)
    account = feed_account("https://blogg.testby.example/feed")
    assert read(account) is None and account.feed_error == "x" * 300


def test_the_error_is_shown_on_the_account_page(client, org, feed, feed_account):
    account = feed_account(feed(b"Not found", status=404, content_type="text/plain"))
    read(account)
    client.force_login(org.people.medarbetare)
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Flödet kunde inte läsas:" in page
    assert "Flödet svarade med fel 404." in page
    assert account.feed_url in page


# -- the periodic read ------------------------------------------------------------------


def test_read_feeds_reads_what_is_due_and_survives_bad_feeds(org, feed_account, feed):
    good = feed_account(feed(RSS))
    bad = feed_account(feed(b"<html>", content_type="text/html"))
    recent = feed_account(feed(ATOM), feed_checked_at=NOW - datetime.timedelta(hours=1))
    stale = feed_account(feed(ATOM), feed_checked_at=NOW - datetime.timedelta(hours=7))
    closed = feed_account(feed(RSS), status=Status.CLOSED, closed_on=datetime.date(2026, 1, 1))
    without = AccountFactory(feed_url="", unit=org.bibliotek, responsible=org.people.medarbetare)
    with time_machine.travel(NOW, tick=False):
        assert feeds.read_feeds(timezone.now(), guard=INTERNET.guard) == 3
    accounts = Account.objects.in_bulk()
    assert accounts[good.pk].last_activity_on == RSS_DATE
    assert accounts[bad.pk].feed_error and accounts[bad.pk].feed_checked_at == NOW
    assert accounts[recent.pk].feed_checked_at == NOW - datetime.timedelta(hours=1)
    assert accounts[recent.pk].last_activity_on is None
    assert accounts[stale.pk].last_activity_on == datetime.date(2026, 5, 28)
    assert accounts[closed.pk].feed_checked_at is None
    assert accounts[without.pk].feed_checked_at is None
    served = [path for path, _ in feed.server.requests]
    assert len(served) == 3
    # An hour later nothing is due; the bad feed is tried again after six hours.
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        assert feeds.read_feeds(timezone.now(), guard=INTERNET.guard) == 0
    with time_machine.travel(NOW + datetime.timedelta(hours=6, minutes=1), tick=False):
        assert (
            feeds.read_feeds(timezone.now(), guard=INTERNET.guard) == 4
        )  # the three, and `recent` now too


def test_the_sweep_is_registered(org):
    from config.sweeps import SWEEPS

    assert "accounts.jobs.read_feeds" in {sweep.job for sweep in SWEEPS}


# -- only public addresses ------------------------------------------------------------------

NOT_PUBLIC = "Adressen är inte en publik webbadress."
SOCKET_TEXTS = ("Connection refused", "Remote end closed", "Errno", "timed out", "reset by")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/feed.xml",
        "http://localhost:{port}/feed.xml",
        "http://[::ffff:127.0.0.1]:{port}/feed.xml",
        "http://2130706433:{port}/feed.xml",  # 127.0.0.1 as one number
        "http://127.0.0.1/feed.xml",
        "http://10.0.0.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/feed.xml",
        "http://[::1]/feed.xml",
        "http://[fe80::1]/feed.xml",
    ],
)
def test_an_internal_address_is_refused_without_a_request(feed_account, feed, url):
    """With the production guard: nothing reaches the server on 127.0.0.1."""
    feed(RSS, path="/feed.xml")
    account = feed_account(url.format(port=feed.server.server_address[1]))
    with time_machine.travel(NOW, tick=False):
        assert feeds.read_account_feed(account, timezone.now()) is None
    account.refresh_from_db()
    assert account.feed_error == NOT_PUBLIC
    assert account.last_activity_on is None
    assert feed.server.requests == []


@pytest.mark.parametrize("target", ["{local}/internal.xml", "http://localhost:{port}/internal.xml"])
def test_a_redirect_to_an_internal_address_is_refused_at_the_hop(feed_account, feed, target):
    """A public name that sends the reader on to loopback: the first hop is fetched, the
    second is refused before it is dialled."""
    feed(RSS, path="/internal.xml")
    location = target.format(local=feed.server.local, port=feed.server.server_address[1])

    def moved(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    account = feed_account(feed(moved, path="/moved.xml"))
    assert read(account) is None
    assert account.feed_error == NOT_PUBLIC
    assert account.last_activity_on is None
    assert [path for path, _ in feed.server.requests] == ["/moved.xml"]


def test_endless_redirects_are_cut_off(feed_account, feed):
    def loop(handler):
        handler.send_response(301)
        handler.send_header("Location", "/loop.xml")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    account = feed_account(feed(loop, path="/loop.xml"))
    assert read(account) is None
    assert account.feed_error == "Flödets adress skickade vidare för många gånger."
    assert len(feed.server.requests) == 6  # the first and five redirects


def test_a_name_that_does_not_resolve_says_so(feed_account):
    account = feed_account("http://saknas.test.example/feed.xml")
    assert read(account) is None
    assert account.feed_error == "Adressen saknas.test.example kunde inte slås upp."


def test_a_port_other_than_the_standard_one_is_refused(feed_account, feed):
    account = feed_account(feed.server.base + ":8080" + feed(RSS).removeprefix(feed.server.base))
    assert read(account) is None
    assert "standardporten" in account.feed_error
    assert feed.server.requests == []


def test_the_account_page_gives_a_plain_reason_and_no_socket_text(client, org, feed_account):
    """The reported case: Redis on 127.0.0.1:6379 is not probed, and an
    unreachable public feed says so without the socket's words."""
    internal = feed_account("http://127.0.0.1:6379/")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = INTERNET.add("stangd.test.example", sock.getsockname())
    unreachable = feed_account(closed + "/feed.xml")
    with time_machine.travel(NOW, tick=False):
        feeds.read_account_feed(internal, timezone.now())
    read(unreachable)
    client.force_login(org.people.medarbetare)
    for account, reason in [(internal, NOT_PUBLIC), (unreachable, "Flödet gick inte att nå.")]:
        page = client.get(f"/konton/{account.pk}/").content.decode()
        assert f"Flödet kunde inte läsas: {reason}" in page
        assert not [text for text in SOCKET_TEXTS if text in page]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379/", NOT_PUBLIC),
        ("http://[::ffff:10.0.0.1]/feed.xml", NOT_PUBLIC),
        ("http://169.254.169.254/latest/meta-data/", NOT_PUBLIC),
        ("https://saknas.invalid/feed.xml", "Adressen saknas.invalid kunde inte slås upp."),
        ("http://93.184.216.34:8080/feed.xml", "standardporten"),
    ],
)
def test_the_account_form_refuses_a_feed_that_is_not_public(
    client, org, feed_account, url, message
):
    account = feed_account("")
    client.force_login(org.people.medarbetare)
    data = {
        "display_name": account.display_name,
        "handle": account.handle,
        "purpose": account.purpose,
        "audience": account.audience,
        "language": account.language,
        "contact_email": account.contact_email,
        "credentials_location": account.credentials_location,
        "feed_url": url,
    }
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 400  # the form again, with the reason
    assert message in response.content.decode()
    account.refresh_from_db()
    assert account.feed_url == ""
