"""The tillgänglighetsredogörelser (DOS-lagen, DIGG's required contents) and the
accessibility of the accounts themselves: asked in the Aktivitetsplan, recorded on the
account, flagged in the compliance overview."""

import datetime

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts import statements
from accounts.models import AccessibilityStatement, Account, Problem, RecordsAreKept
from activityplans.models import State as PlanState

from .factories import AccountFactory, make_plan

REGISTER, INTRANET = (
    AccessibilityStatement.Service.REGISTER,
    AccessibilityStatement.Service.INTRANET,
)
PATHS = {REGISTER: "/tillganglighet/", INTRANET: "/tillganglighet/intranat/"}


def form_data(**overrides):
    return {
        "body_name": "Testby kommun",
        "service_name": "Förteckningen över kommunens officiella konton",
        "compliance": "helt",
        "inaccessible_content": "",
        "exempted_content": "Inget.",
        "outside_law": "Plattformarna är tredjepartstjänster.",
        "method": "extern",
        "method_description": "Granskad av Tillgänglighetsbyrån AB.",
        "assessed_on": "2027-01-15",
        "feedback_email": "kommunikation@testby.example",
        "feedback_url": "",
        "confirmed": "on",
    } | overrides


@pytest.mark.parametrize("service", [REGISTER, INTRANET])
def test_default_statement_holds_every_required_field(client, org, service):
    org.kommun.contact_email = "kommun@testby.example"
    org.kommun.save()
    html = client.get(PATHS[service]).content.decode()
    assert "Testby kommun" in html  # the body's name
    assert str(AccessibilityStatement.Service(service).label) in html  # the service's name
    assert "<strong>delvis förenlig</strong>" in html
    assert "Innehåll som inte är tillgängligt" in html
    assert "2026-12-03" in html  # the date of the assessment (and of the proposal)
    assert "Redogörelsen uppdaterades senast" in html
    assert "självskattning" in html and "axe-core" in html
    assert 'href="mailto:kommun@testby.example"' in html  # feedback
    assert 'href="https://www.digg.se/tdosanmalan"' in html
    assert "Oskäligt betungande anpassning" in html
    assert "Innehåll som inte omfattas av lagen" in html
    assert "Förslag – kommunen bekräftar." in html
    assert not AccessibilityStatement.objects.exists()  # a GET writes nothing


def test_every_page_links_both_statements_in_the_footer(client, org):
    for path in ("/register/", "/logga-in/", "/tillganglighet/"):
        html = client.get(path).content.decode()
        footer = html[html.index("<footer") :]
        assert 'href="/tillganglighet/"' in footer and 'href="/tillganglighet/intranat/"' in footer
    client.force_login(org.people.medarbetare)
    footer = client.get("/att-gora/").content.decode().split("<footer")[1]
    assert 'href="/tillganglighet/intranat/"' in footer


def test_curators_publish_a_new_version_and_the_old_ones_are_kept(client, org):
    client.force_login(org.people.kommunikationsavdelningen)
    response = client.get("/tillganglighet/andra/")
    assert response.status_code == 200
    assert "Förteckningen över kommunens officiella konton" in response.content.decode()
    response = client.post("/tillganglighet/andra/", form_data(compliance="delvis", confirmed=""))
    assert response.status_code == 302 and response["Location"] == "/tillganglighet/"
    client.force_login(org.people.kommunikationschef)
    client.post("/tillganglighet/andra/", form_data())
    statement = AccessibilityStatement.objects.get(service=REGISTER)
    assert statement.compliance == "helt" and statement.confirmed
    assert statement.updated_by == org.people.kommunikationschef
    versions = list(
        statement.history.order_by("history_date").values_list("compliance", "history_user")
    )
    assert versions == [
        ("delvis", org.people.kommunikationsavdelningen.pk),
        ("helt", org.people.kommunikationschef.pk),
    ]
    html = client.get("/tillganglighet/").content.decode()
    assert "Förslag – kommunen bekräftar." not in html
    assert "<strong>helt förenlig</strong>" in html and "extern granskning" in html
    assert "2027-01-15" in html and "Tidigare versioner" in html
    assert not AccessibilityStatement.objects.filter(service=INTRANET).exists()
    with pytest.raises(RecordsAreKept):
        statement.delete()


def test_bad_input_shows_the_form_again_and_saves_nothing(client, org):
    client.force_login(org.people.kommunikationschef)
    response = client.post(
        "/tillganglighet/intranat/andra/",
        form_data(compliance="nästan", feedback_email="", assessed_on="igår"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ange en e-postadress eller ett webbformulär för synpunkter." in html
    assert not AccessibilityStatement.objects.exists()


def test_others_may_read_but_not_change(client, org):
    for role in ("medarbetare", "kommunikator", "arkivarie", "admin"):
        client.force_login(getattr(org.people, role))
        assert client.post("/tillganglighet/andra/", form_data()).status_code == 403
    assert not AccessibilityStatement.objects.exists()


def test_service_records_the_time_it_is_given(org):
    moment = timezone.now() - datetime.timedelta(days=3)
    data = statements.defaults(REGISTER) | {"feedback_email": "k@testby.example"}
    statement = statements.save_statement(org.people.kommunikationschef, REGISTER, data, now=moment)
    assert statement.updated_at == moment
    assert statement.history.get().history_date == moment


# -- the accounts' own accessibility ------------------------------------------------------


def test_accounts_without_alt_texts_and_captions_are_flagged(client, org, account):
    bare = AccountFactory(
        unit=org.bibliotek, responsible=org.people.medarbetare, accessibility_practice="  "
    )
    assert Problem.ACCESSIBILITY in Account.objects.with_compliance().get(pk=bare.pk).problems()
    assert set(Account.objects.with_problem(Problem.ACCESSIBILITY)) == {bare}
    assert bare in Account.objects.with_problem("any")
    assert account not in Account.objects.with_problem(Problem.ACCESSIBILITY)
    client.force_login(org.people.kommunikationschef)
    html = client.get("/konton/efterlevnad/").content.decode()
    assert "Det står inte hur alt-texter och textning görs" in html
    assert bare.display_name in html


def test_the_responsible_records_it_on_the_account(client, org, account):
    client.force_login(org.people.medarbetare)
    page = client.get(f"/konton/{account.pk}/andra/").content.decode()
    assert "Tillgänglighet: alt-texter och textning" in page
    data = {
        name: getattr(account, name)
        for name in account_services.DESCRIPTIVE_FIELDS
        if getattr(account, name) not in (None, False)
    }
    data |= {
        "accessibility_practice": "Alt-texter skrivs av den som publicerar; Reels textas.",
        "privacy_url": "https://www.testby.example/integritet-bibliotek",
    }
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.accessibility_practice.startswith("Alt-texter skrivs")
    assert account.privacy_url == "https://www.testby.example/integritet-bibliotek"
    detail = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Reels textas" in detail


def test_the_plan_asks_and_establishing_it_records_it_on_the_account(client, org):
    p = org.people
    client.force_login(p.medarbetare)
    assert "Tillgänglighet: alt-texter och textning" in client.get("/planer/ny/").content.decode()
    plan = make_plan(
        p.medarbetare,
        p.chef,
        accessibility="Alt-texter på alla bilder, textning och syntolkning av filmer.",
        state=PlanState.ESTABLISHED,
    )
    plan.refresh_from_db()
    assert plan.account.accessibility_practice == (
        "Alt-texter på alla bilder, textning och syntolkning av filmer."
    )
    assert (
        Problem.ACCESSIBILITY
        not in Account.objects.with_compliance().get(pk=plan.account_id).problems()
    )
    assert "syntolkning" in client.get(f"/planer/{plan.pk}/").content.decode()
