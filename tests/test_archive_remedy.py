"""The archive's period page: beside each snapshot that is late, the action for a reader
who may take it (the upload), else who can act (the responsible person, or
kommunikationsavdelningen), never a red "Försenad" alone."""

import pytest

from archive import services

from .archive_helpers import at, opened_long_ago, semiannual
from .test_archive_views import at_moment, page_text

pytestmark = pytest.mark.django_db

PAGE = "/arkiv/period/2026-H2/"


@pytest.fixture
def late(org, account):
    opened_long_ago(account)
    waiting = semiannual(account)
    services.ask_for_upload(waiting.pk, "Kontot kräver inloggning.", at(2027, 1, 1, 3, 0))
    return waiting


def row(response, name):
    return page_text(response).split(name, 1)[1].split("PDF", 1)[0]


def test_the_archivist_is_told_who_uploads_a_late_screenshot(client, org, account, late):
    response = at_moment(client, org.people.arkivarie, at(2027, 2, 20, 9, 0), PAGE)
    text = row(response, account.display_name)
    assert "Försenad" in text
    assert (
        f"Laddas upp av den ansvarige, {account.responsible}, eller kommunikationsavdelningen."
        in text
    )
    assert f'href="/arkiv/bild/{late.pk}/">Ladda upp' not in response.content.decode()


def test_whoever_may_upload_gets_the_action_beside_it(client, org, account, late):
    response = at_moment(client, org.people.kommunikationsavdelningen, at(2027, 2, 20, 9, 0), PAGE)
    html = response.content.decode()
    assert f'href="/arkiv/bild/{late.pk}/">Ladda upp och försegla' in html
    assert "Laddas upp av den ansvarige" not in row(response, account.display_name)


def test_a_capture_still_due_says_it_is_taken_automatically(client, org, account):
    opened_long_ago(account)
    semiannual(account)
    response = at_moment(client, org.people.arkivarie, at(2027, 2, 20, 9, 0), PAGE)
    assert "Fångas automatiskt av Kanalkoll" in row(response, account.display_name)
