"""The monitoring API reads chunked bodies (Transfer-Encoding: chunked, no Content-Length)
within the same size limit, from gunicorn (which de-chunks and sets wsgi.input_terminated)
and from Django's own server (which passes the chunks as they came)."""

import http.client
import io
import json
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import LimitedStream
from django.utils import timezone

from moderation import api, tokens
from moderation.models import Item

ITEMS = "/api/v1/items"


@pytest.fixture
def key(org, account):
    _token, key = tokens.issue(
        org.people.kommunikationsavdelningen, account, "Bevakaren", now=timezone.now()
    )
    return key


def payload(external_id="chunk-1", text="Öppnar ni på lördag?"):
    # No posted_at: the deadline runs from when the item is received.
    return json.dumps({"external_id": external_id, "kind": "fraga", "text": text}).encode()


def chunked(data, size=1000):
    """The bytes of a chunked body as a client sends them."""
    out = b"".join(
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
        for i in range(0, len(data), size)
    )
    return out + b"0\r\n\r\n"


class CountingStream(io.BytesIO):
    """A body stream that remembers how much was read from it."""


def post(client, key, stream, **extra):
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {key}",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": stream,
    }
    return client.generic("POST", ITEMS, **(headers | extra))


def test_a_chunked_body_from_gunicorn_is_read(client, key):
    """gunicorn de-chunks the body and sets wsgi.input_terminated: read until EOF."""
    response = post(client, key, io.BytesIO(payload()), **{"wsgi.input_terminated": True})
    assert response.status_code == 201, response.content
    assert Item.objects.get().external_id == "chunk-1"


def test_a_chunked_body_from_djangos_server_is_read(client, key):
    """Django's runserver passes the raw chunks behind a stream limited to 0 bytes."""
    raw = io.BytesIO(chunked(payload(), size=7) + b"GET /next HTTP/1.1\r\n")
    response = post(client, key, LimitedStream(raw, 0))
    assert response.status_code == 201, response.content
    assert Item.objects.get().text == "Öppnar ni på lördag?"
    assert raw.read() == b"GET /next HTTP/1.1\r\n"  # read up to the body's end, no further


@pytest.mark.parametrize("server", ["gunicorn", "django"])
def test_a_chunked_body_over_the_limit_is_413_without_reading_it_all(client, key, server):
    data = payload(text="å" * 300_000)
    if server == "gunicorn":
        stream = CountingStream(data)
        response = post(client, key, stream, **{"wsgi.input_terminated": True})
    else:
        stream = CountingStream(chunked(data, size=16 * 1024))
        response = post(client, key, LimitedStream(stream, 0))
    assert response.status_code == 413
    assert response.json()["error"] == f"Kroppen får vara högst {api.MAX_BODY} byte."
    assert stream.tell() <= api.MAX_BODY + 16 * 1024 + 16
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [b"zz\r\n{}\r\n0\r\n\r\n", b"5\r\n{}", b"2\r\n{}XX0\r\n\r\n", b"2\r\n{}\r\n", b"-2\r\n{}\r\n"],
)
def test_bad_chunked_framing_is_a_400(client, key, raw):
    response = post(client, key, LimitedStream(io.BytesIO(raw), 0))
    assert response.status_code == 400
    assert response.json()["error"] == "Kroppen kunde inte läsas som den skickades."


def test_content_length_and_chunked_together_are_refused(client, key):
    data = payload()
    response = post(client, key, io.BytesIO(data), CONTENT_LENGTH=str(len(data)))
    assert response.status_code == 400
    assert not Item.objects.exists()


def _send_chunked(live_server, key, chunks):
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(
            "POST",
            ITEMS,
            body=iter(chunks),
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",  # as the kommun's proxy says
            },
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.getheader("Content-Length") is not None  # a complete answer
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_real_chunked_request_to_the_live_server(live_server, key):
    data = payload(external_id="live-1")
    status, answer = _send_chunked(live_server, key, [data[:10], data[10:25], data[25:]])
    assert status == 201, answer
    assert answer["external_id"] == "live-1" and answer["created"] is True
    assert Item.objects.filter(external_id="live-1").exists()


def test_a_real_chunked_request_over_the_limit_is_413(live_server, key):
    """Four chunks of 64 KiB fill the limit; the next chunk's size line alone is refused,
    before its bytes are read (so the test sends no more than the server reads)."""
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest("POST", ITEMS)
        for name, value in [
            ("Authorization", f"Bearer {key}"),
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
            ("X-Forwarded-Proto", "https"),
        ]:
            connection.putheader(name, value)
        connection.endheaders()
        block = b" " * (64 * 1024)
        for _ in range(api.MAX_BODY // len(block)):
            connection.send(b"%x\r\n%s\r\n" % (len(block), block))
        connection.send(b"1\r\n")
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"].startswith("Kroppen får vara högst")
    finally:
        connection.close()
    assert not Item.objects.exists()
