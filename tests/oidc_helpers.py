"""A real OpenID provider for the tests: tests/oidc/provider.mjs (the npm package
oidc-provider) started with node on a free port of 127.0.0.1, and stopped after.

`OidcProvider(redirect_bases)` registers one client whose redirect and post-logout URIs
are on the given bases (the test client's http://testserver, the live server's URL).
Its accounts (id -> claims) are a JSON file read at every request: `set_account()`
changes a person's claims (their groups) between two sign-ins. `configure(settings)`
points Kanalkoll at it.
"""

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "kanalkoll-test"
CLIENT_SECRET = "provider-test-secret-7f3a9c"  # noqa: S105 - the test provider's own


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    def __init__(self, redirect_bases):
        if shutil.which("node") is None or not (ROOT / "node_modules" / "oidc-provider").exists():
            pytest.skip("node or the npm package oidc-provider is not installed (make install)")
        self.folder = Path(tempfile.mkdtemp(prefix="kanalkoll-oidc-"))
        self.accounts_file = self.folder / "accounts.json"
        self.accounts = {}
        self._write()
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        bases = [b.rstrip("/") for b in redirect_bases]
        config = {
            "port": self.port,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{b}/oidc/callback/" for b in bases],
            "post_logout_redirect_uris": [f"{b}/logga-in/" for b in bases],
            "accounts_file": str(self.accounts_file),
        }
        (self.folder / "config.json").write_text(json.dumps(config))
        self.log = (self.folder / "provider.log").open("w+")
        self.process = subprocess.Popen(
            ["node", str(SCRIPT), str(self.folder / "config.json")],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the test provider stopped:\n{self.log.read()}")
            try:
                requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the test provider did not start")

    def _write(self):
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.accounts))
        tmp.replace(self.accounts_file)

    def set_account(self, account_id, **claims):
        self.accounts[account_id] = claims
        self._write()

    def configure(self, settings, **overrides):
        from identity import provider

        settings.OIDC_ISSUER = self.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
        directives["form-action"] = ["'self'", self.issuer]
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
        for name, value in overrides.items():
            setattr(settings, name, value)
        provider.forget()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def provider_log(oidc):
    oidc.log.flush()
    return (oidc.folder / "provider.log").read_text()


class ProviderBrowser:
    """The provider's side of a sign-in without a browser: follows the provider's
    redirects with its own cookies, fills in its development login form, and stops at
    the redirect back to Kanalkoll (returned as path and query for the test client)."""

    def __init__(self, oidc):
        self.oidc = oidc
        self.session = requests.Session()

    def sign_in(self, authorize_url, login):
        url = authorize_url
        for _hop in range(10):
            answer = self.session.get(url, allow_redirects=False, timeout=10)
            if answer.status_code in (302, 303):
                url = urljoin(url, answer.headers["Location"])
                if not url.startswith(self.oidc.issuer):
                    return self._local(url)
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
            assert form, answer.text[:500]
            answer = self.session.post(
                urljoin(url, unescape(form.group(1))),
                data={"prompt": "login", "login": login, "password": "any"},
                allow_redirects=False,
                timeout=10,
            )
            assert answer.status_code in (302, 303), answer.text[:500]
            url = urljoin(url, answer.headers["Location"])
            if not url.startswith(self.oidc.issuer):
                return self._local(url)
        raise AssertionError("the provider never sent the browser back")

    @staticmethod
    def _local(url):
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"
