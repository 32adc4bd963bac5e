"""Browser tests of the public face: WCAG 2.1 AA (axe-core) on the two
tillgänglighetsredogörelser, the statement's edit form, the embeddable list (the iframe
page and the fragment as the kommun's website shows it) and the public register with
its privacy links; and the iframe page framed by another site while the register itself
refuses to be framed.

Fixtures and helpers come from tests/test_browser.py, the screenshot folder from
tests/test_browser_moderation.py.
"""

import http.server
import threading

import pytest

from accounts import platforms

from .factories import AccountFactory
from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
    url,
)
from .test_browser_moderation import shots  # noqa: F401 (a fixture used by name)

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def public_accounts(org):
    org.kommun.privacy_url = "https://www.testby.example/personuppgifter"
    org.kommun.contact_email = "kommun@testby.example"
    org.kommun.save()
    common = {"unit": org.bibliotek, "responsible": org.people.medarbetare}
    AccountFactory(
        display_name="Biblioteket på Instagram",
        platform=platforms.INSTAGRAM,
        url="https://www.instagram.com/testbybibliotek",
        **common,
    )
    AccountFactory(
        display_name="Testby på Mastodon",
        platform=platforms.MASTODON,
        url="https://mastodon.example/@testby",
        **common,
    )


def test_every_new_page_passes_axe(page, live_server, org, public_accounts, shots):  # noqa: F811
    for path, heading in (
        ("/tillganglighet/", "Tillgänglighetsredogörelse för Förteckningen"),
        ("/tillganglighet/intranat/", "Tillgänglighetsredogörelse för Kanalkoll"),
        ("/register/inbaddad/", "Officiella konton i sociala medier för Testby kommun"),
        ("/register/", "Officiella konton i sociala medier"),
    ):
        goto(page, live_server, path)
        assert page.locator("h1").count() == 1
        expect(page.locator("h1")).to_contain_text(heading)
        assert_accessible(page)
        page.screenshot(
            path=str(shots / f"public-{path.strip('/').replace('/', '-')}.png"), full_page=True
        )
    expect(page.locator('a[rel~="me"]')).to_have_attribute(
        "href", "https://mastodon.example/@testby"
    )

    # The fragment as the kommun's website shows it, inside the site's own page.
    fragment = page.request.get(url(live_server, "/register/lista.html")).text()
    page.set_content(
        '<!doctype html><html lang="sv"><head><title>Testby kommun</title></head>'
        f"<body><main><h1>Testby kommun</h1>{fragment}</main></body></html>"
    )
    expect(page.get_by_role("link", name="Testby på Mastodon")).to_be_visible()
    assert_accessible(page)

    # The statement's form, for kommunikationsavdelningen.
    sign_in(page, live_server, "kommunikationsavdelningen")
    goto(page, live_server, "/tillganglighet/intranat/andra/")
    assert_accessible(page)
    page.get_by_label("kommunen har bekräftat redogörelsen").check()
    page.get_by_role("button", name="Publicera").click()
    page.wait_for_url(url(live_server, "/tillganglighet/intranat/"))
    expect(page.get_by_text("Tillgänglighetsredogörelsen är publicerad.")).to_be_visible()
    expect(page.get_by_text("Förslag – kommunen bekräftar.")).to_have_count(0)
    assert_accessible(page)


@pytest.fixture
def kommun_site():
    """The kommun's website: another origin on the loopback address, a small real server
    (Chromium refuses a page the browser made up to frame a local address)."""
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    server.server_close()


def test_only_the_embed_page_can_be_framed_by_another_site(
    page,  # noqa: F811
    browser,  # noqa: F811
    live_server,
    org,
    public_accounts,
    kommun_site,
):
    origin, pages = kommun_site
    pages["/"] = (
        '<!doctype html><html lang="sv"><head><title>Testby</title></head><body>'
        f'<iframe id="lista" title="Kommunens konton" src="{url(live_server, "/register/inbaddad/")}"></iframe>'
        f'<iframe id="register" title="Förteckningen" src="{url(live_server, "/register/")}"></iframe>'
        "</body></html>"
    )
    page.goto(origin + "/")
    embedded = page.frame_locator("#lista")
    expect(embedded.get_by_role("link", name="Biblioteket på Instagram")).to_be_visible()
    page.wait_for_timeout(500)
    # The register refuses (X-Frame-Options DENY and frame-ancestors 'none'): the
    # browser reports it, and nothing of the register is shown in the frame.
    refused = browser.csp.take()
    # One refusal only: the register's frame (the embed page's frame-ancestors is "*").
    assert len(refused) == 1 and "frame-ancestors 'none'" in refused[0], refused
    expect(page.frame_locator("#register").get_by_role("heading", level=1)).to_have_count(0)
