"""The snapshot's PDF/A-2b: declared, fonts embedded, the account's name and the period's
moderation in its text, the screenshot across pages, and a renderer that fetches nothing
but the project's own files."""

import hashlib
import io
import subprocess

import pikepdf
import pytest
from PIL import Image

from archive import services
from archive.models import Snapshot, State
from config import pdf as config_pdf
from config.pdf import BASE_URL, ProjectOnlyFetcher, render_pdf
from moderation import services as moderation

from .archive_helpers import at, screenshot, semiannual
from .factories import AccountFactory
from .intake_helpers import author_change, receive_comment
from .test_archive_capture import Site
from .test_plan_pdf import fonts_of

NAME = "Åsa läser för små öron på Ön"


@pytest.fixture
def fetchers(monkeypatch):
    """Every fetcher the renderer makes, to look at what it refused."""
    made = []

    class Recording(ProjectOnlyFetcher):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(config_pdf, "ProjectOnlyFetcher", Recording)
    return made


def images_drawn(page):
    """(width, height, object) of each image the page's content draws, in order."""
    xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
    found = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "Do":
            xobject = xobjects[operands[0]]
            if xobject.get("/Subtype") == "/Image":
                found.append((int(xobject.Width), int(xobject.Height), xobject.objgen))
    return found


BANDS = [((200, 30, 30), 1769), ((30, 160, 60), 1769), ((40, 60, 200), 462)]


def banded_screenshot():
    """1280 × 4000 pixels in three bands, one colour for each page it should fill."""
    image = Image.new("RGB", (1280, 4000))
    top = 0
    for color, height in BANDS:
        image.paste(color, (0, top, 1280, top + height))
        top += height
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def colours_on_pages(pdf_bytes, first, last, tmp_path):
    """For each page: how many pixels are close to each band's colour (at 20 dpi)."""
    subprocess.run(
        ["pdftoppm", "-r", "20", "-f", str(first), "-l", str(last), "-png", "-", tmp_path / "p"],
        input=pdf_bytes,
        check=True,
    )
    found = []
    for path in sorted(tmp_path.glob("p-*.png")):
        with Image.open(path) as page:
            colours = page.convert("RGB").getcolors(1 << 24)
        found.append(
            [
                sum(
                    n
                    for n, c in colours
                    if all(abs(a - b) < 12 for a, b in zip(c, color, strict=True))
                )
                for color, _ in BANDS
            ]
        )
    return found


def text_of(pdf_bytes):
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf_bytes, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(out.split())


def pdffonts(pdf_bytes, tmp_path):
    """(name, emb) for each font pdffonts lists."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf_bytes)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()
    header = lines[0]
    emb = header.index("emb")
    return [(line.split()[0], line[emb : emb + 3]) for line in lines[2:] if line.strip()]


def test_the_snapshot_pdf_is_pdf_a_with_embedded_fonts_and_the_accounts_name(
    org, fake_capture, fetchers, tmp_path
):
    p = org.people
    account = AccountFactory(
        display_name=NAME,
        url="https://www.instagram.com/asalaser",
        platform="instagram",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        purpose="Högläsning för förskolebarn på Ön.",
        audience="Föräldrar till små barn",
    )

    # The period's moderation: two questions and a removed personal attack (with its
    # preserved copy) in 2026-H2; a question in 2026-H1 does not count.
    def item(kind, text, now):
        return moderation.create_item(None, account, {"kind": kind, "text": text}, now=now)[0]

    item("fraga", "Vårens sagostunder?", at(2026, 6, 30, 23, 59))
    item("fraga", "Öppet i jul?", at(2026, 12, 20, 10, 0))
    item("fraga", "Finns ljudböcker?", at(2026, 7, 1, 0, 0))
    attack = item("olampligt", "Ni är värdelösa!", at(2026, 9, 2, 8, 0))
    moderation.preserve(
        p.medarbetare, attack.pk, "Ni är värdelösa! /Kränkt läsare", now=at(2026, 9, 2, 8, 5)
    )
    moderation.remove(p.medarbetare, attack.pk, "personangrepp", now=at(2026, 9, 2, 8, 10))
    # A comment the platform delivered in the period, then deleted by its author.
    comment = receive_comment(
        account, "c-1", "Hej!", actor=p.kommunikationschef, now=at(2026, 10, 1, 9, 0)
    )
    author_change(account, comment, "remove", "", now=at(2026, 10, 1, 9, 30))

    fake_capture.outcome = banded_screenshot()
    snapshot = semiannual(account)
    assert services.capture_one(snapshot.pk, now=at(2027, 1, 1, 0, 30)) == State.SEALED
    snapshot.refresh_from_db()
    with snapshot.pdf.open("rb") as fh:
        body = fh.read()
    assert hashlib.sha256(body).hexdigest() == snapshot.sha256
    # Everything it needed was served: the stylesheet, the fonts and the screenshot's parts.
    assert len(fetchers) == 1 and fetchers[0].refused == []

    with pikepdf.open(io.BytesIO(body)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert NAME in str(meta.get("dc:title", ""))
        assert "/OutputIntents" in pdf.Root
        # After the cover, the 1280 × 4000 screenshot across three pages (1,769 pixels a
        # page): embedded once, whole, and drawn on each of them.
        pages = len(pdf.pages)
        images = [images_drawn(page) for page in pdf.pages]
        assert not any(images[:-3])
        assert [[(w, h) for w, h, _ in drawn] for drawn in images[-3:]] == [[(1280, 4000)]] * 3
        assert len({drawn[0][2] for drawn in images[-3:]}) == 1
        fonts = fonts_of(pdf)
        assert fonts
        for font in fonts:
            if font.get("/Subtype") == "/Type0":
                continue
            descriptor = font.get("/FontDescriptor")
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    # Each page shows its own part of it and nothing of the others.
    shown = colours_on_pages(body, pages - 2, pages, tmp_path)
    for index, counts in enumerate(shown):
        assert counts[index] > 1000, shown
        assert sum(counts) == counts[index], shown
    assert shown[2][2] < shown[0][0] / 3  # the last part is short

    listed = pdffonts(body, tmp_path)
    assert listed and all(emb == "yes" for _, emb in listed), listed
    # Only the project's own fonts (subsets of DejaVu Sans as "Kanalkoll Sans").
    assert {name.split("+")[1] for name, _ in listed} == {"Kanalkoll-Sans", "Kanalkoll-Sans-Bold"}

    text = text_of(body)
    for words in (
        "Testby kommun".upper(),
        f"Ögonblicksbild av {NAME}",
        "Period 2026-H2: 1 juli 2026 – 31 december 2026",
        "https://www.instagram.com/asalaser",
        org.bibliotek.label,
        str(p.medarbetare),
        "Högläsning för förskolebarn på Ön.",
        "Föräldrar till små barn",
        "1 januari 2027 00:30",
        "Automatiskt med webbläsare",
        "Fråga 2",
        "Olämpligt inlägg 1",
        "Ny kommentar 1",
        "Totalt 4",
        "Kommentarer från plattformen under perioden",
        "Händelser mottagna 2",
        "Borttagna av skribenten 1",
        "Borttagna av kommunen 0",
        "Personangrepp",
        "Ni är värdelösa! /Kränkt läsare",
        f"Startsidan för {NAME}, del 1 av 3",
        f"Startsidan för {NAME}, del 3 av 3",
    ):
        assert words in text, words
    assert "Vårens sagostunder?" not in text


@pytest.fixture
def local_server():
    """A server on 127.0.0.1 that would answer with an image, and records every request."""
    server = Site()
    for path in ("/x.png", "/bg.png"):
        server.routes[path] = (200, {"Content-Type": "image/png"}, screenshot(10, 10))
    yield server
    server.close()


@pytest.fixture
def hostile_template(settings, tmp_path, local_server):
    """The snapshot template, extended to also point at a local server, a local file and
    the network."""
    urls = [
        f"{local_server.base}/x.png",
        "file:///etc/passwd",
        "https://example.com/a.css",
    ]
    extra = (
        f'<link rel="stylesheet" href="{urls[2]}">'
        f'<link rel="stylesheet" href="{urls[1]}">'
        f'<style>body {{ background: url("{local_server.base}/bg.png") }}</style>'
    )
    body = (
        f'<img src="{urls[0]}" alt=""><img src="{urls[1]}" alt=""><iframe src="{urls[0]}"></iframe>'
    )
    html = (
        '{% extends "archive/snapshot_pdf.html" %}'
        f"{{% block head %}}{{{{ block.super }}}}{extra}{{% endblock %}}"
        f"{{% block body %}}{body}{{{{ block.super }}}}{{% endblock %}}"
    )
    folder = tmp_path / "templates" / "archive"
    folder.mkdir(parents=True)
    (folder / "hostile_pdf.html").write_text(html, encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return urls + [f"{local_server.base}/bg.png"]


def test_the_renderer_fetches_nothing_but_the_projects_own_files(
    org, account, fake_capture, local_server, hostile_template, monkeypatch, fetchers
):
    snapshot = semiannual(account)
    services.capture_one(snapshot.pk, now=at(2027, 1, 1, 0, 30))
    sealed = Snapshot.objects.get(pk=snapshot.pk)

    # The snapshot's own rendering, with the template swapped for the hostile copy.
    from archive import document

    real_render = document.render_pdf
    monkeypatch.setattr(
        document,
        "render_pdf",
        lambda template, *args, **kwargs: real_render("archive/hostile_pdf.html", *args, **kwargs),
    )
    pdf = document.render_snapshot(sealed, screenshot())
    assert pdf.startswith(b"%PDF-")
    fetcher = fetchers[-1]
    assert local_server.requests == []
    for url in hostile_template:
        assert url in fetcher.refused, (url, fetcher.refused)
    assert not any(u.startswith(BASE_URL) for u in fetcher.refused), fetcher.refused
    assert "Biblioteket i Testby" in text_of(pdf)

    # And a template through config.pdf.render_pdf with a fetcher of our own.
    fetcher = ProjectOnlyFetcher()
    pdf = render_pdf(
        "archive/hostile_pdf.html",
        {"data": {"name": "Åäö"}, "snapshot": sealed, "parts": [], "moderation": {}},
        title="Test",
        fetcher=fetcher,
    )
    assert pdf.startswith(b"%PDF-")
    assert local_server.requests == []
    assert set(hostile_template) <= set(fetcher.refused)
    assert "Ögonblicksbild av Åäö" in text_of(pdf)
