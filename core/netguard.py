"""The one guard for every request the server makes outward (feeds, captures, and
whatever comes next): only public web addresses, and a connection to the very address
that was checked.

`Guard.check(url)` refuses anything but http:// and https:// on their standard ports
(80, 443), a URL that parsers read differently, and a host that resolves to any
address that is not public (loopback, private, link-local, CGNAT, multicast,
reserved, unspecified, documentation, site-local, and those hidden in IPv4-mapped,
NAT64, 6to4 and Teredo IPv6 addresses). `Guard.request()` checks every redirect hop
the same way (at most MAX_REDIRECTS), and its connections are pinned: they dial the
checked address while sending the original Host header and verifying TLS (SNI and the
certificate) against the host name. Nothing resolves the name a second time, so an
answer that changes between the check and the connection (DNS rebinding) changes
nothing. Proxies from the environment are not used: a proxy would resolve the name
itself.

The edges of the world are attributes of the guard: `resolve` (a name to its
addresses), `dial` (an address and port to a connected socket) and `tls` (the trust
store). Production uses
GUARD, with the system's resolver and plain TCP. Tests build their own Guard whose
resolver answers public addresses for test names and whose dial connects those
addresses to local test servers; every check still runs. There is deliberately no
setting that turns the guard off.

Errors carry a plain Swedish message for the user; the technical detail (the socket
error) is logged, never shown.

Size: one security boundary, read and reviewed as a whole; the address rules, the pinned
connections and the deadline depend on each other and are not used apart.
"""

import http.client
import io
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
PORTS = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}

# Ranges that are never public, whatever the Python version's ipaddress believes
# (3.11 calls fec0::/10, 64:ff9b:1::/48 and 3fff::/20 global, for instance).
BLOCKED = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # this network, unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/96",  # unspecified, loopback, IPv4-compatible
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo's inner addresses are checked too)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class NetError(Exception):
    """A request that was refused or failed. str() is a Swedish sentence for the user;
    `detail` is for the log."""

    def __init__(self, message, detail=""):
        super().__init__(message)
        self.detail = detail


class Refused(NetError):
    """The URL may not be fetched at all (scheme, port, form, address)."""


class NotPublic(Refused):
    def __init__(self, detail=""):
        super().__init__(_("Adressen är inte en publik webbadress."), detail)


class Unresolvable(NetError):
    def __init__(self, host, detail=""):
        super().__init__(_("Adressen %(host)s kunde inte slås upp.") % {"host": host}, detail)


class Unreachable(NetError):
    """No HTTP answer: the connection was refused, reset or closed, TLS failed, or what
    came back was not HTTP. One message for all, so that nothing tells them apart."""

    def __init__(self, detail=""):
        super().__init__(_("Servern gick inte att nå."), detail)


class TimedOut(NetError):
    """The server was silent for longer than the timeout of one read."""

    def __init__(self, seconds, detail=""):
        super().__init__(
            _("Servern svarade inte inom %(s)s sekunder.") % {"s": f"{seconds:g}"}, detail
        )
        self.seconds = seconds


class DeadlinePassed(NetError):
    """The whole answer took longer than its deadline, however slowly it came."""

    def __init__(self, detail=""):
        super().__init__(_("Svaret tog för lång tid."), detail)


class TooManyRedirects(NetError):
    def __init__(self, detail=""):
        super().__init__(_("Adressen skickade vidare för många gånger."), detail)


def is_public(address: str) -> bool:
    """Whether an IPv4 or IPv6 address is globally routable: not in BLOCKED, global to
    Python, and so is every IPv4 address inside it (IPv4-mapped, NAT64, 6to4, Teredo)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    inner = []
    if ip.version == 6:
        if ip.ipv4_mapped:
            return is_public(str(ip.ipv4_mapped))
        if ip in NAT64:  # what DNS64 gives for an IPv4-only name: the IPv4 address decides
            return is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip.sixtofour:
            inner.append(ip.sixtofour)
        if ip.teredo:
            inner.extend(ip.teredo)
        ip = ipaddress.IPv6Address(int(ip))  # without a %scope
    bad = (
        any(ip in net for net in BLOCKED if net.version == ip.version)
        or not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )
    return not bad and all(is_public(str(i)) for i in inner)


def system_resolve(host: str) -> list[str]:
    """Every address `host` resolves to, as the system's resolver answers."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def system_dial(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to an address (never a name: nothing is resolved here)."""
    return socket.create_connection((address, port), timeout=timeout)


@dataclass(frozen=True)
class Target:
    """A checked URL: the name to send (Host, SNI) and the public addresses to dial."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Guard:
    resolve: Callable[[str], list[str]] = system_resolve
    dial: Callable[[str, int, float], socket.socket] = system_dial
    tls: ssl.SSLContext | None = None  # None: the system's trust store, names checked

    def check(self, url: str) -> Target:
        """The URL's target, or Refused / Unresolvable."""
        parts = _split(url)
        host = _host(parts)
        try:
            addresses = tuple(self.resolve(host))
        except (OSError, UnicodeError) as exc:
            logger.info("netguard: %s did not resolve: %r", host, exc)
            raise Unresolvable(host, repr(exc)) from exc
        bad = [a for a in addresses if not is_public(a)]
        if bad or not addresses:
            logger.warning("netguard: refused %s: %s resolves to %s", url, host, addresses)
            raise NotPublic(f"{host} -> {addresses}")
        port = parts.port or PORTS[parts.scheme]
        if port != PORTS[parts.scheme]:
            raise Refused(
                _("Bara standardporten kan användas (80 för http://, 443 för https://)."),
                f"port {port}",
            )
        path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
        if parts.query:
            path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
        return Target(url, parts.scheme, host, port, path, addresses)

    def request(
        self,
        url,
        *,
        method="GET",
        headers=None,
        body=None,
        timeout=10,
        deadline=None,
        redirects=MAX_REDIRECTS,
        checked=None,
    ):
        """Send one request and return its Response (the caller closes it), following
        up to `redirects` redirects, each hop checked like the first. With
        redirects=0 a redirect is returned as it is. `timeout` bounds each connect and
        read, `deadline` (time.monotonic()) the whole answer, body included. `checked`
        is this guard's Target for `url` from an earlier check: the first hop then
        dials the addresses checked there, without a second lookup."""
        deadline = deadline if deadline is not None else time.monotonic() + 30
        followed = 0
        while True:
            if checked is not None and checked.url == url and not followed:
                target = checked
            else:
                target = self.check(url)
            connection = _connection(self, target, timeout, deadline)
            try:
                connection.request(method, target.path, body=body, headers=headers or {})
                answer = connection.getresponse()
            except Exception as exc:
                connection.close()
                _raise_translated(exc, target, timeout)
            location = answer.getheader("Location")
            if not (redirects and answer.status in REDIRECTS and location):
                return Response(target, answer, connection, timeout)
            answer.close()
            connection.close()
            if followed == redirects:
                raise TooManyRedirects(f"{url} -> {location}")
            followed += 1
            url = urljoin(url, location.strip())
            if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
                method, body = "GET", None


GUARD = Guard()


def check(url: str) -> Target:
    """The production guard's check (for forms: refuse a URL when it is typed)."""
    return GUARD.check(url)


class Response:
    """An answer to a pinned request: status, headers, and a body read within limits."""

    def __init__(self, target, answer, connection, timeout):
        self.target = target
        self.url = target.url
        self.status = answer.status
        self.headers = answer.headers
        self._answer = answer
        self._connection = connection
        self._timeout = timeout

    def read(self, limit):
        """At most limit + 1 bytes of the body (so the caller sees it was too big)."""
        body = bytearray()
        try:
            while len(body) <= limit:
                chunk = self._answer.read1(limit + 1 - len(body))
                if not chunk:
                    break
                body += chunk
        except Exception as exc:
            _raise_translated(exc, self.target, self._timeout)
        return bytes(body)

    def close(self):
        self._answer.close()
        self._connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _split(url):
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise Refused(_("Bara adresser som börjar med http:// eller https:// kan hämtas."))
    # Python, curl and browsers read these differently ("http://a\@b/"): refuse them.
    if any(c == "\\" or c.isspace() or not c.isprintable() for c in url):
        raise Refused(_("Adressen är inte en vanlig webbadress."))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise Refused(_("Adressen är inte en vanlig webbadress."), repr(exc)) from exc
    if "@" in parts.netloc:
        raise Refused(_("Adressen är inte en vanlig webbadress."))
    return parts._replace(scheme=parts.scheme.lower())


def _host(parts):
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused(_("Adressen saknar ett giltigt värdnamn."))
    if ":" in host:  # an IPv6 literal
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise Refused(_("Adressen saknar ett giltigt värdnamn."), repr(exc)) from exc


def _raise_translated(exc, target, timeout):
    """Raise an exception from connecting, sending or reading as a NetError (logged)."""
    if isinstance(exc, TimeoutError):
        logger.info("netguard: %s timed out: %r", target.url, exc)
        raise TimedOut(timeout, repr(exc)) from exc
    if isinstance(exc, OSError | http.client.HTTPException | ValueError):
        logger.info("netguard: %s failed: %r", target.url, exc)
        raise Unreachable(repr(exc)) from exc
    raise exc


class _Deadline:
    """A connected socket whose reads stop at a deadline: each read waits at most the
    timeout and never past the deadline, so a server that sends its status line,
    headers or body a byte at a time is cut off as well. http.client reads only
    through makefile."""

    def __init__(self, sock, timeout, deadline):
        self._sock = sock
        self._timeout = timeout
        self._deadline = deadline

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def recv_into(self, buffer, nbytes=0, flags=0):
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("deadline passed")
        self._sock.settimeout(min(self._timeout, left))
        try:
            return self._sock.recv_into(buffer, nbytes, flags)
        except TimeoutError:
            if time.monotonic() >= self._deadline:
                raise DeadlinePassed("deadline passed") from None
            raise

    def makefile(self, mode="rb", *args, **kwargs):
        # As socket.makefile does: the socket stays open while the file is in use, even
        # after the connection closes it (a response read to its end after "close").
        self._sock._io_refs += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))


class _Pinned:
    """Mixed into http.client's connections: connect to the checked addresses (in
    turn, as socket.create_connection does) instead of resolving the host again."""

    def __init__(self, guard, target, timeout, deadline, **kwargs):
        super().__init__(target.host, target.port, timeout=timeout, **kwargs)
        self._guard = guard
        self._target = target
        self._deadline = deadline

    def _dial(self):
        error = None
        for address in self._target.addresses:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise DeadlinePassed("deadline passed while connecting")
            try:
                sock = self._guard.dial(address, self._target.port, min(self.timeout, left))
            except OSError as exc:
                error = exc
                continue
            sock.settimeout(min(self.timeout, max(left, 0.001)))
            return sock
        raise error

    def _limit(self, sock):
        return _Deadline(sock, self.timeout, self._deadline)


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def connect(self):
        self.sock = self._limit(self._dial())


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def __init__(self, guard, target, timeout, deadline):
        context = guard.tls or ssl.create_default_context()
        super().__init__(guard, target, timeout, deadline, context=context)

    def connect(self):
        sock = self._dial()
        try:  # SNI and the certificate checked against the name, not the address
            tls = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = self._limit(tls)


def _connection(guard, target, timeout, deadline):
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    return cls(guard, target, timeout, deadline)
