"""The automatic capture of an account's start page (archive/capture.py).

Pages are served over real HTTP on 127.0.0.1 by the tests themselves and reached as
http://site.test.example through a stand-in internet given to the address guard
(tests/netguard_helpers.py); nothing turns the guard off. A second server on 127.0.0.2
stands for an internal address: where the capture must not go, it records every
request that reaches it, and the tests check it stayed empty.
"""

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from archive import capture as capture_module
from archive.capture import CaptureFailed, CaptureRefused, check_url
from core import netguard

from .netguard_helpers import Internet

PUBLIC = "93.184.216.34"
needs_chromium = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium is not installed"
)


class Site:
    """An HTTP server in a thread that answers from a dict of path -> handler."""

    def __init__(self, host="127.0.0.1"):
        self.routes = {}
        self.requests = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append(self.path)
                answer = site.routes.get(self.path)
                if answer is None:
                    self.send_error(404)
                    return
                status, headers, body = answer() if callable(answer) else answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the capture gave up on this answer

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self.server = Server((host, 0), Handler)
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def html(self, path, body, status=200):
        self.routes[path] = (status, {"Content-Type": "text/html; charset=utf-8"}, body.encode())

    def redirect(self, path, location, status=302):
        self.routes[path] = (status, {"Location": location}, b"")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


INTERNET = Internet()


def capture(url, guard=INTERNET.guard):
    return capture_module.capture(url, guard)


@pytest.fixture
def site():
    site = Site()
    site.public = INTERNET.add("site.test.example", site.server.server_address)
    yield site
    site.close()


@pytest.fixture
def internal():
    """The server that must never be reached."""
    site = Site("127.0.0.2")
    site.html("/", "<h1>intern</h1>")
    yield site
    site.close()


@pytest.fixture(autouse=True)
def capture_settings(settings):
    settings.KANALKOLL_CAPTURE_HOSTS = ["test.example"]
    settings.KANALKOLL_CHROMIUM = "/usr/bin/chromium"
    settings.KANALKOLL_CAPTURE_TIMEOUT = 20  # the slow tests set their own
    settings.KANALKOLL_CAPTURE_MAX_BYTES = 1024 * 1024
    settings.KANALKOLL_CAPTURE_MAX_HEIGHT = 3000
    return settings


def png_size(data):
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


def page(height_px=100, extra=""):
    return (
        "<!doctype html><html><body style='margin:0'>"
        f"<div style='height:{height_px}px;background:#c00'>Kanalkoll</div>{extra}</body></html>"
    )


# -- refused before the browser starts ----------------------------------------------


@pytest.fixture
def no_browser(monkeypatch):
    def fail():
        raise AssertionError("the browser was started")

    monkeypatch.setattr(capture_module, "async_playwright", fail)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://127.0.0.1/",
        "data:text/html,<h1>x</h1>",
        "http:///nohost",
        "http://127.0.0.1:99999/",
        "http://example.com/",  # not on the list
        "http://127.0.0.1.evil.example/",
        "http://evil.example\\@127.0.0.1/",  # the browser would go to evil.example
        "http://user@127.0.0.1/",
        "http://127.0.0.1/\n",
    ],
)
def test_refused_without_starting_the_browser(url, no_browser):
    with pytest.raises(CaptureRefused):
        capture(url)


def test_a_subdomain_of_an_allowed_host_is_allowed(settings):
    settings.KANALKOLL_CAPTURE_HOSTS = ["facebook.com"]
    guard = netguard.Guard(resolve=lambda host: [PUBLIC])
    check_url("https://www.facebook.com/botkyrkakommun", guard)
    check_url("https://FACEBOOK.com./botkyrkakommun", guard)
    with pytest.raises(CaptureRefused):
        check_url("https://notfacebook.com/", guard)
    with pytest.raises(CaptureRefused):
        check_url("https://facebook.com.evil.example/", guard)


def test_an_allowed_name_that_resolves_to_an_internal_address_is_refused(settings, no_browser):
    settings.KANALKOLL_CAPTURE_HOSTS = ["facebook.com"]
    guard = netguard.Guard(resolve=lambda host: [PUBLIC, "10.1.2.3"])
    with pytest.raises(CaptureRefused, match="inte en publik webbadress"):
        capture("https://www.facebook.com/botkyrkakommun", guard)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:{port}/", "http://localhost:{port}/", "http://[::1]:{port}/"]
)
def test_an_allowed_internal_host_is_refused_without_a_request(settings, site, no_browser, url):
    """The production guard (the system's resolver, real TCP): nothing reaches 127.0.0.1,
    even with the address on the allow list."""
    settings.KANALKOLL_CAPTURE_HOSTS = ["127.0.0.1", "localhost", "::1"]
    with pytest.raises(CaptureRefused, match="inte en publik webbadress"):
        capture_module.capture(url.format(port=site.server.server_address[1]))
    assert site.requests == []


# Which addresses are public: tests/test_netguard.py.


# -- in the browser -----------------------------------------------------------------


@pytest.mark.browser
@needs_chromium
def test_a_normal_page_gives_a_png_as_wide_as_the_viewport(site):
    site.html("/kommun", page(100))
    assert png_size(capture(site.public + "/kommun")) == (1280, 900)


@pytest.mark.browser
@needs_chromium
def test_a_long_page_is_taken_whole_and_cut_at_the_maximum_height(site, settings):
    site.html("/long", page(2000))
    site.html("/huge", page(20000))
    assert png_size(capture(site.public + "/long")) == (1280, 2000)
    assert png_size(capture(site.public + "/huge")) == (1280, 3000)


def slow_answer():
    time.sleep(30)
    return 200, {"Content-Type": "text/html"}, page().encode()


BUSY = (200, {"Content-Type": "text/html"}, page(extra="<script>for (;;) {}</script>").encode())


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("answer", [slow_answer, BUSY], ids=["slow", "endless-script"])
def test_a_page_that_does_not_load_fails_within_the_time_limit(site, settings, answer):
    """The limit covers starting the browser too (a second, several on a busy
    machine), so it is set long enough for the page to be asked for."""
    settings.KANALKOLL_CAPTURE_TIMEOUT = 10  # Chromium alone took over 6 s on a loaded machine
    site.routes["/"] = answer
    with pytest.raises(CaptureFailed, match="inom 10 sekunder"):
        capture(site.public + "/")
    assert site.requests == ["/"]


@pytest.mark.browser
@needs_chromium
def test_a_page_larger_than_the_byte_limit_fails(site, settings):
    settings.KANALKOLL_CAPTURE_MAX_BYTES = 200_000
    site.html("/big", page(extra="<p>" + "x" * 300_000 + "</p>"))
    with pytest.raises(CaptureFailed, match="för stor"):
        capture(site.public + "/big")


@pytest.mark.browser
@needs_chromium
def test_the_byte_limit_counts_the_pages_resources_together(site, settings):
    settings.KANALKOLL_CAPTURE_MAX_BYTES = 200_000
    images = "".join(f"<img src='/img{i}.bin'>" for i in range(5))
    site.html("/many", page(extra=images))
    for i in range(5):
        site.routes[f"/img{i}.bin"] = (200, {"Content-Type": "image/png"}, b"\0" * 60_000)
    with pytest.raises(CaptureFailed, match="för stor"):
        capture(site.public + "/many")


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("status", [404, 500])
def test_an_http_error_fails(site, status):
    site.html("/error", "<h1>Fel</h1>", status=status)
    with pytest.raises(CaptureFailed, match=f"felkod {status}"):
        capture(site.public + "/error")


@pytest.mark.browser
@needs_chromium
def test_a_redirect_on_the_allowed_host_is_followed(site):
    site.redirect("/", "/start")
    site.redirect("/start", site.public + "/kommun", status=301)
    site.html("/kommun", page(1500))
    assert png_size(capture(site.public + "/")) == (1280, 1500)
    assert site.requests == ["/", "/start", "/kommun"]


@pytest.mark.browser
@needs_chromium
def test_endless_redirects_fail(site):
    site.redirect("/loop", "/loop")
    with pytest.raises(CaptureFailed, match="för många"):
        capture(site.public + "/loop")
    assert len(site.requests) == 6


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize(
    "target",
    [
        "{internal}/",
        "http://localhost:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.2]:{port}/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(site, internal, capture_settings, target):
    capture_settings.KANALKOLL_CAPTURE_HOSTS = [
        "test.example",
        "127.0.0.1",
        "127.0.0.2",
        "localhost",
        "::1",
        "::ffff:127.0.0.2",
        "10.0.0.1",
        "169.254.169.254",
    ]
    port = internal.server.server_address[1]
    site.redirect("/", target.format(internal=internal.base, port=port))
    with pytest.raises(CaptureRefused, match="inte en publik webbadress"):
        capture(site.public + "/")
    assert site.requests == ["/"]
    assert internal.requests == []


@pytest.mark.browser
@needs_chromium
def test_a_redirect_to_a_host_not_on_the_list_is_refused(site, internal):
    site.redirect("/", internal.base + "/")
    with pytest.raises(CaptureRefused, match="127.0.0.2"):
        capture(site.public + "/")
    assert internal.requests == []


@pytest.mark.browser
@needs_chromium
def test_the_page_cannot_make_the_browser_reach_an_internal_address(site, internal):
    """Images, frames, fetch, WebSockets and a redirected image: none reach 127.0.0.2;
    the page itself is still captured."""
    site.redirect("/pixel.png", internal.base + "/via-redirect")
    site.html(
        "/",
        page(
            extra=f"""
            <img src="{internal.base}/img">
            <img src="/pixel.png">
            <iframe src="{internal.base}/frame"></iframe>
            <script>
              fetch("{internal.base}/fetch").catch(() => {{}});
              try {{ new WebSocket("ws://127.0.0.2:{internal.server.server_address[1]}/ws"); }}
              catch (e) {{}}
            </script>"""
        ),
    )
    assert png_size(capture(site.public + "/")) == (1280, 900)
    assert "/pixel.png" in site.requests
    assert internal.requests == []


@pytest.mark.browser
@needs_chromium
def test_a_script_that_sends_the_page_to_an_internal_address_is_refused(
    site, internal, capture_settings
):
    capture_settings.KANALKOLL_CAPTURE_HOSTS = ["test.example", "127.0.0.1", "127.0.0.2"]
    site.html("/", page(extra=f"<script>location.href = '{internal.base}/';</script>"))
    with pytest.raises(CaptureRefused):
        capture(site.public + "/")
    assert internal.requests == []


def test_a_missing_browser_fails_with_a_clear_message(site, settings):
    settings.KANALKOLL_CHROMIUM = "/nonexistent/chromium"
    site.html("/", page())
    with pytest.raises(CaptureFailed, match="startade inte"):
        capture(site.public + "/")
    assert site.requests == []


@pytest.mark.browser
@needs_chromium
def test_what_the_browser_would_fetch_beside_the_route_goes_nowhere(internal):
    """The launch arguments send the browser's own traffic to a dead proxy: without
    the route, a page's fetch and WebSocket still do not reach 127.0.0.2."""
    port = internal.server.server_address[1]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=capture_module.CHROMIUM_ARGS
        )
        try:
            page_ = browser.new_page()
            page_.set_content(
                f"""<script>
                  new WebSocket("ws://127.0.0.2:{port}/ws");
                  fetch("http://127.0.0.2:{port}/fetch").catch(() => {{}});
                </script>"""
            )
            page_.wait_for_timeout(1000)
        finally:
            browser.close()
    assert internal.requests == []


@pytest.mark.browser
@needs_chromium
def test_dns_rebinding_cannot_send_the_capture_to_an_internal_address(site, internal):
    """A resolver that answers the site's public address first and 127.0.0.2 after:
    the page is fetched from the address that was checked, looked up once, and the
    internal server is never reached."""
    internet = Internet()
    internet.add("rebind.test.example", site.server.server_address)
    asked = []

    def rebinding(host):
        asked.append(host)
        return [internet.names[host]] if len(asked) == 1 else ["127.0.0.2"]

    site.html("/", page(100))
    guard = netguard.Guard(resolve=rebinding, dial=internet.dial)
    assert png_size(capture("http://rebind.test.example/", guard)) == (1280, 900)
    assert asked == ["rebind.test.example"]
    assert site.requests == ["/"]
    assert internal.requests == []
