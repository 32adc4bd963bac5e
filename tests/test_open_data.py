"""The register's public face as open data: the DCAT-AP-SE catalogue at
/datasets/dcat checked rule by rule with rdflib, the OpenAPI description and its CORS,
the Atom feed of changes, the closed accounts as JSON, the embeddable list, privacy
notices and rel="me"."""

import datetime
import json
import re
import uuid
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from rdflib import BNode, Graph, Literal, URIRef, namespace

from accounts import dcat, lifecycle, platforms
from accounts import services as account_services
from accounts.models import Status
from accounts.openapi import OPENAPI
from activityplans.models import State as PlanState
from archive import services as archive_services
from archive.models import Reason, Snapshot

from .factories import AccountFactory, make_plan

ATOM = "{http://www.w3.org/2005/Atom}"
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
CC_BY = URIRef("http://creativecommons.org/licenses/by/4.0/")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def kommun(org):
    kommun = org.kommun
    kommun.organisation_number = "212000-0142"
    kommun.contact_email = "kommun@testby.example"
    kommun.save()
    return kommun


def catalogue(client):
    response = client.get("/datasets/dcat")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rdf+xml")
    graph = Graph()
    graph.parse(data=response.content, format="xml")
    return graph, response


def one(graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return values[0]


# -- DCAT-AP-SE -----------------------------------------------------------------------


def test_catalogue_follows_the_dcat_ap_se_rules(client, kommun, account, settings):
    settings.SITE_URL = "https://kanalkoll.testby.example"
    graph, _ = catalogue(client)
    catalogs = set(graph.subjects(namespace.RDF.type, namespace.DCAT.Catalog))
    assert len(catalogs) == 1
    catalog = next(iter(catalogs))
    datasets = set(graph.subjects(namespace.RDF.type, namespace.DCAT.Dataset))
    distributions = set(graph.subjects(namespace.RDF.type, namespace.DCAT.Distribution))
    services = set(graph.subjects(namespace.RDF.type, namespace.DCAT.DataService))
    publishers = set(graph.subjects(namespace.RDF.type, namespace.FOAF.Agent))
    contacts = set(graph.subjects(namespace.RDF.type, dcat.VCARD.Organization))
    assert len(datasets) == 2 and len(distributions) == 5 and len(services) == 1

    # Absolute IRIs, and no blank node anywhere (not only for the main resources).
    for triple in graph:
        for term in triple:
            assert not isinstance(term, BNode), triple
            if isinstance(term, URIRef):
                assert re.match(r"^(https?|mailto):", term), term
    for subject in {catalog} | datasets | distributions | services | contacts:
        assert str(subject).startswith("https://kanalkoll.testby.example/datasets/dcat#")

    # Publisher from the organisation number; contact a different resource.
    publisher = URIRef("http://dataportal.se/organisation/SE2120000142")
    assert publishers == {publisher}
    assert {o.language for o in graph.objects(publisher, namespace.FOAF.name)} == {"sv", "en"}
    assert len(contacts) == 1 and publisher not in contacts
    contact = next(iter(contacts))
    assert one(graph, contact, dcat.VCARD.hasEmail) == URIRef("mailto:kommun@testby.example")
    assert one(graph, catalog, namespace.DCTERMS.publisher) == publisher

    # Mandatory in practice: catalog title, description, publisher, dataset, licence.
    assert set(graph.objects(catalog, namespace.DCAT.dataset)) == datasets
    assert one(graph, catalog, namespace.DCTERMS.license) == CC0
    for subject in {catalog} | datasets | distributions | services:
        for predicate in (namespace.DCTERMS.title, namespace.DCTERMS.description):
            texts = list(graph.objects(subject, predicate))
            # Swedish and English on every text, with language tags.
            assert {t.language for t in texts} == {"sv", "en"}, (subject, predicate)
    for dataset in datasets:
        assert one(graph, dataset, namespace.DCTERMS.publisher) == publisher
        assert one(graph, dataset, namespace.DCAT.contactPoint) == contact
        identifier = one(graph, dataset, namespace.DCTERMS.identifier)
        assert UUID.match(str(identifier))
        assert str(identifier) == str(uuid.uuid5(uuid.NAMESPACE_URL, str(dataset)))
        keywords = list(graph.objects(dataset, namespace.DCAT.keyword))
        assert keywords and all(
            str(k) == str(k).lower() and k.language in ("sv", "en") for k in keywords
        )
        modified = one(graph, dataset, namespace.DCTERMS.modified)
        assert modified.datatype == namespace.XSD.date
        assert modified.toPython() == timezone.localdate()
    for distribution in distributions:
        assert isinstance(one(graph, distribution, namespace.DCAT.accessURL), URIRef)
        assert one(graph, distribution, namespace.DCTERMS.license) == CC0
        assert one(graph, distribution, namespace.DCTERMS.format)
    # JSON and CSV as two distributions of the one register dataset.
    register = URIRef("https://kanalkoll.testby.example/datasets/dcat#register")
    urls = {
        str(one(graph, d, namespace.DCAT.accessURL))
        for d in graph.objects(register, namespace.DCAT.distribution)
    }
    assert {
        "https://kanalkoll.testby.example/register.json",
        "https://kanalkoll.testby.example/register.csv",
        "https://kanalkoll.testby.example/register/verify",
    } <= urls
    # The verify API as a data service, with its OpenAPI description.
    service = next(iter(services))
    assert one(graph, service, namespace.DCAT.endpointURL) == URIRef(
        "https://kanalkoll.testby.example/register/verify"
    )
    assert one(graph, service, namespace.DCAT.endpointDescription) == URIRef(
        "https://kanalkoll.testby.example/register/openapi.json"
    )
    assert one(graph, service, namespace.DCAT.servesDataset) == register
    assert (None, namespace.DCAT.accessService, service) in graph
    # Every internal link of the catalogue is a route of the app.
    for term in set(graph.objects()):
        if isinstance(term, URIRef) and str(term).startswith("https://kanalkoll.testby.example/"):
            path = str(term).removeprefix("https://kanalkoll.testby.example").split("#")[0]
            resolve(path)


def test_catalogue_is_the_same_on_every_request(client, kommun, account):
    first, _ = catalogue(client)
    second, _ = catalogue(client)
    assert set(first) == set(second)


def test_licence_is_the_kommuns_choice_and_modified_follows_the_data(client, org, kommun, account):
    import time_machine

    kommun.open_data_licence = str(CC_BY)
    kommun.save()
    later = timezone.now() + datetime.timedelta(days=40)
    with time_machine.travel(later, tick=False):
        account_services.update_account(
            org.people.kommunikationschef,
            account.pk,
            {"purpose": "Boktips varje vecka."},
            now=later,
        )
        graph, _ = catalogue(client)
    register = next(
        s
        for s in graph.subjects(namespace.RDF.type, namespace.DCAT.Dataset)
        if str(s).endswith("#register")
    )
    assert one(graph, register, namespace.DCTERMS.modified) == Literal(
        timezone.localdate(later), datatype=namespace.XSD.date
    )
    assert set(graph.objects(None, namespace.DCTERMS.license)) == {CC_BY}


def test_modified_is_the_swedish_day_of_the_change(client, org, account):
    """A change at half past midnight on New Year's Day (still New Year's Eve in UTC) is
    dated 1 January."""
    import time_machine

    night = datetime.datetime(2034, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    with time_machine.travel(night, tick=False):
        account_services.update_account(
            org.people.kommunikationschef, account.pk, {"purpose": "Nyårsnatt."}, now=night
        )
        graph, _ = catalogue(client)
    dates = {o.toPython() for o in graph.objects(None, namespace.DCTERMS.modified)}
    assert dates == {datetime.date(2034, 1, 1)}


def test_without_organisation_number_the_publisher_is_still_an_iri(client, org, settings):
    settings.SITE_URL = "https://kanalkoll.testby.example"
    graph, _ = catalogue(client)
    publisher = next(graph.subjects(namespace.RDF.type, namespace.FOAF.Agent))
    assert publisher == URIRef("https://kanalkoll.testby.example/datasets/dcat#utgivare")
    assert not list(graph.objects(None, namespace.DCTERMS.modified))  # no data has changed yet


def test_organisation_number_is_checked(org):
    from django.core.exceptions import ValidationError

    kommun = org.kommun
    for bad in ("212000-0143", "21200001420", "2120000-142", "abcdefghij"):
        kommun.organisation_number = bad
        with pytest.raises(ValidationError):
            kommun.full_clean()
    kommun.organisation_number = "2120000142"
    kommun.full_clean()


# -- OpenAPI --------------------------------------------------------------------------


def test_openapi_describes_exactly_the_public_data_routes(client):
    response = client.get("/register/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(OPENAPI))
    data_routes = {
        reverse(name)
        for name in (
            "public_register_json",
            "public_register_csv",
            "public_register_verify",
            "public_closed_json",
            "public_register_atom",
        )
    }
    assert set(OPENAPI["paths"]) == data_routes
    for path in OPENAPI["paths"]:
        resolve(path)
    # The documented fields are the fields the JSON has.
    from accounts.register import PUBLIC_FIELDS

    assert OPENAPI["components"]["schemas"]["Account"]["required"] == list(PUBLIC_FIELDS)


def test_openapi_is_served_with_cors_for_dataportal(client):
    allowed = client.get("/register/openapi.json", headers={"Origin": "https://www.dataportal.se"})
    assert allowed["Access-Control-Allow-Origin"] == "https://www.dataportal.se"
    assert "Origin" in allowed["Vary"]
    other = client.get("/register/openapi.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other
    preflight = client.options(
        "/register/openapi.json",
        headers={"Origin": "https://dataportal.se", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://dataportal.se"
    refused = client.post("/register/openapi.json")
    assert refused.status_code == 405 and refused.json()["error"] == "Använd GET."


# -- Atom -----------------------------------------------------------------------------


def atom(client):
    response = client.get("/register.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    # Atom 1.0 (RFC 4287): feed id, title, updated, author; each entry id, title, updated.
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text
        datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    parsed = feedparser.parse(response.content)
    assert parsed.version == "atom10" and not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_feed_shows_an_establishment_at_once(client, org):
    p = org.people
    make_plan(p.medarbetare, p.chef, account_name="Biblioteket läser", state=PlanState.ESTABLISHED)
    entries = atom(client).entries
    assert entries[0].title == "Nytt officiellt konto: Biblioteket läser"
    assert entries[0].link.startswith("https://www.instagram.com/biblioteketlaser")


def test_feed_shows_a_change_and_a_closure_at_once(client, org, account, fake_capture):
    p = org.people
    before = len(atom(client).entries)
    account_services.update_account(
        p.kommunikationschef, account.pk, {"audience": "Unga vuxna"}, now=timezone.now()
    )
    # Changes the public does not see are no entries.
    account_services.update_account(
        p.kommunikationschef,
        account.pk,
        {"credentials_location": "1Password, valv Kommunikation"},
        now=timezone.now(),
    )
    entries = atom(client).entries
    assert len(entries) == before + 1
    assert entries[0].title == "Ändrat konto: Biblioteket i Testby"
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=timezone.now())
    lifecycle.confirm_closure(p.kommunikator, closure.pk, now=timezone.now())
    final = Snapshot.objects.get(account=account, reason=Reason.FINAL)
    archive_services.capture_one(final.pk, now=timezone.now())
    entries = atom(client).entries
    assert entries[0].title == "Avslutat konto: Biblioteket i Testby"
    assert entries[0].id != entries[1].id


def test_planned_accounts_are_not_in_the_feed(client, org):
    AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare, status=Status.PLANNED)
    assert atom(client).entries == []


# -- the closed accounts as JSON -----------------------------------------------------


def test_closed_accounts_json_has_the_registers_shape(client, org, account):
    closed = AccountFactory(
        display_name="Sommarlovet",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        status=Status.CLOSED,
        closed_on=datetime.date(2025, 9, 1),
    )
    active = client.get("/register.json").json()
    body = client.get("/register/avslutade.json").json()
    assert set(body) == set(active)
    assert [row["id"] for row in body["results"]] == [closed.pk]
    assert set(body["results"][0]) == set(active["results"][0]) | {"closed_on"}
    assert body["results"][0]["closed_on"] == "2025-09-01"
    assert client.get("/register/avslutade.json?platform=nej").status_code == 400


# -- privacy notices and rel="me" -------------------------------------------------------


def test_privacy_notice_per_account_or_the_kommuns(client, org, account):
    kommun = org.kommun
    kommun.privacy_url = "https://www.testby.example/personuppgifter-sociala-medier"
    kommun.save()
    own = AccountFactory(
        display_name="Egen",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        privacy_url="https://www.testby.example/bibliotekets-integritet",
    )
    rows = {row["id"]: row for row in client.get("/register.json").json()["results"]}
    assert rows[own.pk]["privacy_url"] == "https://www.testby.example/bibliotekets-integritet"
    assert rows[account.pk]["privacy_url"] == kommun.privacy_url
    html = client.get("/register/").content.decode()
    assert 'href="https://www.testby.example/bibliotekets-integritet"' in html
    assert "Så behandlas personuppgifter" in html
    csv = client.get("/register.csv").getvalue().decode()
    assert csv.splitlines()[0].endswith(",privacy_url,confirmed_on")


def test_mastodon_accounts_link_back_with_rel_me(client, org):
    AccountFactory(
        display_name="Testby på Mastodon",
        platform=platforms.MASTODON,
        url="https://mastodon.example/@testby",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
    )
    AccountFactory(display_name="Facebook", unit=org.bibliotek, responsible=org.people.medarbetare)
    for path in ("/register/", "/register/inbaddad/", "/register/lista.html"):
        html = client.get(path).content.decode()
        assert re.search(r'<a href="https://mastodon.example/@testby" rel="me[ "]', html), path
        assert html.count('rel="me') == 1, path


# -- the embeddable list ---------------------------------------------------------------


def test_only_the_embed_page_may_be_framed(client, org, account):
    page = client.get("/register/inbaddad/")
    assert page.status_code == 200
    assert "X-Frame-Options" not in page
    assert "frame-ancestors *" in page["Content-Security-Policy"]
    html = page.content.decode()
    assert "<script" not in html and "Biblioteket i Testby" in html
    assert '<base target="_top">' in html
    register = client.get("/register/")
    assert register["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in register["Content-Security-Policy"]


def test_embed_ancestors_are_a_setting(client, org, settings):
    settings.KANALKOLL_EMBED_FRAME_ANCESTORS = ["https://www.testby.example"]
    page = client.get("/register/inbaddad/")
    assert "frame-ancestors https://www.testby.example" in page["Content-Security-Policy"]


def test_fragment_is_html_without_a_document(client, org, account, settings):
    settings.SITE_URL = "https://kanalkoll.testby.example"
    response = client.get("/register/lista.html?platform=instagram")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "Biblioteket i Testby" in html
    assert 'href="https://kanalkoll.testby.example/tillganglighet/"' in html
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/register/lista.html?platform=nej").status_code == 400
    assert client.get("/register/inbaddad/?unit=x").status_code == 400
