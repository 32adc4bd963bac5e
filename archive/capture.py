"""Automatic capture of an account's start page: a full-page PNG by headless Chromium.

The browser visits only the account's own URL on an allowed host
(KANALKOLL_CAPTURE_HOSTS), and it never fetches anything itself: every request the page
makes goes through one route handler, which checks it with the address guard
(core.netguard: public addresses only, standard ports) and fetches it through the
guard's pinned connection, which dials the very address that was checked. So the
browser's own DNS lookups play no part, and an answer that changes between the check
and the connection (DNS rebinding) changes nothing. Beside the route, the launch
arguments leave the browser no name to resolve and only a dead proxy to talk to.

A redirect of the page itself is checked here and then visited as a new navigation (on
an allowed host again); the redirects of the page's resources are followed by the guard,
each hop checked. Time (KANALKOLL_CAPTURE_TIMEOUT) and the bytes downloaded
(KANALKOLL_CAPTURE_MAX_BYTES) are limited for the whole capture, and the picture is cut
at KANALKOLL_CAPTURE_MAX_HEIGHT pixels.

Playwright's async API is used so that the resources of a page are fetched side by side,
each in a worker thread: http.client blocks.
"""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import async_playwright

from core import netguard

logger = logging.getLogger(__name__)

# A quiet headless Chromium (the browser tests start it with these too).
HEADLESS_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM_ARGS = [
    *HEADLESS_ARGS,
    # No name resolves inside the browser (DNS prefetch, preconnects): what it shows
    # was fetched by the route, through the guard's pinned connections.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--dns-prefetch-disable",
    # A dead end for whatever the browser would fetch itself, beside the route
    # (WebSockets, WebRTC, preconnects).
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
]
WIDTH = 1280
VIEWPORT = {"width": WIDTH, "height": 900}
MAX_REDIRECTS = netguard.MAX_REDIRECTS
FETCHERS = 6  # threads fetching a page's resources at once
# Not passed on to the server (the connection makes its own) or back to the browser.
HOP_BY_HOP = {
    "accept-encoding",  # the guard's connection asks for the body as it is
    "connection",
    "content-length",
    "host",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class CaptureRefused(Exception):
    """The URL may not be captured: a scheme other than http(s), a host that is not
    allowed, or an address that is not public."""


class CaptureFailed(Exception):
    """The capture was tried and failed: a timeout, an HTTP error, a page too big, a
    crashed browser. The message is in Swedish, fit to show the user."""


def capture(url: str, guard: netguard.Guard = netguard.GUARD) -> bytes:
    """A PNG screenshot of the page at `url`, 1280 pixels wide and at most
    KANALKOLL_CAPTURE_MAX_HEIGHT pixels high. `guard` is the address guard's view of the
    network (tests pass one of their own)."""
    target = check_url(url, guard)  # before the browser is started
    timeout = settings.KANALKOLL_CAPTURE_TIMEOUT
    deadline = time.monotonic() + timeout
    try:
        return asyncio.run(_capture(target, guard, deadline))
    except PlaywrightTimeoutError as error:
        logger.info("Capture of %s timed out: %s", url, error)
        raise CaptureFailed(f"Sidan svarade inte inom {timeout:g} sekunder.") from error
    except PlaywrightError as error:
        logger.warning("Capture of %s failed: %s", url, error)
        raise CaptureFailed("Sidan kunde inte hämtas och fotograferas.") from error


async def _capture(target, guard, deadline):
    async with async_playwright() as p:
        try:
            browser = await p.chromium.launch(
                executable_path=settings.KANALKOLL_CHROMIUM,
                args=CHROMIUM_ARGS,
                timeout=_ms_left(deadline),
            )
        except PlaywrightError as error:
            logger.error("Capture: Chromium did not start: %s", error)
            raise CaptureFailed("Webbläsaren för automatisk avbildning startade inte.") from error
        fetchers = ThreadPoolExecutor(FETCHERS, thread_name_prefix="capture-fetch")
        try:
            visit = _Visit(guard, deadline, fetchers)
            await visit.open(browser)
            return await visit.run(target)
        finally:
            # A fetch still under way ends by the deadline at the latest; nobody waits.
            fetchers.shutdown(wait=False, cancel_futures=True)
            await browser.close()


def check_url(url: str, guard: netguard.Guard = netguard.GUARD) -> netguard.Target:
    """The guard's Target for the page at `url`, or CaptureRefused unless it may be
    captured: a plain http or https URL on the allow list whose host the guard accepts
    (only public addresses, the standard port); CaptureFailed if the name does not
    resolve."""
    _allowed(url)
    return _check(url, guard)


def _allowed(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise CaptureRefused(
            "Bara adresser som börjar med http:// eller https:// kan fotograferas."
        )
    host = _host(url)
    allowed = [h.lower().rstrip(".") for h in settings.KANALKOLL_CAPTURE_HOSTS]
    if not any(host == h or host.endswith("." + h) for h in allowed):
        raise CaptureRefused(f"Sidor på {host} får inte fotograferas automatiskt.")


def _check(url, guard):
    """The guard's verdict as the capture's own exceptions."""
    try:
        return guard.check(url)
    except netguard.Refused as refusal:
        raise CaptureRefused(str(refusal)) from refusal
    except netguard.NetError as failure:
        raise CaptureFailed(str(failure)) from failure


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        host = None
    if not host:
        raise CaptureRefused("Adressen saknar ett giltigt värdnamn.")
    return host.rstrip(".").lower()


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def _ms_left(deadline: float) -> float:
    """Milliseconds left of the budget; at least 1, since 0 means no limit to Playwright."""
    return max(1.0, (deadline - time.monotonic()) * 1000)


class _Visit:
    """One page in a fresh context, every request of which passes `_route`."""

    def __init__(self, guard, deadline, fetchers):
        self.guard = guard
        self.deadline = deadline
        self.fetchers = fetchers
        self.downloaded = 0
        self.redirect = None  # where the page's own navigation was redirected
        self.stop = None  # CaptureRefused/CaptureFailed that ended the page's navigation
        self.checked = {}  # URL -> its Target, checked before the page goes there

    async def open(self, browser):
        self.context = await browser.new_context(
            viewport=VIEWPORT, service_workers="block", accept_downloads=False
        )
        self.page = await self.context.new_page()
        await self.context.route("**/*", self._route)
        # WebSockets bypass the route: answered by no one and closed.
        await self.context.route_web_socket("**/*", _close)

    async def run(self, target: netguard.Target) -> bytes:
        """Visit the checked `target`; the page's own request dials the address checked
        there (one lookup, no second answer to take)."""
        url = target.url
        self.checked[url] = target
        for _ in range(MAX_REDIRECTS + 1):
            self.redirect = None
            try:
                response = await self.page.goto(
                    url, wait_until="load", timeout=_ms_left(self.deadline)
                )
            except PlaywrightError:
                self._raise_stop()
                if self.redirect is None:
                    raise
                response = None
            self._raise_stop()
            if self.redirect is None:
                break
            url = self.redirect
            self.checked[url] = await self._in_thread(check_url, url, self.guard)
        else:
            raise CaptureFailed("Sidan skickade vidare för många gånger.")

        if response is None:
            raise CaptureFailed("Sidan kunde inte hämtas.")
        if response.status >= 400:
            raise CaptureFailed(f"Sidan svarade med felkod {response.status}.")
        try:
            _allowed(self.page.url)
        except CaptureRefused as refusal:
            raise CaptureFailed("Sidan hamnade på en annan webbplats.") from refusal
        png = await self.page.screenshot(
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

    async def _in_thread(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.fetchers, function, *args)

    async def _route(self, route, request):
        try:
            await self._handle(route, request)
        except PlaywrightError:  # the page went away while the request was under way
            try:
                await route.abort()
            except PlaywrightError:
                pass

    async def _handle(self, route, request):
        url = request.url
        if urlsplit(url).scheme in ("data", "blob"):
            return await route.continue_()
        own = request.is_navigation_request() and request.frame == self.page.main_frame
        if self.stop is not None or time.monotonic() >= self.deadline:
            return await route.abort()
        if urlsplit(url).scheme not in ("http", "https"):
            return await route.abort("blockedbyclient")
        headers = {
            name: value
            for name, value in (await request.all_headers()).items()
            if name.lower() not in HOP_BY_HOP
        }
        try:
            if own:
                _allowed(url)
            status, answer, body = await self._in_thread(
                self._fetch, url, request.method, headers, request.post_data_buffer, own
            )
        except (CaptureRefused, CaptureFailed, netguard.NetError) as refusal:
            logger.info("Capture: %s not fetched: %s (%s)", url, refusal, _detail(refusal))
            if own:
                self.stop = _as_capture_error(refusal)
            return await route.abort("blockedbyclient")

        if 300 <= status < 400:
            location = answer.get("location")
            if own and location:
                self.redirect = urljoin(url, location)
                # Not an abort, whose error page could interrupt the next navigation.
                return await route.fulfill(status=204)
            return await route.abort()
        self.downloaded += len(body)
        if self.downloaded > settings.KANALKOLL_CAPTURE_MAX_BYTES:
            self.stop = CaptureFailed(
                f"Sidan är för stor (mer än {_size(settings.KANALKOLL_CAPTURE_MAX_BYTES)})."
            )
            return await route.abort()
        await route.fulfill(status=status, headers=answer, body=body)

    def _fetch(self, url, method, headers, body, own):
        """In a worker thread: the answer through the guard's pinned connection. The
        page's own redirects come back to `run`; those of its resources are followed
        here, each hop checked."""
        left = max(self.deadline - time.monotonic(), 0.001)
        with self.guard.request(
            url,
            method=method,
            headers=headers,
            body=body,
            timeout=left,
            deadline=self.deadline,
            redirects=0 if own else MAX_REDIRECTS,
            checked=self.checked.pop(url, None) if own else None,
        ) as response:
            limit = max(settings.KANALKOLL_CAPTURE_MAX_BYTES - self.downloaded, 0)
            content = response.read(limit)
            answer = {}
            for name, value in response.headers.items():
                name = name.lower()
                if name in HOP_BY_HOP:
                    continue
                glue = "\n" if name == "set-cookie" else ", "
                answer[name] = answer[name] + glue + value if name in answer else value
            return response.status, answer, content


def _detail(error):
    cause = error if isinstance(error, netguard.NetError) else error.__cause__
    return getattr(cause, "detail", "")


async def _close(websocket):
    await websocket.close()


def _as_capture_error(error):
    """What ended the page's own navigation, in the capture's words."""
    if isinstance(error, CaptureRefused | CaptureFailed):
        return error
    if isinstance(error, netguard.Refused):
        return CaptureRefused(str(error))
    if isinstance(error, netguard.TimedOut | netguard.DeadlinePassed):
        return CaptureFailed(
            f"Sidan svarade inte inom {settings.KANALKOLL_CAPTURE_TIMEOUT:g} sekunder."
        )
    if isinstance(error, netguard.TooManyRedirects):
        return CaptureFailed("Sidan skickade vidare för många gånger.")
    if isinstance(error, netguard.Unreachable):
        return CaptureFailed("Sidan kunde inte hämtas.")
    return CaptureFailed(str(error))
