"""The diarium export per period (moderation.diarium): the page and its period form, bad
dates, the default month in Swedish time across a DST change, the CSV's content, and a
number of queries that does not grow with the rows."""

import csv
import datetime
import io
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from moderation import services
from moderation.models import Item, Kind

from .factories import AccountFactory

STHLM = ZoneInfo("Europe/Stockholm")


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def new_item(account, now, kind=Kind.CRITICISM, text="Öppettiderna är för korta.", **data):
    item, _created = services.create_item(
        None, account, {"kind": kind, "text": text, **data}, now=now
    )
    return item


def streamed(response):
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(streamed(response).removeprefix("\ufeff"))))


def test_the_page_lists_the_chosen_period_with_its_download_links(client, org, account):
    march = new_item(account, at(2026, 3, 10, 12), text="Kritik i mars")
    new_item(account, at(2026, 4, 2, 9), text="Kritik i april")
    new_item(account, at(2026, 3, 11, 12), kind=Kind.QUESTION, text="En fråga")
    client.force_login(org.people.medarbetare)

    response = client.get("/moderering/diarium/", {"fran": "2026-03-01", "till": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/moderering/{march.pk}/"' in page
    assert "1 ärende under perioden." in page
    assert 'href="/moderering/diarium.csv?fran=2026-03-01&amp;till=2026-03-31"' in page
    assert 'href="/moderering/diarium.json?fran=2026-03-01&amp;till=2026-03-31"' in page
    assert "Ladda ner CSV" in page

    rows = csv_rows(client.get("/moderering/diarium.csv?fran=2026-03-01&till=2026-03-31"))
    assert [int(r["Ärendenummer"]) for r in rows] == [march.pk]
    data = json.loads(
        streamed(client.get("/moderering/diarium.json?fran=2026-04-01&till=2026-04-30"))
    )
    assert [r["text"] for r in data["results"]] == ["Kritik i april"]
    # The moderation desk links the page.
    assert 'href="/moderering/diarium/"' in client.get("/moderering/").content.decode()


def test_the_page_is_paginated_and_keeps_the_period(client, org, account):
    for n in range(55):
        new_item(account, at(2026, 5, 1, 8) + datetime.timedelta(minutes=n), text=f"K {n}")
    client.force_login(org.people.medarbetare)
    page = client.get("/moderering/diarium/?fran=2026-05-01&till=2026-05-31").content.decode()
    assert "55 ärenden under perioden." in page and "Sida 1 av 2" in page
    assert 'href="?fran=2026-05-01&amp;till=2026-05-31&amp;page=2"' in page
    second = client.get("/moderering/diarium/?fran=2026-05-01&till=2026-05-31&page=2")
    assert second.content.decode().count('<tr><td><a href="/moderering/') == 5


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"fran": "2026-13-01"}, "Fyll i ett giltigt datum."),
        ({"fran": "i går", "till": "2026-03-31"}, "Fyll i ett giltigt datum."),
        ({"fran": "2026-03-31", "till": "2026-03-01"}, "Slutdatumet får inte vara före"),
        ({"fran": "2025-01-01", "till": "2026-01-01"}, "Perioden får vara högst 12 månader."),
    ],
)
def test_bad_dates_are_refused_with_a_swedish_reason(client, org, account, query, reason):
    new_item(account, timezone.now())
    before = list(Item.objects.values_list("pk", "created_at"))
    client.force_login(org.people.medarbetare)

    page = client.get("/moderering/diarium/", query)
    assert page.status_code == 400 and reason in page.content.decode()
    assert "Ladda ner CSV" not in page.content.decode()
    csv_response = client.get("/moderering/diarium.csv", query)
    assert csv_response.status_code == 400
    assert csv_response["Content-Type"] == "text/plain; charset=utf-8"
    assert reason in csv_response.content.decode()
    json_response = client.get("/moderering/diarium.json", query)
    assert json_response.status_code == 400 and reason in json_response.json()["error"]
    assert list(Item.objects.values_list("pk", "created_at")) == before  # nothing changed


def test_twelve_months_is_the_longest_period(client, org, account):
    client.force_login(org.people.medarbetare)
    response = client.get("/moderering/diarium.csv?fran=2025-01-01&till=2025-12-31")
    assert response.status_code == 200
    assert "2025-01-01-2025-12-31" in response["Content-Disposition"]


def test_the_default_is_the_current_month_in_swedish_time_across_dst(client, org, account):
    # Summer time began on 29 March 2026. At 00:30 on 1 April in Stockholm it is still
    # 31 March in UTC: the default month is April, from local midnight.
    new_item(account, at(2026, 3, 1, 0, 30), text="Första mars, vintertid")
    new_item(account, at(2026, 3, 31, 23, 50), text="Sista mars, sommartid")
    new_item(account, at(2026, 4, 1, 0, 10), text="Första april")
    client.force_login(org.people.medarbetare)

    def texts():
        return [r["Text"] for r in csv_rows(client.get("/moderering/diarium.csv"))]

    with time_machine.travel(at(2026, 4, 1, 0, 30), tick=False):
        assert timezone.now().astimezone(datetime.UTC).day == 31
        assert texts() == ["Första april"]
        page = client.get("/moderering/diarium/").content.decode()
        assert 'value="2026-04-01"' in page and 'value="2026-04-30"' in page
    with time_machine.travel(at(2026, 3, 31, 23, 55), tick=False):
        assert texts() == ["Första mars, vintertid", "Sista mars, sommartid"]


def test_the_csv_has_swedish_columns_local_times_and_defused_cells(client, org, account):
    item = new_item(
        account,
        at(2026, 7, 1, 10, 5),
        author='=HYPERLINK("https://evil.example")',
        post_url="https://www.instagram.com/p/xyz/",
    )
    services.register(org.people.medarbetare, item.pk, "KFN 2026/88", "Kulturnämnden",
                      now=at(2026, 7, 1, 12, 0))  # fmt: skip
    new_item(account, at(2026, 7, 2, 9), kind=Kind.QUESTION, text="Ingen kritik")
    client.force_login(org.people.medarbetare)

    response = client.get("/moderering/diarium.csv?fran=2026-07-01&till=2026-07-31")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "moderering-diarium-2026-07-01-2026-07-31.csv" in response["Content-Disposition"]
    (row,) = csv_rows(response)
    assert row["Ärendenummer"] == str(item.pk) and row["Konto"] == account.display_name
    assert row["Plattform"] == "Instagram" and row["Typ"] == "Saklig kritik"
    assert row["Upptäckt"] == "2026-07-01 10:05" and row["Hanterat"] == "2026-07-01 12:00"
    assert row["Diarienummer"] == "KFN 2026/88"
    assert row["Vidarebefordrat till"] == "Kulturnämnden"
    assert row["Avsändare"] == '\'=HYPERLINK("https://evil.example")'
    (result,) = json.loads(
        streamed(client.get("/moderering/diarium.json?fran=2026-07-01&till=2026-07-31"))
    )["results"]
    assert result["noticed_at"] == "2026-07-01T08:05:00+00:00"
    assert result["author"] == '=HYPERLINK("https://evil.example")'


@pytest.mark.parametrize("url", ["/moderering/diarium/", "/moderering/diarium.csv",
                                 "/moderering/diarium.json"])  # fmt: skip
def test_the_queries_do_not_grow_with_the_rows(client, org, django_assert_max_num_queries, url):
    p = org.people
    now = at(2026, 9, 15, 12)
    client.force_login(p.kommunikationschef)
    counts = []
    for size in (2, 40):
        while Item.objects.count() < size:
            account = AccountFactory(unit=org.bibliotek, responsible=p.medarbetare)
            new_item(account, now - datetime.timedelta(hours=Item.objects.count()))
        with time_machine.travel(now, tick=False):
            with django_assert_max_num_queries(8) as queries:
                response = client.get(url)
                if response.streaming:
                    streamed(response)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
