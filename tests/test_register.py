import datetime
import json

import pytest
from django.utils import timezone

from accounts.models import Account, RecordsAreKept, Status
from accounts.urlkeys import InvalidAccountURL, url_key
from core.registry import public_register_changed
from organisation.models import Unit

from .factories import AccountFactory, UserFactory


@pytest.mark.django_db  # the platforms' host rules are the catalogue's (accounts.platforms)
@pytest.mark.parametrize(
    "raw",
    [
        "https://www.instagram.com/testbybibliotek",
        "http://instagram.com/testbybibliotek/",
        "instagram.com/TestbyBibliotek",
        "https://WWW.INSTAGRAM.COM/testbybibliotek/?utm_source=fb&utm_medium=x&igshid=abc",
        "https://m.instagram.com/testbybibliotek?fbclid=123#top",
        "  https://www.instagram.com//testbybibliotek//  ",
    ],
)
def test_url_variants_share_one_key(raw):
    assert url_key(raw) == "instagram.com/testbybibliotek"


@pytest.mark.django_db
def test_meaningful_query_parameters_are_kept():
    assert (
        url_key("https://www.facebook.com/profile.php?id=123&ref=bookmarks")
        == "facebook.com/profile.php?id=123"
    )
    assert url_key("https://www.facebook.com/profile.php?id=123") != url_key(
        "https://www.facebook.com/profile.php?id=124"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "ftp://files.example/x",
        "https://",
        "https://exa mple.se",
        "https://user:pw@example.se/x",
        "http://-bad-.example",
        "x" * 2100,
        "mailto:info@kommun.se",
    ],
)
def test_malformed_urls_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidAccountURL) as exc:
        url_key(raw)
    assert str(exc.value)


@pytest.mark.parametrize(
    "variant",
    [
        "http://instagram.com/testbybibliotek",
        "https://www.instagram.com/TESTBYBIBLIOTEK/?utm_campaign=x",
    ],
)
def test_verify_finds_an_official_account(client, account, variant):
    response = client.get("/register/verify", {"url": variant})
    assert response.status_code == 200
    body = response.json()
    assert body["official"] is True
    assert body["account"]["id"] == account.pk
    assert body["account"]["name"] == "Biblioteket i Testby"


def test_verify_unknown_closed_and_bad_input(client, account, org):
    assert (
        client.get("/register/verify", {"url": "https://instagram.com/someone-else"}).json()[
            "official"
        ]
        is False
    )
    closed = AccountFactory(
        url="https://x.com/gammalt",
        status=Status.CLOSED,
        unit=org.bibliotek,
        responsible=org.people.chef,
    )
    body = client.get("/register/verify", {"url": "x.com/gammalt"}).json()
    assert body["official"] is False and body["account"]["id"] == closed.pk
    assert "avslutat" in body["message"]
    for bad in [None, "", "ftp://x.example", "https://"]:
        response = client.get("/register/verify", {} if bad is None else {"url": bad})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]


def test_public_register_lists_only_active_accounts(client, org, account):
    p = org.people
    AccountFactory(
        display_name="Planerat konto", status=Status.PLANNED, unit=org.bibliotek, responsible=p.chef
    )
    AccountFactory(
        display_name="Avslutat konto", status=Status.CLOSED, unit=org.bibliotek, responsible=p.chef
    )
    AccountFactory(
        display_name="Skolans konto", platform="tiktok", unit=org.skolan, responsible=p.outsider
    )
    html = client.get("/register/").content.decode()
    assert "Biblioteket i Testby" in html and "Skolans konto" in html
    assert "Planerat konto" not in html and "Avslutat konto" not in html

    data = client.get("/register.json").json()
    assert data["count"] == 2
    assert {r["name"] for r in data["results"]} == {"Biblioteket i Testby", "Skolans konto"}
    only_tiktok = client.get("/register.json", {"platform": "tiktok"}).json()
    assert [r["name"] for r in only_tiktok["results"]] == ["Skolans konto"]
    only_kultur = client.get("/register.json", {"unit": org.kultur.pk}).json()
    assert [r["name"] for r in only_kultur["results"]] == ["Biblioteket i Testby"]


def test_open_data_fields_are_stable(client, account):
    from accounts.register import PUBLIC_FIELDS

    row = client.get("/register.json").json()["results"][0]
    assert list(row) == list(PUBLIC_FIELDS)
    assert row["contact_email"] == "kontakt@testby.example"  # falls back to the kommun's address
    assert row["responsible_name"] is None  # names only when the kommun turns it on
    csv_text = client.get("/register.csv").getvalue().decode("utf-8-sig")
    header, first = csv_text.splitlines()[:2]
    assert header.split(",") == list(PUBLIC_FIELDS)
    assert "Biblioteket i Testby" in first


def test_person_names_are_published_only_when_the_kommun_says_so(client, org, account):
    org.kommun.publish_person_names = True
    org.kommun.save()
    public_register_changed(now=timezone.now())  # as the admin does
    row = client.get("/register.json").json()["results"][0]
    assert row["responsible_name"] == f"{org.people.medarbetare.first_name} Åström"


@pytest.mark.parametrize(
    "params",
    [{"platform": "myspace"}, {"unit": "abc"}, {"unit": "99999"}, {"page": "x"}, {"page": "0"}],
)
def test_bad_open_data_filters_get_400_with_a_reason(client, account, params):
    response = client.get("/register.json", params)
    assert response.status_code == 400
    assert response.json()["error"]
    assert client.get("/register/", params).status_code == 400


def test_pages_beyond_the_end_are_empty(client, account):
    data = client.get("/register.json", {"page": 5}).json()
    assert data["results"] == [] and data["count"] == 1 and data["next"] is None


def test_accounts_are_never_deleted(account):
    with pytest.raises(RecordsAreKept):
        account.delete()
    with pytest.raises(RecordsAreKept):
        Account.objects.all().delete()
    assert Account.objects.filter(pk=account.pk).exists()


def test_admin_offers_no_delete(client, org, account):
    client.force_login(org.people.admin)
    response = client.get(f"/admin/accounts/account/{account.pk}/delete/")
    assert response.status_code in (302, 403)
    assert Account.objects.filter(pk=account.pk).exists()


def test_json_is_utf8_not_escaped(client, account):
    raw = client.get("/register.json").content.decode("utf-8")
    assert "Åström" not in raw  # names hidden by default
    assert "Kultur- och fritidsförvaltningen" in raw
    json.loads(raw)


def test_open_data_rows_carry_each_public_field(client, org, account):
    """Every field of a row, and the contact address falling back from the account to
    its unit, its förvaltning and the kommun."""
    p = org.people
    p.chef.title = "Bibliotekschef"
    p.chef.save()
    org.kultur.contact_email = "kultur@testby.example"
    org.kultur.save()
    own = AccountFactory(
        display_name="Anslagstavlan",
        handle="",
        unit=org.kommun,
        responsible=p.chef,
        contact_email="tavlan@testby.example",
        opened_on=datetime.date(2020, 2, 29),
        last_snapshot_on=datetime.date(2024, 7, 1),
    )
    rows = {r["name"]: r for r in client.get("/register.json").json()["results"]}
    assert rows["Anslagstavlan"] == {
        "id": own.pk,
        "name": "Anslagstavlan",
        "platform": "facebook_sida",
        "platform_name": "Facebook-sida",
        "handle": "",
        "url": own.url,
        "kind": "verksamhetskonto",
        "kind_name": "Verksamhetskonto",
        "unit": "Testby kommun",
        "forvaltning": None,
        "purpose": "Berätta om verksamheten.",
        "audience": "Invånare",
        "language": "svenska",
        "responsible_function": "Bibliotekschef",
        "responsible_name": None,
        "contact_email": "tavlan@testby.example",
        "opened_on": "2020-02-29",
        "last_archived_on": "2024-07-01",
        "privacy_url": None,  # neither the account's own nor the kommun's is set
        "confirmed_on": None,  # made without the services: never confirmed
    }
    library = rows["Biblioteket i Testby"]
    assert library["forvaltning"] == "Kultur- och fritidsförvaltningen"
    assert library["responsible_function"] == "Kontoansvarig"
    assert library["contact_email"] == "kultur@testby.example"
    assert library["opened_on"] is None and library["last_archived_on"] is None
    org.bibliotek.contact_email = "bibliotek@testby.example"
    org.bibliotek.save()
    public_register_changed(now=timezone.now())  # as the admin and the import do
    library = client.get("/register.json").json()["results"][1]
    assert library["contact_email"] == "bibliotek@testby.example"


def test_register_reads_in_few_queries(client, org, account, django_assert_num_queries):
    """A cache miss reads the version, the kommun, the count and the rows; a hit only the
    version."""
    for _ in range(3):
        AccountFactory(unit=org.skolan, responsible=org.people.outsider, platform="tiktok")
    with django_assert_num_queries(4):  # version, kommun, count, rows
        assert client.get("/register.json").json()["count"] == 4
    with django_assert_num_queries(1):  # the version: the rest from the cache
        assert client.get("/register.json").json()["count"] == 4
    with django_assert_num_queries(3):  # an empty page still has a count and a kommun
        data = client.get("/register.json", {"page": 3}).json()
    assert data["results"] == [] and data["count"] == 4 and data["kommun"] == "Testby kommun"
    with django_assert_num_queries(5):  # + the förvaltningar of the filter
        assert client.get("/register/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/register/").status_code == 200
    with django_assert_num_queries(5):  # + the unit's path
        assert client.get("/register.json", {"unit": org.utbildning.pk}).json()["count"] == 3
    with django_assert_num_queries(2):  # the account, the kommun
        assert client.get("/register/verify", {"url": account.url}).json()["official"]


def test_register_shows_kommun_changes_at_once(client, org, account):
    assert client.get("/register.json").json()["kommun"] == "Testby kommun"
    org.kommun.name = "Nya Testby kommun"
    org.kommun.contact_email = "ny@testby.example"
    org.kommun.publish_person_names = True
    org.kommun.save()
    public_register_changed(now=timezone.now())  # as the admin does
    data = client.get("/register.json").json()
    assert data["kommun"] == "Nya Testby kommun"
    assert data["results"][0]["contact_email"] == "ny@testby.example"
    assert data["results"][0]["responsible_name"] == f"{org.people.medarbetare.first_name} Åström"
    assert "för Nya Testby kommun</h1>" in client.get("/register/").content.decode()
    verify = client.get("/register/verify", {"url": account.url}).json()
    assert "Nya Testby kommun" in verify["message"]


def test_register_without_a_kommun(client, db):
    unit = Unit.objects.create(name="Fristående", kind=Unit.Kind.FORVALTNING)
    AccountFactory(unit=unit, responsible=UserFactory(), contact_email="")
    data = client.get("/register.json").json()
    assert data["kommun"] is None and data["count"] == 1
    assert data["results"][0]["contact_email"] == ""
    assert client.get("/register.json", {"page": 2}).json()["kommun"] is None
    assert "för kommunen</h1>" in client.get("/register/").content.decode()


def test_register_page_escapes_account_text(client, org, account):
    AccountFactory(
        display_name="<script>alert(1)</script> & Co",
        handle='@"x"',
        url="https://www.facebook.com/x?a=1&b=2",
        purpose="Syfte <b>fet</b>",
        unit=org.skolan,
        responsible=org.people.outsider,
        contact_email="a&b@testby.example",
    )
    html = client.get("/register/").content.decode()
    assert "<script>alert" not in html and "<b>fet" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</a>" in html
    assert 'href="https://www.facebook.com/x?a=1&amp;b=2"' in html
    assert "· @&quot;x&quot;</div>" in html
    assert "Syfte &lt;b&gt;fet&lt;/b&gt;" in html
    assert 'href="mailto:a&amp;b@testby.example"' in html
