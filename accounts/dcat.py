"""The DCAT-AP-SE catalogue that Sveriges dataportal harvests from /datasets/dcat.

Every resource has an absolute IRI under SITE_URL (no blank nodes), so the catalogue
is the same document on every request until the data or the kommun's settings change.
Each dataset's dcterms:identifier is a UUID derived (uuid5) from its IRI. The publisher
is http://dataportal.se/organisation/SE<orgnr> when the kommun's organisation number
is set, and the contact point is a separate vcard:Organization.
"""

import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from organisation.models import OPEN_DATA_LICENCES

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPE = Namespace(EU + "file-type/")
MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
DATAPORTAL_ORGANISATION = "http://dataportal.se/organisation/SE"
GOVERNMENT_THEME = URIRef(EU + "data-theme/GOVE")
SWEDISH = URIRef(EU + "language/SWE")
PUBLIC_ACCESS = URIRef(EU + "access-right/PUBLIC")
CONTINUOUS = URIRef(EU + "frequency/UPDATE_CONT")
DEFAULT_LICENCE = OPEN_DATA_LICENCES[0][0]

# Lowercase, singular, in both languages (DCAT-AP-SE's advice for keywords).
KEYWORDS = (
    ("socialt medium", "social media"),
    ("konto", "account"),
    ("förteckning", "register"),
    ("kommun", "municipality"),
    ("allmän handling", "public record"),
)


def site():
    return settings.SITE_URL.rstrip("/")


def iri(path):
    return URIRef(site() + path)


def dataset_identifier(dataset_iri):
    """The dataset's UUID: the same for the same site and dataset, on every request."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, str(dataset_iri)))


def publisher_iri(kommun):
    digits = (kommun.organisation_number if kommun else "").replace("-", "")
    if digits:
        return URIRef(DATAPORTAL_ORGANISATION + digits)
    return iri(reverse("open_data_dcat") + "#utgivare")


def _texts(graph, subject, predicate, swedish, english):
    graph.add((subject, predicate, Literal(swedish, lang="sv")))
    graph.add((subject, predicate, Literal(english, lang="en")))


def catalogue(kommun, modified):
    """The catalogue as an rdflib Graph. `modified`: when the register's data last
    changed (a datetime), or None."""
    name = kommun.name if kommun else "Kommunen"
    licence = URIRef((kommun.open_data_licence if kommun else "") or DEFAULT_LICENCE)
    here = reverse("open_data_dcat")
    catalog, register, closed = (
        iri(here + "#katalog"),
        iri(here + "#register"),
        iri(here + "#avslutade"),
    )
    service, contact = iri(here + "#kontroll"), iri(here + "#kontakt")
    publisher = publisher_iri(kommun)

    g = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
    ):
        g.bind(prefix, namespace)

    g.add((publisher, RDF.type, FOAF.Agent))
    _texts(g, publisher, FOAF.name, name, name)
    g.add((publisher, DCTERMS.type, ADMS_PUBLISHER_TYPE.LocalAuthority))

    g.add((contact, RDF.type, VCARD.Organization))
    _texts(
        g, contact, VCARD.fn, f"{name}, kommunikationsavdelningen", f"{name}, communications office"
    )
    if kommun and kommun.contact_email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{kommun.contact_email}")))
    g.add((contact, VCARD.hasURL, URIRef((kommun.website if kommun else "") or site() + "/")))

    g.add((catalog, RDF.type, DCAT.Catalog))
    _texts(
        g,
        catalog,
        DCTERMS.title,
        f"Öppna data om officiella konton i sociala medier – {name}",
        f"Open data on official social media accounts – {name}",
    )
    _texts(
        g,
        catalog,
        DCTERMS.description,
        f"{name}s förteckning över kommunens officiella konton i sociala medier, från Kanalkoll.",
        f"The register of {name}'s official social media accounts, from Kanalkoll.",
    )
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, DCTERMS.license, licence))
    g.add((catalog, DCTERMS.language, SWEDISH))
    g.add((catalog, FOAF.homepage, iri(reverse("public_register"))))
    g.add((catalog, DCAT.dataset, register))
    g.add((catalog, DCAT.dataset, closed))
    g.add((catalog, DCAT.service, service))
    if modified:
        g.add((catalog, DCTERMS.modified, Literal(timezone.localdate(modified), datatype=XSD.date)))

    def dataset(subject, titles, descriptions, landing):
        g.add((subject, RDF.type, DCAT.Dataset))
        g.add((subject, DCTERMS.identifier, Literal(dataset_identifier(subject))))
        _texts(g, subject, DCTERMS.title, *titles)
        _texts(g, subject, DCTERMS.description, *descriptions)
        g.add((subject, DCTERMS.publisher, publisher))
        g.add((subject, DCAT.contactPoint, contact))
        g.add((subject, DCAT.landingPage, iri(landing)))
        g.add((subject, DCAT.theme, GOVERNMENT_THEME))
        g.add((subject, DCTERMS.language, SWEDISH))
        g.add((subject, DCTERMS.accessRights, PUBLIC_ACCESS))
        g.add((subject, DCTERMS.accrualPeriodicity, CONTINUOUS))
        for swedish, english in KEYWORDS:
            _texts(g, subject, DCAT.keyword, swedish, english)
        if modified:
            g.add(
                (
                    subject,
                    DCTERMS.modified,
                    Literal(timezone.localdate(modified), datatype=XSD.date),
                )
            )

    def distribution(of, fragment, path, file_type, media_type, titles, descriptions):
        subject = iri(here + fragment)
        g.add((of, DCAT.distribution, subject))
        g.add((subject, RDF.type, DCAT.Distribution))
        _texts(g, subject, DCTERMS.title, *titles)
        _texts(g, subject, DCTERMS.description, *descriptions)
        g.add((subject, DCAT.accessURL, iri(path)))
        g.add((subject, DCAT.downloadURL, iri(path)))
        g.add((subject, DCTERMS.format, FILE_TYPE[file_type]))
        g.add((subject, DCAT.mediaType, MEDIA_TYPE[media_type]))
        g.add((subject, DCTERMS.license, licence))
        g.add((subject, DCTERMS.accessRights, PUBLIC_ACCESS))
        return subject

    dataset(
        register,
        (
            f"Officiella konton i sociala medier – {name}",
            f"Official social media accounts – {name}",
        ),
        (
            f"Varje aktivt konto som {name} driver i sociala medier: namn, plattform, "
            "adress, ägande verksamhet, syfte, målgrupp, ansvarig funktion, kontaktadress "
            "och integritetsmeddelande. Ett konto som inte finns här är inte kommunens.",
            f"Every active social media account run by {name}: name, platform, address, "
            "owning unit, purpose, audience, responsible function, contact address and "
            "privacy notice. An account not listed here is not the municipality's.",
        ),
        reverse("public_register"),
    )
    distribution(
        register,
        "#register-json",
        reverse("public_register_json"),
        "JSON",
        "application/json",
        ("Förteckningen som JSON", "The register as JSON"),
        (
            "Sidindelad, 100 konton per sida; filter platform och unit.",
            "Paginated, 100 accounts a page; filters platform and unit.",
        ),
    )
    distribution(
        register,
        "#register-csv",
        reverse("public_register_csv"),
        "CSV",
        "text/csv",
        ("Förteckningen som CSV", "The register as CSV"),
        (
            "Alla aktiva konton, UTF-8 med rubrikrad.",
            "Every active account, UTF-8 with a header line.",
        ),
    )
    distribution(
        register,
        "#register-atom",
        reverse("public_register_atom"),
        "ATOM",
        "application/atom+xml",
        ("Ändringar i förteckningen (Atom)", "Changes to the register (Atom)"),
        (
            "Nya, ändrade och avslutade konton, senaste först.",
            "New, changed and closed accounts, newest first.",
        ),
    )
    api = distribution(
        register,
        "#register-api",
        reverse("public_register_verify"),
        "JSON",
        "application/json",
        ("Kontrollera en adress (API)", "Verify an address (API)"),
        (
            "Svarar om en adress är ett av kommunens officiella konton.",
            "Answers whether an address is one of the municipality's official accounts.",
        ),
    )
    g.add((api, DCAT.accessService, service))

    dataset(
        closed,
        (
            f"Avslutade konton i sociala medier – {name}",
            f"Closed social media accounts – {name}",
        ),
        (
            f"Konton som {name} har drivit och avslutat, med datum för start och avslut. "
            "Det som publicerades på dem är allmänna handlingar.",
            f"Accounts that {name} has run and closed, with the dates they were opened "
            "and closed. What was published on them is public record.",
        ),
        reverse("public_closed_accounts"),
    )
    distribution(
        closed,
        "#avslutade-json",
        reverse("public_closed_json"),
        "JSON",
        "application/json",
        ("Avslutade konton som JSON", "Closed accounts as JSON"),
        (
            "Samma form som förteckningen, med closed_on.",
            "The register's shape, with closed_on.",
        ),
    )

    g.add((service, RDF.type, DCAT.DataService))
    _texts(
        g,
        service,
        DCTERMS.title,
        "Kontroll av officiella konton",
        "Verification of official accounts",
    )
    _texts(
        g,
        service,
        DCTERMS.description,
        "Ange en adress i parametern url; svaret säger om den är ett officiellt konto.",
        "Give an address in the url parameter; the answer says whether it is an official account.",
    )
    g.add((service, DCAT.endpointURL, iri(reverse("public_register_verify"))))
    g.add((service, DCAT.endpointDescription, iri(reverse("public_register_openapi"))))
    g.add((service, DCAT.servesDataset, register))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))
    g.add((service, DCTERMS.license, licence))
    g.add((service, DCTERMS.accessRights, PUBLIC_ACCESS))
    return g
