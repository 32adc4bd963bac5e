"""The established Aktivitetsplan as PDF/A-2b, and the renderer's closed door."""

import io
import socket
import subprocess

import pikepdf
import pytest
from weasyprint import HTML

from activityplans.models import State
from config.pdf import BASE_URL, ProjectOnlyFetcher

from .factories import UserFactory, advance, give_role, make_plan


def fonts_of(pdf):
    """Every font dictionary used in the document, descendant fonts included."""
    found = {}

    def visit(font):
        found[font.objgen] = font
        for descendant in font.get("/DescendantFonts", []):
            visit(descendant)

    for page in pdf.pages:
        resources = page.obj.get("/Resources", {})
        for font in resources.get("/Font", {}).values():
            visit(font)
        for xobject in resources.get("/XObject", {}).values():
            for font in xobject.get("/Resources", {}).get("/Font", {}).values():
                visit(font)
    return list(found.values())


def test_the_established_plan_as_pdf_a_with_the_applicants_name(client, org, colleague):
    p = org.people
    applicant = UserFactory(
        username="asa", unit=org.bibliotek, first_name="Åsa", last_name="Öberg-Lärka"
    )
    give_role(applicant, "medarbetare", org.bibliotek)
    plan = make_plan(applicant, colleague, account_name="Läsfrämjande på Ön")
    plan = advance(plan, State.ESTABLISHED)

    client.force_login(p.kommunikator)  # anyone who sees the plan may download it
    response = client.get(f"/planer/{plan.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{plan.reference}-v1.pdf"'
    body = response.content
    assert body.startswith(b"%PDF-")

    with pikepdf.open(io.BytesIO(body)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert f"Aktivitetsplan {plan.reference}" in str(meta.get("dc:title", ""))
        assert "/OutputIntents" in pdf.Root
        fonts = fonts_of(pdf)
        assert fonts
        for font in fonts:
            if font.get("/Subtype") == "/Type0":
                continue  # its glyphs live in the descendant font, checked on its own
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, font
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert "Åsa Öberg-Lärka" in flat
    assert "Läsfrämjande på Ön" in flat
    assert plan.reference in flat
    # The decision timeline, with who decided.
    for words in ("Fastställd", "Uppdrag godkänt av chef", str(p.chef), str(p.kommunikator)):
        assert words in flat, words


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every attempt to open a network connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_the_renderer_fetches_only_the_projects_own_files(no_network, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    refused = [
        "http://example.com/tracker.png",
        "https://evil.example/style.css",
        "https://kanalkoll.invalid.evil.example/static/pdf/document.css",
        f"file://{secret}",
        "file:///etc/passwd",
    ]
    html = (
        '<link rel="stylesheet" href="static/pdf/document.css">'
        '<link rel="stylesheet" href="static/../../config/settings.py">'
        + "".join(f'<link rel="stylesheet" href="{u}"><img src="{u}" alt="">' for u in refused[:3])
        + f'<link rel="stylesheet" href="{refused[3]}"><img src="{refused[4]}" alt="">'
        + "<p>Åäö</p>"
    )
    fetcher = ProjectOnlyFetcher()
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF-")
    assert no_network == []
    for url in refused:
        assert url in fetcher.refused, url
    assert f"{BASE_URL}static/pdf/document.css" not in fetcher.refused
    assert any("settings.py" in url for url in fetcher.refused)
    # The project's own font, named by the stylesheet, was served and embedded.
    assert not any(url.endswith(".ttf") for url in fetcher.refused)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        names = {str(font.get("/BaseFont", "")) for font in fonts_of(document)}
    assert names and all(name.endswith("+Kanalkoll-Sans") for name in names), names
    # Paths that try to leave the static files, or name a folder, are refused too.
    for path in (
        "https://example.org/x.png",
        "static/",
        "static/pdf",
        "static//etc/passwd",
        "static/pdf/../../config/settings.py",
        "static/pdf/%2e%2e/%2e%2e/config/settings.py",
    ):
        url = path if "://" in path else BASE_URL + path
        with pytest.raises(ValueError):
            fetcher.fetch(url)
        assert fetcher.refused[-1] == url
    assert fetcher.fetch(f"{BASE_URL}static/pdf/document.css?v=1").read().startswith(b"/*")
    assert no_network == []
