"""The address guard below every app (core/netguard.py).

Real servers on 127.0.0.1 stand for an internal service (they record every request and
must stay empty where the guard refuses) and, through a stand-in internet
(tests/netguard_helpers.py), for public sites.
"""

import http.server
import shutil
import ssl
import subprocess
import threading

import pytest

from core import netguard
from core.netguard import GUARD, Guard, NotPublic, Refused, TooManyRedirects, is_public

from .netguard_helpers import Internet

PUBLIC = "93.184.216.34"


class Server(http.server.ThreadingHTTPServer):
    """Records (path, Host header) of every request; answers from `routes`."""

    daemon_threads = True

    def __init__(self, host="127.0.0.1"):
        super().__init__((host, 0), _Handler)
        self.routes = {}
        self.requests = []
        self.port = self.server_address[1]
        self.local = f"http://{host}:{self.port}"
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self):
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server name
        self.server.requests.append((self.path, self.headers.get("Host")))
        status, headers, body = self.server.routes.get(self.path, (200, {}, b"ok"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def internal():
    """The internal service that must never be reached."""
    server = Server()
    yield server
    server.close()


@pytest.fixture
def site():
    server = Server()
    yield server
    server.close()


def get(guard, url, **kwargs):
    with guard.request(url, timeout=5, **kwargs) as response:
        return response.status, response.read(1000)


# -- what is public ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.2",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # link-local: the cloud's metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "198.51.100.1",
        "203.0.113.1",
        "198.18.0.1",  # benchmarking
        "::1",
        "::",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "fe80::1",
        "fe80::1%lo",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",  # site-local (global to Python 3.11's ipaddress)
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "2001:db8::1",  # documentation
        "3fff::1",  # documentation (RFC 9637)
        "not an address",
    ],
)
def test_internal_addresses_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34", "64:ff9b::808:808"],
)
def test_public_addresses_are_public(address):
    assert is_public(address)


# -- refused before any connection ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://2130706433:{port}/",  # 127.0.0.1 written as one number
        "http://0x7f.0.0.1:{port}/",
        "http://127.1:{port}/",
        "HTTP://LOCALHOST.:{port}/",
    ],
)
def test_a_loopback_server_receives_nothing(internal, url):
    """The production guard, with the system's resolver and real TCP."""
    with pytest.raises(NotPublic, match="Adressen är inte en publik webbadress."):
        GUARD.request(url.format(port=internal.port), timeout=5)
    assert internal.requests == []


def test_a_name_with_one_internal_address_among_public_ones_is_refused(internal):
    dialled = []
    guard = Guard(
        resolve=lambda host: [PUBLIC, "127.0.0.1"],
        dial=lambda *args: dialled.append(args),
    )
    with pytest.raises(NotPublic):
        guard.request("http://mixed.test.example/")
    assert dialled == [] and internal.requests == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "http:// eller https://"),
        ("ftp://example.com/", "http:// eller https://"),
        ("gopher://example.com/", "http:// eller https://"),
        ("//example.com/", "http:// eller https://"),
        ("http:///nohost", "värdnamn"),
        ("http://example.com:99999/", "vanlig webbadress"),
        ("http://evil.example\\@example.com/", "vanlig webbadress"),
        ("http://user@example.com/", "vanlig webbadress"),
        ("http://example.com/\n", "vanlig webbadress"),
        ("http://example.com:8080/", "standardporten"),
        ("https://example.com:80/", "standardporten"),
        ("http://example.com:443/", "standardporten"),
    ],
)
def test_only_http_and_https_on_their_own_ports(url, message):
    guard = Guard(resolve=lambda host: [PUBLIC], dial=pytest.fail)
    with pytest.raises(Refused, match=message):
        guard.check(url)


# -- redirects --------------------------------------------------------------------------


def test_a_redirect_to_loopback_is_refused_at_the_hop(site, internal):
    internet = Internet()
    base = internet.add("public.test.example", site.server_address)
    site.routes["/"] = (302, {"Location": internal.local + "/secret"}, b"")
    with pytest.raises(NotPublic):
        get(internet.guard, base + "/")
    assert [path for path, _ in site.requests] == ["/"]
    assert internal.requests == []


def test_every_hop_is_checked_and_dialled_at_its_own_checked_address(site):
    internet = Internet()
    first = internet.add("first.test.example", site.server_address)
    second = internet.add("second.test.example", site.server_address)
    site.routes["/"] = (301, {"Location": second + "/next"}, b"")
    site.routes["/next"] = (200, {}, b"here")
    assert get(internet.guard, first + "/") == (200, b"here")
    assert site.requests == [("/", "first.test.example"), ("/next", "second.test.example")]
    assert internet.dialled == [
        (internet.names["first.test.example"], 80),
        (internet.names["second.test.example"], 80),
    ]


def test_redirects_are_limited(site):
    internet = Internet()
    base = internet.add("loop.test.example", site.server_address)
    site.routes["/"] = (302, {"Location": "/"}, b"")
    with pytest.raises(TooManyRedirects):
        get(internet.guard, base + "/")
    assert len(site.requests) == netguard.MAX_REDIRECTS + 1


def test_with_no_redirects_allowed_the_redirect_is_returned(site):
    internet = Internet()
    base = internet.add("moved.test.example", site.server_address)
    site.routes["/"] = (302, {"Location": "http://127.0.0.1/"}, b"")
    with internet.guard.request(base + "/", redirects=0) as response:
        assert response.status == 302
        assert response.headers["Location"] == "http://127.0.0.1/"


# -- pinned connections -----------------------------------------------------------------


def test_dns_rebinding_connects_to_the_checked_address(site, internal):
    """A resolver that answers a public address first and loopback after: the request
    goes to the first answer, checked, and the name is not looked up again."""
    internet = Internet()
    internet.add("rebind.test.example", site.server_address)
    answers = [[internet.names["rebind.test.example"]], [internal.server_address[0]]]
    asked = []

    def rebinding(host):
        asked.append(host)
        return answers[min(len(asked), 2) - 1]

    guard = Guard(resolve=rebinding, dial=internet.dial)
    assert get(guard, f"http://rebind.test.example:80/?port={internal.port}") == (200, b"ok")
    assert asked == ["rebind.test.example"]
    assert internet.dialled == [(internet.names["rebind.test.example"], 80)]
    assert site.requests == [(f"/?port={internal.port}", "rebind.test.example")]
    assert internal.requests == []
    # The second answer is loopback indeed, and a second check refuses it.
    with pytest.raises(NotPublic):
        guard.check("http://rebind.test.example/")


def test_the_host_header_is_the_name_and_the_path_is_kept(site):
    internet = Internet()
    base = internet.add("name.test.example", site.server_address)
    get(internet.guard, base + "/a%20b/ä?q=1&r=å")
    assert site.requests == [("/a%20b/%C3%A4?q=1&r=%C3%A5", "name.test.example")]


def test_an_unreachable_server_gives_one_plain_message():
    """Refused, reset or closed: the same words, none from the socket."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        internet = Internet()
        base = internet.add("closed.test.example", sock.getsockname())
    with pytest.raises(netguard.Unreachable) as caught:
        get(internet.guard, base + "/")
    assert str(caught.value) == "Servern gick inte att nå."
    assert "refused" in caught.value.detail.lower()


# -- TLS against the name, on the pinned address ----------------------------------------

needs_openssl = pytest.mark.skipif(not shutil.which("openssl"), reason="no openssl")


def certificate(tmp_path, name):
    key, cert = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", key, "-out", cert, "-subj", f"/CN={name}"]
        + ["-addext", f"subjectAltName=DNS:{name}"],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.fixture
def tls_site(tmp_path):
    key, cert = certificate(tmp_path, "tls.test.example")
    server = Server()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.sni = []
    context.sni_callback = lambda sock, name, ctx: server.sni.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.cert = cert
    yield server
    server.close()


@needs_openssl
def test_https_verifies_the_name_and_sends_it_as_sni(tls_site):
    internet = Internet()
    internet.add("tls.test.example", tls_site.server_address)
    internet.add("other.test.example", tls_site.server_address)
    trust = ssl.create_default_context(cafile=tls_site.cert)
    guard = Guard(resolve=internet.resolve, dial=internet.dial, tls=trust)
    assert get(guard, "https://tls.test.example/") == (200, b"ok")
    assert tls_site.sni == ["tls.test.example"]
    assert tls_site.requests == [("/", "tls.test.example")]
    # The same server under a name its certificate does not carry: refused by TLS.
    with pytest.raises(netguard.Unreachable) as caught:
        get(guard, "https://other.test.example/")
    assert "certificate" in caught.value.detail.lower()
    # And with the system's trust store the test's own certificate is not trusted.
    with pytest.raises(netguard.Unreachable):
        get(internet.guard, "https://tls.test.example/")
