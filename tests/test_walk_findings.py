"""What a browser walk by every demo role found (issue 13, the walk of December 2026):
a stale POST to a moderation item's own page, Django's English 404 texts, a link on the
compliance overview that led to a refusal, and "Att göra" rows for requests for
allmänna handlingar that said neither what was asked nor how long it had waited."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from moderation import services as moderation

from .disclosure_helpers import make_registrator, new_request

NOW = datetime.datetime(2026, 12, 4, 14, 30, tzinfo=datetime.UTC)


def test_a_post_to_an_item_page_without_an_action_is_a_400_with_what_to_do(client, org, account):
    item, _created = moderation.create_item(
        None, account, {"kind": "fraga", "text": "Har ni öppet?"}, now=timezone.now()
    )
    client.force_login(org.people.medarbetare)
    client.raise_request_exception = False
    response = client.post(f"/moderering/{item.pk}/", {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Välj en åtgärd under Åtgärder och skicka formuläret där." in page
    assert "Har ni öppet?" in page  # the item's page again, not an error page
    item.refresh_from_db()
    assert item.outcome == ""


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/franvaro/999999/aterkalla/", "Frånvaron finns inte."),
        ("/aviseringar/999999/oppna/", "Aviseringen finns inte."),
    ],
)
def test_a_missing_object_is_a_404_in_swedish(client, org, url, reason):
    client.force_login(org.people.medarbetare)
    response = client.post(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert reason in page
    assert "matches the given query" not in page


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("medarbetare", False),
        ("kommunikator", False),
        ("registrator", False),
        ("kommunikationschef", True),
        ("kommunikationsavdelningen", True),
        ("dataskyddsombud", True),
    ],
)
def test_the_compliance_overview_links_the_yearly_pack_only_for_its_readers(
    client, org, account, role, shown
):
    client.force_login(getattr(org.people, role))
    page = client.get("/konton/efterlevnad/").content.decode()
    year = timezone.localdate().year
    assert 'href="/dataskydd/"' in page
    assert (f'href="/konton/efterlevnad/arsrapport/{year}/"' in page) is shown
    if shown:  # the link leads to the page, not to a refusal
        assert client.get(f"/konton/efterlevnad/arsrapport/{year}/").status_code == 200


def test_a_request_on_att_gora_says_what_is_asked_and_how_long_it_has_waited(client, org):
    registrator = make_registrator(org)
    with time_machine.travel(NOW - datetime.timedelta(hours=2, minutes=5), tick=False):
        new_request(registrator, timezone.now(), description="Kommentarerna om sommarlovet.")
        new_request(registrator, timezone.now(), description="Bibliotekets svar i oktober.")
    client.force_login(registrator)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/att-gora/").content.decode()
    assert ": Kommentarerna om sommarlovet." in page
    assert ": Bibliotekets svar i oktober." in page
    assert "Mottagen – inkom 4 december 13:25 (e-post), väntar i 2 timmar 5 minuter" in page
