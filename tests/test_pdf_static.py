"""PDFs under production's static storage: the stylesheet and the fonts are served by
their hashed names, so that plans and sealed snapshots come out in the project's own
sans font with their running footer and page numbers, not in the system's DejaVu Serif."""

import io
import re

import pikepdf
import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.templatetags.static import static
from fontTools.ttLib import TTFont

from activityplans.models import State as PlanState
from archive import services
from archive.models import State
from config.pdf import BASE_URL, ProjectOnlyFetcher

from .archive_helpers import at, semiannual
from .factories import advance
from .test_archive_pdf import pdffonts, text_of


def test_the_suite_runs_with_productions_static_storage():
    assert settings.STORAGES["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert isinstance(staticfiles_storage._wrapped, ManifestFilesMixin)
    assert re.fullmatch(r"/static/pdf/document\.[0-9a-f]{12}\.css", static("pdf/document.css"))


def embedded_families(body):
    """The full names in the name tables of the embedded font files."""
    found = set()
    with pikepdf.open(io.BytesIO(body)) as pdf:
        for page in pdf.pages:
            for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
                for descendant in font.get("/DescendantFonts", [font]):
                    data = descendant.FontDescriptor.FontFile2.read_bytes()
                    found.add(TTFont(io.BytesIO(data))["name"].getDebugName(4))
    return found


def assert_styled(body, tmp_path, title):
    """The project's sans font embedded, no serif fallback, the footer on every page."""
    fonts = pdffonts(body, tmp_path)
    names = [name for name, _ in fonts]
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    assert all(re.fullmatch(r"[A-Z]{6}\+Kanalkoll-Sans(-Bold)?", name) for name in names), names
    assert not any("Serif" in name for name in names), names
    assert embedded_families(body) == {"DejaVu Sans", "DejaVu Sans Bold"}
    text = text_of(body)
    pages = int(re.search(r"Sida 1 av (\d+)", text).group(1))
    for page in range(1, pages + 1):
        assert f"Sida {page} av {pages}" in text
    assert text.count(title) >= pages, text  # the running title in each page's footer


def test_a_plan_pdf_has_its_stylesheet_fonts_and_footer(client, org, plan, tmp_path):
    plan = advance(plan, PlanState.ESTABLISHED)
    client.force_login(org.people.kommunikator)
    response = client.get(f"/planer/{plan.pk}/pdf/")
    assert response.status_code == 200
    assert_styled(response.content, tmp_path, f"Aktivitetsplan {plan.reference}, version 1")


def test_a_sealed_snapshot_pdf_has_its_stylesheet_fonts_and_footer(account, fake_capture, tmp_path):
    snapshot = semiannual(account)
    assert services.capture_one(snapshot.pk, now=at(2027, 1, 1, 0, 30)) == State.SEALED
    snapshot.refresh_from_db()
    with snapshot.pdf.open("rb") as fh:
        body = fh.read()
    assert_styled(body, tmp_path, "Ögonblicksbild av Biblioteket i Testby")


def test_the_fetcher_serves_the_hashed_files_and_nothing_beside_them():
    fetcher = ProjectOnlyFetcher()
    css_url = BASE_URL + static("pdf/document.css").lstrip("/")
    css = fetcher.fetch(css_url).read().decode()
    # The manifest rewrote the font URLs to hashed names; they are served too.
    fonts = re.findall(r'url\("\.\./(fonts/DejaVuSans[-\w]*\.[0-9a-f]{12}\.ttf)"\)', css)
    assert len(fonts) == 2, css
    for font in fonts:
        assert fetcher.fetch(f"{BASE_URL}static/{font}").read()[:4] == b"\0\1\0\0"
    assert fetcher.refused == []
    for path in (
        "static/staticfiles.json/../pdf/document.css",
        "static/%2e%2e/media/x.png",
        "static/./pdf/document.css",
        "static/pdf%00.css",
        "static/pdf\\..\\..\\config\\settings.py",
        "static/fonts/",
        "static/fonts",
        "static/fonts/DejaVuSans.0000000000ff.ttf",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(BASE_URL + path)
        assert fetcher.refused[-1] == BASE_URL + path
