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


def _answer(response):
    """The text of the verify page's answer, tags and extra whitespace removed."""
    import re

    html = response.content.decode()
    section = html[html.index('aria-labelledby="answer-heading"') :]
    section = section[: section.index("</section>")]
    return " ".join(re.sub(r"<[^>]+>", " ", section.split(">", 1)[1]).split())


def test_the_verify_page_gives_each_answer_once(client, org, account):
    """The walk of December 2026: "not in the register" was said three times (the
    heading, the JSON's message and a fixed sentence), "official" and "closed" twice.
    Each answer says its verdict once, then what the citizen may want to know."""
    from accounts.models import Status

    url = "/register/kontrollera/"
    unknown = _answer(client.get(url, {"url": "https://www.facebook.com/testbyfejk"}))
    assert unknown.startswith("Nej, det är inte ett av kommunens officiella konton.")
    assert unknown.count("inte") == 1, unknown
    assert "förteckning" not in unknown and unknown.count("officiella konton") == 1, unknown
    assert "facebook.com/testbyfejk (Facebook-sida)" in unknown and "Var försiktig" in unknown

    official = _answer(client.get(url, {"url": account.url}))
    assert official.startswith("Ja, det är ett officiellt konto.")
    assert official.count("officiellt konto") == 1, official
    assert "Biblioteket i Testby på Instagram, som drivs av Biblioteket." in official

    account.status = Status.PAUSED
    account.save()
    paused = _answer(client.get(url, {"url": account.url}))
    assert paused.startswith("Kontot är Testby kommuns, men det används inte just nu.")
    # A paused account is still the kommun's: nothing says its content is someone else's.
    assert "inte kommunens" not in paused and paused.count("inte") == 1, paused

    account.status = Status.CLOSED
    account.closed_on = datetime.date(2026, 11, 2)
    account.save()
    closed = _answer(client.get(url, {"url": account.url}))
    assert closed.startswith("Nej, inte längre.")
    assert closed.lower().count("avslut") == 1, closed
    assert "avslutades 2 november 2026" in closed, closed
    # The JSON beside the page keeps its message.
    data = client.get("/register/verify", {"url": account.url}).json()
    assert data["message"] == "Kontot har varit kommunens men är avslutat."


@pytest.mark.parametrize(
    ("role", "sets"),
    [("dataskyddsombud", False), ("kommunikationschef", True), ("kommunikationsavdelningen", True)],
)
def test_the_yearly_pack_links_the_thresholds_only_for_those_who_set_them(client, org, role, sets):
    """The walk of December 2026: the dataskyddsombud reads the pack, and its link
    "Tröskelvärden" led to a 403. Those who cannot set them are told who does."""
    client.force_login(getattr(org.people, role))
    year = timezone.localdate().year
    page = client.get(f"/konton/efterlevnad/arsrapport/{year}/").content.decode()
    link = 'href="/konton/efterlevnad/arsrapport/troskelvarden/"'
    assert (link in page) is sets
    who = "Tröskelvärdena sätts av kommunikationschefen och kommunikationsavdelningen."
    assert (who in page) is not sets
    if sets:  # the link leads to the page, not to a refusal
        assert client.get("/konton/efterlevnad/arsrapport/troskelvarden/").status_code == 200


def test_a_handover_offers_the_departed_persons_colleagues_first_and_says_so_in_the_history(
    client, org, account, colleague
):
    """The walk of December 2026: the successor was picked from a bare list of every
    name in the kommun, and the account's history showed the handover as an unexplained
    edit by the communicator."""
    import re

    from organisation.models import Handover, User
    from organisation.services import deactivate_user

    p = org.people
    deactivate_user(p.admin, p.medarbetare, timezone.now(), reason="Slutade.")
    handover = Handover.objects.get(user=p.medarbetare)
    client.force_login(p.kommunikator)
    html = client.get(f"/overlamning/{handover.pk}/").content.decode()
    select = html[html.index('name="successor"') : html.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)"', select)
    assert groups[0] == "Biblioteket" and groups[-1] == "Övriga i kommunen", groups
    near = select[: select.index('<optgroup label="Kultur')]
    assert f'value="{colleague.pk}"' in near and f">{colleague}, Biblioteket<" in near
    assert f'value="{p.medarbetare.pk}"' not in select  # who left is not offered
    response = client.post(f"/overlamning/{handover.pk}/", {"successor": colleague.pk})
    assert response.status_code == 302
    history = client.get(f"/konton/{account.pk}/historik/").content.decode()
    name = User.objects.get(pk=p.medarbetare.pk)
    assert f"Överlämning efter {name}, som har slutat" in history


def test_att_gora_says_who_acts_once_for_the_problems_they_share(client, org, account):
    """The walk of December 2026: Maria Sund's row repeated "Administratörer och
    ersättare ändras av kommunikationsavdelningen eller kommunikationschefen." after each
    of three problems, and "(du rättar det på kontots sida)" after each of two."""
    from accounts.services import update_account

    p = org.people
    update_account(
        p.kommunikationschef,
        account.pk,
        {"substitute": None, "gp_contact_phone": False, "gp_links_website": False},
        [p.medarbetare.pk],
        fields=("substitute", "gp_contact_phone", "gp_links_website"),
        now=timezone.now(),
    )
    client.force_login(p.medarbetare)
    html = client.get("/att-gora/").content.decode()
    assert "Åtgärda brister på Biblioteket i Testby" in html
    who = "Administratörer och ersättare ändras av kommunikationsavdelningen eller kommunikationschefen."
    assert html.count(who) == 1, html
    assert (
        "Ingen ersättare." in html and "Förvaltningskommunikatören är inte administratör." in html
    )
    assert html.count("Du rättar det på kontots sida.") == 1 and "du rättar det" not in html
    assert "Grafiska profilen är inte uppfylld." in html
