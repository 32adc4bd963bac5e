"""Reading a request body within a size limit, with or without Content-Length.

A client may send its body chunked (Transfer-Encoding: chunked, no Content-Length).
Django's request.read() then gives nothing: it reads at most CONTENT_LENGTH bytes.
Servers pass such a body in one of two ways, and read_body() handles both:

- gunicorn (and mod_wsgi, uWSGI) de-chunk it themselves and set `wsgi.input_terminated`:
  wsgi.input ends where the body ends, so it is read until EOF.
- Django's runserver and test live server (wsgiref) pass the connection's bytes as they
  came, still chunked, behind a stream limited to CONTENT_LENGTH (0): the chunks are
  read and decoded here from the underlying stream, up to the last chunk and trailers.

Either way at most `limit` + a chunk header is read: a larger body raises TooLarge
without reading the rest into memory.
"""

from django.core.handlers.wsgi import LimitedStream

BLOCK = 64 * 1024
MAX_LINE = 1024  # a chunk-size line or trailer line


class BodyError(ValueError):
    """The body cannot be read as sent (bad chunked framing, conflicting headers)."""


class TooLarge(BodyError):
    pass


def read_body(request, limit):
    """The request body as bytes; TooLarge when it is longer than `limit`."""
    meta = request.META
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    length = meta.get("CONTENT_LENGTH") or ""
    if chunked and length:
        # Two framings at once is how requests are smuggled: refuse, do not choose.
        raise BodyError("Both Content-Length and Transfer-Encoding: chunked")
    if length:
        try:
            size = int(length)
        except ValueError as exc:
            raise BodyError("Content-Length is not a number") from exc
        if size > limit:
            raise TooLarge(size)
        return _bounded(request.read, limit)
    if meta.get("wsgi.input_terminated"):
        return _bounded(meta["wsgi.input"].read, limit)
    if chunked:
        return _dechunk(*_raw(meta["wsgi.input"]), limit)
    return b""


def _bounded(read, limit):
    """Read until EOF, but never more than limit + 1 bytes."""
    parts, total = [], 0
    while True:
        data = read(min(BLOCK, limit + 1 - total))
        if not data:
            return b"".join(parts)
        parts.append(data)
        total += len(data)
        if total > limit:
            raise TooLarge(total)


def _raw(stream):
    """(read, readline) of the connection behind the dev server's 0-byte LimitedStream."""
    if isinstance(stream, LimitedStream):
        return stream._read, stream._readline
    return stream.read, stream.readline


def _dechunk(read, readline, limit):
    """Decode a chunked body (RFC 9112, 7.1) up to the last chunk and its trailers."""
    parts, total = [], 0
    while True:
        line = readline(MAX_LINE)
        if not line.endswith(b"\n"):
            raise BodyError("Chunk size line missing or too long")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise BodyError("Bad chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        if total + size > limit:
            raise TooLarge(total + size)
        data = _exactly(read, size)
        parts.append(data)
        total += size
        if _exactly(read, 2) not in (b"\r\n",):
            raise BodyError("Chunk not followed by CRLF")
    for _ in range(100):  # trailer lines, up to the empty line
        line = readline(MAX_LINE)
        if line in (b"\r\n", b"\n"):
            return b"".join(parts)
        if not line.endswith(b"\n"):
            break
    raise BodyError("Chunked body not terminated")


def _exactly(read, size):
    parts, left = [], size
    while left:
        data = read(min(left, BLOCK))
        if not data:
            raise BodyError("Body ended inside a chunk")
        parts.append(data)
        left -= len(data)
    return b"".join(parts)
