"""Platform deliveries without the internet: Meta's recorded payloads (tests/fixtures/
meta/), signed with a test secret, a small fake Graph API (and Mastodon instance) on
127.0.0.1, and a socket guard that refuses any connection that would leave loopback."""

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from moderation.intake import meta

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "meta"
SECRET = "test-app-secret-not-real"
VERIFY_TOKEN = "test-verify-token"
PAGE_ID = "106123456789012"
INSTAGRAM_ID = "17841401234567890"
GRAPH_NAME = "graph.facebook.test.example"
PERMALINK = "https://www.facebook.com/testbybibliotek/posts/pfbid0parent"


def payload(name):
    return json.loads((FIXTURES / name).read_text())


def body_of(name_or_payload):
    data = payload(name_or_payload) if isinstance(name_or_payload, str) else name_or_payload
    return json.dumps(data, ensure_ascii=False).encode()


def signed_headers(body, secret=SECRET):
    return {"HTTP_X_HUB_SIGNATURE_256": meta.sign(body, secret)}


class FakeServer:
    """A thread with http.server on 127.0.0.1 answering GET from `routes` (path → JSON,
    or a callable of the query); every request is kept in `requests`."""

    def __init__(self, routes):
        self.routes = routes
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                server.requests.append(
                    {
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "headers": dict(self.headers),
                    }
                )
                answer = server.routes.get(parts.path)
                if callable(answer):
                    answer = answer(parse_qs(parts.query))
                status, data = (200, answer) if answer is not None else (404, {"error": "nope"})
                encoded = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class LoopbackOnly:
    """socket.create_connection that refuses (and records) any non-loopback address."""

    def __init__(self, original):
        self.original = original
        self.refused = []
        self.allowed = []

    def __call__(self, address, *args, **kwargs):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            self.refused.append(address)
            raise OSError(f"test boundary: no connection to {address} leaves 127.0.0.1")
        self.allowed.append(address)
        return self.original(address, *args, **kwargs)


def loopback_only(monkeypatch):
    guard = LoopbackOnly(socket.create_connection)
    monkeypatch.setattr(socket, "create_connection", guard)
    return guard


def receive_comment(account, comment_id="comment-1", text="Öppet i helgen?", *, actor, now):
    """A delivered comment on `account` as the webhook makes it (the page id recorded on
    the account through the register's service first): returns its item."""
    from accounts.services import update_account
    from moderation.intake import services
    from moderation.intake.base import Incoming

    if not account.platform_page_id:
        update_account(actor, account.pk, {"platform_page_id": f"page-{account.pk}"}, now=now)
        account.refresh_from_db()
    incoming = Incoming(
        source="facebook",
        account_platforms=(account.platform,),
        page_id=account.platform_page_id,
        object_id=comment_id,
        verb="add",
        raw={"field": "feed", "value": {"comment_id": comment_id, "message": text}},
        occurred_at=now,
        text=text,
        author="Kim",
        post_url="https://www.facebook.com/testby/posts/1",
    )
    adapter = meta.MetaAdapter(graph_url="http://graph.invalid", access_token="")
    (result,) = services.receive(
        adapter, [incoming], signature="sha256=test", signature_valid=True, now=now
    )
    from moderation.models import Item

    return Item.objects.get(pk=result.item_id)


def author_change(account, item, verb, text, *, now):
    """The platform tells that the author of `item`'s comment edited ("edited") or removed
    ("remove") it."""
    from moderation.intake import services
    from moderation.intake.base import Incoming

    incoming = Incoming(
        source="facebook",
        account_platforms=(account.platform,),
        page_id=account.platform_page_id,
        object_id=item.external_id,
        verb=verb,
        raw={"field": "feed", "value": {"verb": verb, "message": text}},
        occurred_at=now,
        text=text,
        author="Kim",
    )
    adapter = meta.MetaAdapter(graph_url="http://graph.invalid", access_token="")
    return services.receive(
        adapter, [incoming], signature="sha256=x", signature_valid=True, now=now
    )
