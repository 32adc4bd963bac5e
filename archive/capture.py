"""Automatic capture of an account's start page: a full-page PNG by headless Chromium.

The browser visits only the account's own URL on an allowed host
(KANALKOLL_CAPTURE_HOSTS) and never reaches a private, loopback or otherwise
non-public address (unless KANALKOLL_CAPTURE_ALLOW_PRIVATE, for tests). Every request
the page makes goes through one route handler, which checks the address it would
reach and fetches it itself without following redirects: Playwright's routes do not
see the requests of a redirect the browser follows, so the browser never gets to follow
one. A redirect of the page itself is checked here and then visited as a new
navigation; a redirect of anything else is dropped. Time (KANALKOLL_CAPTURE_TIMEOUT)
and the bytes downloaded (KANALKOLL_CAPTURE_MAX_BYTES) are limited for the whole
capture, and the picture is cut at KANALKOLL_CAPTURE_MAX_HEIGHT pixels.
"""

import ipaddress
import logging
import socket
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A dead end for whatever the browser would fetch itself, beside the route
    # (WebSockets, WebRTC, preconnects): the requests the route passes are fetched by
    # Playwright, not through this proxy.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
]
WIDTH = 1280
VIEWPORT = {"width": WIDTH, "height": 900}
MAX_REDIRECTS = 5
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class CaptureRefused(Exception):
    """The URL may not be captured: a scheme other than http(s), a host that is not
    allowed, or an address that is not public."""


class CaptureFailed(Exception):
    """The capture was tried and failed: a timeout, an HTTP error, a page too big, a
    crashed browser. The message is in Swedish, fit to show the user."""


def capture(url: str) -> bytes:
    """A PNG screenshot of the page at `url`, 1280 pixels wide and at most
    KANALKOLL_CAPTURE_MAX_HEIGHT pixels high."""
    check_url(url)  # before the browser is started
    timeout = settings.KANALKOLL_CAPTURE_TIMEOUT
    deadline = time.monotonic() + timeout
    try:
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(
                    executable_path=settings.KANALKOLL_CHROMIUM,
                    args=CHROMIUM_ARGS,
                    timeout=_ms_left(deadline),
                )
            except PlaywrightError as error:
                logger.error("Capture: Chromium did not start: %s", error)
                raise CaptureFailed(
                    "Webbläsaren för automatisk avbildning startade inte."
                ) from error
            try:
                return _Visit(browser, deadline).run(url)
            finally:
                browser.close()
    except PlaywrightTimeoutError as error:
        logger.info("Capture of %s timed out: %s", url, error)
        raise CaptureFailed(f"Sidan svarade inte inom {timeout:g} sekunder.") from error
    except PlaywrightError as error:
        logger.warning("Capture of %s failed: %s", url, error)
        raise CaptureFailed("Sidan kunde inte hämtas och fotograferas.") from error


def check_url(url: str) -> None:
    """Raise CaptureRefused unless the page at `url` may be captured: http or https, a
    plain host on the allow list, and (see check_address) only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise CaptureRefused(
            "Bara adresser som börjar med http:// eller https:// kan fotograferas."
        )
    # Python and the browser read these differently ("http://a\@b/"): refuse them.
    if any(c == "\\" or c.isspace() or not c.isprintable() for c in url) or "@" in parts.netloc:
        raise CaptureRefused("Adressen är inte en vanlig webbadress.")
    host = _host(url)
    allowed = [h.lower().rstrip(".") for h in settings.KANALKOLL_CAPTURE_HOSTS]
    if not any(host == h or host.endswith("." + h) for h in allowed):
        raise CaptureRefused(f"Sidor på {host} får inte fotograferas automatiskt.")
    check_address(url)


def check_address(url: str) -> None:
    """Raise CaptureRefused if the host of `url` resolves to any address that is not
    public (unless private addresses are allowed); CaptureFailed if it does not resolve."""
    host = _host(url)
    try:
        addresses = _resolve(host)
    except OSError as error:
        raise CaptureFailed(f"Adressen {host} kunde inte slås upp.") from error
    if settings.KANALKOLL_CAPTURE_ALLOW_PRIVATE:
        return
    for address in addresses:
        if not is_public(address):
            raise CaptureRefused(f"{host} leder till en intern adress och får inte fotograferas.")


def is_public(address: str) -> bool:
    """Whether an IPv4 or IPv6 address is globally routable, also the IPv4 address
    inside an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address."""
    ip = ipaddress.ip_address(address)
    inner = []
    if ip.version == 6:
        if ip.ipv4_mapped:
            return is_public(str(ip.ipv4_mapped))
        if ip in NAT64:
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour:
            inner.append(ip.sixtofour)
        if ip.teredo:
            inner.extend(ip.teredo)
    bad = (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )
    return not bad and all(is_public(str(i)) for i in inner)


def _resolve(host: str) -> list[str]:
    """Every address `host` resolves to (the tests replace this)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        host = None
    if not host:
        raise CaptureRefused("Adressen saknar ett giltigt värdnamn.")
    return host.rstrip(".")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def _ms_left(deadline: float) -> float:
    """Milliseconds left of the budget; at least 1, since 0 means no limit to Playwright."""
    return max(1.0, (deadline - time.monotonic()) * 1000)


class _Visit:
    """One page in a fresh context, every request of which passes `_route`."""

    def __init__(self, browser, deadline):
        self.deadline = deadline
        self.downloaded = 0
        self.redirect = None  # where the page's own navigation was redirected
        self.stop = None  # CaptureRefused/CaptureFailed that ended the page's navigation
        self.context = browser.new_context(
            viewport=VIEWPORT, service_workers="block", accept_downloads=False
        )
        self.page = self.context.new_page()
        self.context.route("**/*", self._route)
        # WebSockets bypass the route: answered by no one and closed.
        self.context.route_web_socket("**/*", lambda ws: ws.close())

    def run(self, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            self.redirect = None
            try:
                response = self.page.goto(url, wait_until="load", timeout=_ms_left(self.deadline))
            except PlaywrightError:
                self._raise_stop()
                if self.redirect is None:
                    raise
                response = None
            self._raise_stop()
            if self.redirect is None:
                break
            url = self.redirect
            check_url(url)
        else:
            raise CaptureFailed("Sidan skickade vidare för många gånger.")

        if response is None:
            raise CaptureFailed("Sidan kunde inte hämtas.")
        if response.status >= 400:
            raise CaptureFailed(f"Sidan svarade med felkod {response.status}.")
        try:
            check_url(self.page.url)
        except CaptureRefused as refusal:
            raise CaptureFailed("Sidan hamnade på en annan webbplats.") from refusal
        png = self.page.screenshot(
            full_page=True,  # clip is then in page coordinates, trimmed to the page
            clip={"x": 0, "y": 0, "width": WIDTH, "height": settings.KANALKOLL_CAPTURE_MAX_HEIGHT},
            animations="disabled",
            timeout=_ms_left(self.deadline),
        )
        self._raise_stop()
        return png

    def _raise_stop(self):
        if self.stop is not None:
            raise self.stop

    def _route(self, route, request):
        try:
            self._handle(route, request)
        except PlaywrightError:  # the page went away while the request was under way
            try:
                route.abort()
            except PlaywrightError:
                pass

    def _handle(self, route, request):
        url = request.url
        if urlsplit(url).scheme in ("data", "blob"):
            return route.continue_()
        own = request.is_navigation_request() and request.frame is self.page.main_frame
        try:
            if self.stop is not None or time.monotonic() >= self.deadline:
                return route.abort()
            if own:
                check_url(url)
            elif urlsplit(url).scheme in ("http", "https"):
                check_address(url)
            else:
                return route.abort("blockedbyclient")
        except (CaptureRefused, CaptureFailed) as refusal:
            logger.info("Capture: %s not fetched: %s", url, refusal)
            if own:
                self.stop = refusal
            return route.abort("blockedbyclient")

        response = route.fetch(max_redirects=0, timeout=_ms_left(self.deadline))
        if 300 <= response.status < 400:
            location = response.headers.get("location")
            if own and location:
                self.redirect = urljoin(url, location)
                # Not an abort, whose error page could interrupt the next navigation.
                return route.fulfill(status=204)
            return route.abort()
        size = len(response.body())  # a switch to other handlers: add only after it
        self.downloaded += size
        if self.downloaded > settings.KANALKOLL_CAPTURE_MAX_BYTES:
            self.stop = CaptureFailed(
                f"Sidan är för stor (mer än {_size(settings.KANALKOLL_CAPTURE_MAX_BYTES)})."
            )
            return route.abort()
        route.fulfill(response=response)
