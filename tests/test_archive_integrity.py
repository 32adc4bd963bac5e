"""A sealed PDF leaves only as the bytes that were sealed: the download and the package
check its SHA-256, refuse a file that no longer matches (or is gone), log it, and the
snapshot page and the period's page show it to the archivist."""

import hashlib
import logging
from pathlib import Path

import pytest
from django.utils import timezone

from archive import builds
from archive.models import Package, PackageBuild

from .test_archive_package import seal
from .test_archive_views import page_text

MISMATCH = "Filen stämmer inte med sin kontrollsumma."
MISSING = "Filen saknas i lagringen."


@pytest.fixture
def sealed(account, media):
    return seal(account)


def tamper(snapshot):
    with open(snapshot.pdf.path, "ab") as fh:
        fh.write(b"\n% appended after sealing\n")


def logged_mismatch(caplog, snapshot, found):
    records = [r for r in caplog.records if r.name == "archive.integrity"]
    assert records  # once where it was refused, again on each page that checks it
    for record in records:
        assert record.levelno == logging.ERROR
        message = record.getMessage()
        assert f"snapshot {snapshot.pk} " in message
        assert snapshot.sha256 in message and found in message


def test_an_intact_sealed_pdf_is_downloaded_as_it_was_sealed(client, org, sealed):
    client.force_login(org.people.arkivarie)
    response = client.get(f"/arkiv/bild/{sealed.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == Path(sealed.pdf.path).read_bytes()
    page = client.get(f"/arkiv/bild/{sealed.pk}/")
    assert MISMATCH not in page.content.decode()


def test_a_changed_pdf_is_refused_logged_and_not_handed_out(client, org, sealed, caplog):
    tamper(sealed)
    actual = hashlib.sha256(Path(sealed.pdf.path).read_bytes()).hexdigest()
    client.force_login(org.people.arkivarie)
    with caplog.at_level(logging.ERROR, logger="archive.integrity"):
        response = client.get(f"/arkiv/bild/{sealed.pk}/pdf/")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    text = page_text(response)
    assert MISMATCH in text and "lämnas inte ut" in text
    assert b"%PDF" not in response.content
    logged_mismatch(caplog, sealed, actual)


def test_a_missing_pdf_is_refused_not_a_500(client, org, sealed, caplog):
    Path(sealed.pdf.path).unlink()
    client.force_login(org.people.arkivarie)
    with caplog.at_level(logging.ERROR, logger="archive.integrity"):
        response = client.get(f"/arkiv/bild/{sealed.pk}/pdf/")
    assert response.status_code == 409
    assert MISSING in page_text(response)
    logged_mismatch(caplog, sealed, "no file")


def test_the_archivist_sees_it_on_the_snapshot_and_the_period(client, org, sealed):
    tamper(sealed)
    client.force_login(org.people.arkivarie)
    snapshot_page = page_text(client.get(f"/arkiv/bild/{sealed.pk}/"))
    assert MISMATCH in snapshot_page and "lämnas inte ut" in snapshot_page
    period_page = page_text(client.get("/arkiv/period/2026-H2/"))
    assert "1 förseglad fil stämmer inte med sin kontrollsumma" in period_page
    assert MISMATCH in period_page


def test_the_package_with_a_changed_pdf_is_refused_and_logged(client, org, sealed, caplog):
    tamper(sealed)
    client.force_login(org.people.arkivarie)
    assert client.post("/arkiv/period/2026-H2/paket/bygg/").status_code == 302
    (build,) = PackageBuild.objects.all()
    with caplog.at_level(logging.ERROR, logger="archive.integrity"):
        assert builds.build_requested(build.pk, now=timezone.now()) is None  # the worker
    response = client.get("/arkiv/period/2026-H2/paket.zip", follow=True)
    assert response.redirect_chain[-1][0].endswith("/arkiv/period/2026-H2/")
    assert response["Content-Type"].startswith("text/html")
    text = page_text(response)
    assert f"Paketet kunde inte byggas: {sealed.filename}: {MISMATCH}" in text
    assert "Försök igen" in text and not Package.objects.exists()
    actual = hashlib.sha256(Path(sealed.pdf.path).read_bytes()).hexdigest()
    logged_mismatch(caplog, sealed, actual)
    # No half-written package is left behind.
    assert not list(Path(sealed.pdf.storage.location, "packages").glob("*.zip"))
