"""Every page is valid HTML: the Nu Html Checker (the W3C validator, npm vnu-jar) reports
no errors on the pages of tests/test_access.py's table as its roles see them, the error
pages and forms shown with their errors.

The checker is a Java program that takes long to start, so every page is written to a
folder first and checked in one run."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from config import errors

from .test_access import TABLE, _fill

VNU = (
    Path(__file__).resolve().parent.parent
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)
# Roles whose views differ the most: the public, the one who runs an account, the
# communicator, the curators, kommunarkivet and the systemadministratör.
ROLES = [
    "anonymous",
    "medarbetare",
    "kommunikator",
    "kommunikationsavdelningen",
    "arkivarie",
    "admin",
]


def _html(response):
    return response.get("Content-Type", "").startswith("text/html") and response.content


def _document(content):
    """A page as it is, or an HTML fragment (the register's list for other websites) in
    the smallest document around it, so that the fragment's own markup is checked."""
    if content.lstrip()[:15].lower().startswith(b"<!doctype html"):
        return content
    return (
        b'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Fragment</title>'
        b"</head><body>" + content + b"</body></html>"
    )


def _check(pages):
    """Run vnu once over {name: html}; its error messages, by page."""
    java = shutil.which("java")
    assert java, "java is needed for the Nu Html Checker (scripts/bootstrap.sh installs it)"
    assert VNU.exists(), f"{VNU} missing: run make install (npm ci)"
    folder = Path(tempfile.mkdtemp(prefix="kanalkoll-vnu-"))
    try:
        paths = {}
        for i, (name, body) in enumerate(pages.items()):
            path = folder / f"page{i:04d}.html"
            path.write_bytes(body)
            paths[path.name] = name
        result = subprocess.run(  # noqa: S603 - our own files, our own jar
            [
                java,
                "-Xss4m",
                "-jar",
                str(VNU),
                "--errors-only",
                "--format",
                "json",
                *map(str, sorted(folder.iterdir())),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    found = {}
    for message in report["messages"]:
        url = message.get("url", "")
        name = paths.get(url.rsplit("/", 1)[-1], url)
        found.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message.get('message')} [{message.get('extract', '').strip()[:120]}]"
        )
    return found


def _once(function):
    """_fill's helpers make one snapshot, closure and handover each: once per test."""
    made = {}

    def wrapper(*args):
        if "value" not in made:
            made["value"] = function(*args)
        return made["value"]

    return wrapper


def test_every_page_is_valid_html(org, account, request, monkeypatch, no_pdf_rendering):
    from . import test_access

    monkeypatch.setattr(test_access, "_sealed_snapshot", _once(test_access._sealed_snapshot))
    monkeypatch.setattr(test_access, "_lifecycle", _once(test_access._lifecycle))
    monkeypatch.setattr(test_access, "_retention", _once(test_access._retention))
    monkeypatch.setattr(test_access, "_disclosure", _once(test_access._disclosure))
    pages = {}
    for url, expected in TABLE:
        filled = _fill(url, request, account)
        for role in ROLES:
            client = Client()
            if role != "anonymous":
                client.force_login(getattr(org.people, role))
            response = client.get(filled)
            if expected[role] in (200, 400) and _html(response):
                pages[f"{url} {role}"] = _document(response.content)
    # Pages that the table does not reach: error pages, forms with their errors,
    # answers, the header in English.
    client = Client()
    client.force_login(org.people.kommunikationsavdelningen)
    extra = {
        "404": client.get("/finns-inte/"),
        "API keys, a form with errors": client.post("/moderering/nycklar/", {"name": " "}),
        "a new account, with errors": client.post("/konton/ny/", {}),
        "a plan submitted empty": client.post("/planer/ny/", {"action": "submit"}),
        "a request, with errors": client.post("/handlingar/ny/", {"channel": "epost"}),
        "absence, with errors": client.post(
            "/franvaro/", {"starts_on": "2026-05-02", "ends_on": "2026-05-01"}
        ),
        "verify: official": Client().get("/register/kontrollera/", {"url": account.url}),
        "verify: not official": Client().get("/register/kontrollera/", {"url": "https://x.com/a"}),
        "verify: bad address": Client().get("/register/kontrollera/", {"url": "ftp://x"}),
        "register, searched": Client().get("/register/", {"q": "bibliotek"}),
    }
    client.post("/sprak/", {"language": "en", "next": "/"})
    extra["the to-do list in English"] = client.get("/att-gora/")
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(org.people.medarbetare)
    extra["CSRF refused"] = csrf.post("/franvaro/", {})
    for name, response in extra.items():
        assert _html(response), name
        pages[name] = response.content
    from django.test import RequestFactory

    pages["500"] = errors.server_error(RequestFactory().get("/")).content
    assert len(pages) > 100
    found = _check(pages)
    assert not found, "\n".join(
        f"{name}:\n  " + "\n  ".join(messages) for name, messages in sorted(found.items())
    )


@pytest.fixture
def no_pdf_rendering(monkeypatch):
    monkeypatch.setattr("activityplans.views.render_pdf", lambda *args, **kwargs: b"%PDF-")
