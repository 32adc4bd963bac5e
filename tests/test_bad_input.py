"""Out-of-range numbers, periods and dates in the URL or the query string answer 400 or
404 with a reason (or, on an HTML list, its first or last page), never 500."""

import pytest
from django.db import transaction

from archive.periods import Period
from core import pages

HUGE = "99999999999999999999"
INT64 = "9223372036854775807"
BAD_NUMBERS = [HUGE, INT64, "-1", "0", "abc", "1e3", "1.5", "\u0663", "9" * 5000]

GET_URLS = [
    *(f"/register/?page={n}" for n in BAD_NUMBERS),
    *(f"/register.json?page={n}" for n in BAD_NUMBERS),
    *(f"/register/?unit={n}" for n in BAD_NUMBERS),
    *(f"/register.json?unit={n}" for n in BAD_NUMBERS),
    *(f"/register.csv?unit={n}" for n in BAD_NUMBERS),
    f"/register.csv?page={HUGE}",
    "/register/verify?url=https://x.com/%ff%fe",
    f"/register/verify?url=https://x.com:{HUGE}/x",
    "/register/avslutade/?page=" + HUGE,
    *(f"/konton/?page={n}" for n in BAD_NUMBERS),
    f"/konton/?unit={HUGE}",
    f"/konton/{HUGE}/",
    f"/konton/{INT64}/",
    f"/konton/{HUGE}/andra/",
    f"/konton/avslut/{HUGE}/bekrafta/",
    "/konton/aktivitet/not-a-token/",
    f"/planer/{HUGE}/",
    f"/planer/{HUGE}/pdf/",
    f"/planer/utvardering/{HUGE}/",
    f"/planer/?status={HUGE}",
    "/planer/referens/0000-00-00/",
    f"/moderering/{HUGE}/",
    f"/moderering/{HUGE}/besvara/",
    f"/moderering/?konto={HUGE}&typ=x&visa=y&page={HUGE}",
    f"/moderering/kopia/{HUGE}/bild/",
    f"/moderering/konto/{HUGE}/tillsyn/",
    f"/moderering/konto/{HUGE}/statistik/",
    *(f"/aviseringar/?page={n}" for n in BAD_NUMBERS),
    f"/overlamning/{HUGE}/",
    f"/arkiv/bild/{HUGE}/",
    f"/arkiv/bild/{HUGE}/pdf/",
    f"/arkiv/konto/{HUGE}/",
    *(
        f"/arkiv/period/{key}/{tail}"
        for key in ("9999-H2", "9999-H1", "0000-H1", "0001-H1", "1899-H2", "2026-H3", "2026-H2\n")
        for tail in ("", "paket.zip")
    ),
]
POST_URLS = [
    f"/arkiv/period/{key}/kvittens/" for key in ("9999-H2", "9999-H1", "0000-H1", "1899-H2")
] + [
    f"/konton/{HUGE}/aktivitet/",
    f"/konton/avslut/{HUGE}/steg/",
    f"/planer/{HUGE}/beslut/",
    f"/aviseringar/{HUGE}/oppna/",
    f"/franvaro/{HUGE}/aterkalla/",
    f"/arkiv/bild/{HUGE}/ny-version/",
    f"/arkiv/konto/{HUGE}/ta/",
    f"/moderering/nycklar/{HUGE}/aterkalla/",
]
USERS = [None, "medarbetare", "kommunikationschef", "arkivarie"]


def _status(call, url, **data):
    """The answer's status, each request in a savepoint of its own: a database error in
    one (an aborted transaction) must not turn the ones after it into 500s, as separate
    requests in production would not."""
    savepoint = transaction.savepoint()
    try:
        return call(url, **data).status_code
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("who", USERS)
def test_no_bad_number_period_or_date_gives_a_500(client, org, account, who):
    client.raise_request_exception = False  # collect every answer, then compare
    if who:
        client.force_login(getattr(org.people, who))
    answers = {f"GET {url[:80]}": _status(client.get, url) for url in GET_URLS}
    for url in POST_URLS:
        answers[f"POST {url[:80]}"] = _status(client.post, url, data={"note": "x", "step": "x"})
    assert {call: status for call, status in answers.items() if status >= 500} == {}


@pytest.mark.parametrize("page", [HUGE, INT64, str(pages.MAX_PAGE + 1)])
def test_a_page_number_past_any_page_is_a_400_with_a_reason(client, account, page):
    response = client.get("/register.json", {"page": page})
    assert response.status_code == 400
    assert response.json() == {"error": f"Sidnumret får vara högst {pages.MAX_PAGE}."}
    response = client.get("/register/", {"page": page})
    assert response.status_code == 400
    assert "Sidnumret får vara högst" in response.content.decode()


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        (" 7 ", 7),
        ("+2", 2),
        ("007", 7),
        (str(pages.MAX_PAGE), pages.MAX_PAGE),
    ],
)
def test_page_numbers(raw, number):
    assert pages.page_number(raw) == number


@pytest.mark.parametrize(
    "raw", ["0", "-0", "-3", "x", "1e3", "1.0", "\u0663", "1_0", HUGE, "9" * 5000]
)
def test_what_is_no_page_number_is_refused_with_a_reason(raw):
    with pytest.raises(pages.BadPage, match="Sidnumret"):
        pages.page_number(raw)


def test_an_html_list_shows_its_last_page_for_a_page_past_the_end(client, org, account):
    client.force_login(org.people.kommunikationschef)
    response = client.get("/konton/", {"page": HUGE})
    assert response.status_code == 200 and response.context["page"].number == 1
    assert client.get("/konton/", {"page": "x"}).context["page"].number == 1


@pytest.mark.parametrize(
    "key", ["9999-H2", "0000-H1", "1899-H2", "10000-H1", "٢٠٢٦-H1", "2026-H1\n"]
)
def test_period_keys_outside_the_representable_years_are_refused(key):
    with pytest.raises(ValueError):
        Period.from_key(key)


@pytest.mark.parametrize("key", ["1900-H1", "9998-H2"])
def test_the_first_and_last_period_can_be_computed(key):
    period = Period.from_key(key)
    assert period.previous().starts_at < period.starts_at < period.ends_at
    assert period.next().key > period.previous().key


@pytest.mark.parametrize("key", ["9999-H2", "0000-H1"])
def test_a_period_out_of_range_is_a_404_for_the_archivist(client, org, key):
    client.force_login(org.people.arkivarie)
    assert client.get(f"/arkiv/period/{key}/").status_code == 404
    assert client.get(f"/arkiv/period/{key}/paket.zip").status_code == 404
    assert client.post(f"/arkiv/period/{key}/kvittens/").status_code == 404
