"""Pages as people meet them: the error pages, who is signed in, the language switch."""

import pytest
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import timezone

from config import errors
from config import urls as project_urls

from .csp import assert_strict_csp

WAY_ON = ('href="/"', 'href="/register/"')


def _boom(request):
    raise RuntimeError("database on fire")


def _denied(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("Bara arkivarien tar emot leveranser.")


def _bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("bad")


urlpatterns = [
    path("boom/", _boom),
    path("denied/", _denied),
    path("bad/", _bad),
    *project_urls.urlpatterns,
]
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error


def page(response):
    return response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_404_page_is_swedish_in_the_layout_with_a_way_on(client, org, signed_in):
    if signed_in:
        client.force_login(org.people.medarbetare)
    response = client.get("/finns-inte/")
    html = page(response)
    assert response.status_code == 404
    assert "<h1>Sidan finns inte</h1>" in html and "Not Found" not in html
    assert all(link in html for link in WAY_ON) and 'id="main-content"' in html
    assert ('href="/logga-in/"' in html) != signed_in
    assert_strict_csp(response)


def test_a_404_says_the_views_reason(client, org):
    client.force_login(org.people.medarbetare)
    html = page(client.get("/moderering/999999/"))
    assert "<h1>Sidan finns inte</h1>" in html
    assert "Resolver404" not in html


def test_the_403_page_says_why(client, org, settings):
    settings.ROOT_URLCONF = "tests.test_pages"
    response = client.get("/denied/")
    assert response.status_code == 403
    html = page(response)
    assert "<h1>Du saknar behörighet</h1>" in html
    assert "Bara arkivarien tar emot leveranser." in html and "403 Forbidden" not in html
    assert all(link in html for link in WAY_ON)


def test_the_400_page(client, settings):
    settings.ROOT_URLCONF = "tests.test_pages"
    response = client.get("/bad/")
    assert response.status_code == 400
    assert "<h1>Felaktig förfrågan</h1>" in page(response) and "Bad Request" not in page(response)


def test_the_500_page_needs_no_database():
    """No `db` fixture: any query here raises. The page still renders, in the layout."""
    response = errors.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Något gick fel</h1>" in html and "Server Error" not in html
    assert all(link in html for link in WAY_ON) and 'href="/logga-in/"' in html
    assert "/static/css/kanalkoll." in html


def test_an_exception_answers_the_swedish_500_page(db, settings):
    settings.ROOT_URLCONF = "tests.test_pages"
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "<h1>Något gick fel</h1>" in page(response) and "database on fire" not in page(response)


def test_a_refused_csrf_check_is_explained_in_swedish(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.medarbetare)
    response = client.post("/franvaro/", {"note": "x"})
    assert response.status_code == 403
    html = page(response)
    assert "<h1>Formuläret kunde inte skickas</h1>" in html
    assert "CSRF verification failed" not in html and "ladda om sidan" in html


# -- the header ---------------------------------------------------------------------


def test_the_header_shows_who_is_signed_in_and_their_roles(client, org):
    client.force_login(org.people.chef)
    html = page(client.get("/att-gora/"))
    header = html[html.index("<header") : html.index("</header>")]
    assert str(org.people.chef) in header
    assert "Chef, Biblioteket" in header
    assert 'title="Inloggad som' not in header  # no longer hidden in a tooltip


# -- language -----------------------------------------------------------------------


def test_swedish_even_when_the_browser_asks_for_english(client, org):
    response = client.get("/register/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response["Content-Language"] == "sv"
    assert '<html lang="sv">' in page(response)
    client.force_login(org.people.medarbetare)
    response = client.get("/att-gora/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="sv">' in page(response) and "Att göra" in page(response)


def test_the_language_switch_is_remembered_per_user(client, org):
    person = org.people.medarbetare
    client.force_login(person)
    html = page(client.get("/att-gora/"))
    assert 'action="/sprak/"' in html and 'value="en"' in html and "In English" in html
    response = client.post("/sprak/", {"language": "en", "next": "/att-gora/"})
    assert (response.status_code, response["Location"]) == (302, "/att-gora/")
    person.refresh_from_db()
    assert person.language == "en"
    assert '<html lang="en">' in page(client.get("/att-gora/"))
    # Another browser, signing in: the choice follows the person.
    other = Client()
    other.force_login(person)
    html = page(other.get("/att-gora/"))
    assert '<html lang="en">' in html and "På svenska" in html
    # And back.
    other.post("/sprak/", {"language": "sv", "next": "/att-gora/"})
    person.refresh_from_db()
    assert person.language == "sv"
    assert '<html lang="sv">' in page(client.get("/att-gora/"))


def test_a_visitor_switches_language_with_a_cookie(client, db):
    response = client.post("/sprak/", {"language": "en", "next": "/register/"})
    assert response.status_code == 302
    assert '<html lang="en">' in page(client.get("/register/"))
    assert client.post("/sprak/", {"language": "xx", "next": "/register/"}).status_code == 302
    assert '<html lang="en">' in page(client.get("/register/"))  # an unknown code changes nothing
    assert client.get("/sprak/").status_code == 405


# -- time in words, "Att göra" --------------------------------------------------------


def test_spans_of_time_read_in_days_and_hours():
    import datetime

    from core.durations import describe

    hour = datetime.timedelta(hours=1)
    assert describe(5937 * hour) == "247 dagar 9 timmar"
    assert describe(-(24 * hour)) == "1 dag"
    assert describe(25 * hour + datetime.timedelta(minutes=59)) == "1 dag 1 timme"
    assert describe(4 * hour + datetime.timedelta(minutes=59, seconds=59)) == "4 timmar 59 minuter"
    assert describe(datetime.timedelta(seconds=59)) == "0 minuter"
    assert describe(datetime.timedelta(minutes=1)) == "1 minut"


def test_todo_rows_for_items_say_what_each_is_and_how_late(client, org, account):
    import datetime

    from moderation import services

    now = timezone.now()
    for text, hours in (("Öppnar ni på lördag?", 5937 + 48), ("Var lämnar jag böcker?", 40)):
        services.create_item(
            None,
            account,
            {"kind": "fraga", "text": text, "posted_at": now - datetime.timedelta(hours=hours)},
            now=now,
        )
    client.force_login(org.people.medarbetare)
    html = page(client.get("/att-gora/"))
    assert "Fråga på Biblioteket i Testby: ”Öppnar ni på lördag?”" in html
    assert "Fråga på Biblioteket i Testby: ”Var lämnar jag böcker?”" in html
    assert "Försenat 247 dagar" in html and "5937 timmar" not in html
    assert "7 timmar 59 minuter kvar" in html or "7 timmar 58 minuter kvar" in html
    assert 'class="badge bg-danger me-2">Försenat<' in html
    assert 'class="badge bg-warning text-dark me-2">Brådskande<' in html


def test_notifications_are_short_lines_newest_first_with_the_text_on_demand(client, org):
    import datetime

    from notifications.models import Notification

    now = timezone.now()
    for i, subject in enumerate(("Äldst", "Mitten", "Nyast")):
        Notification.objects.create(
            recipient=org.people.chef,
            kind="test",
            subject=subject,
            body_text=f"Hej!\n\nLång text nummer {i}.\nhttp://127.0.0.1:8000/franvaro/",
            url="/franvaro/",
            created_at=now - datetime.timedelta(hours=3 - i),
            due_at=now - datetime.timedelta(hours=3 - i),
            rendered_at=now,
        )
    client.force_login(org.people.chef)
    html = page(client.get("/aviseringar/"))
    assert html.index("Nyast") < html.index("Mitten") < html.index("Äldst")
    first = html.index("Nyast")
    assert html.index("<details", first) < html.index("Lång text nummer 2", first)
    assert html.count("<summary>Visa hela texten</summary>") == 3
    assert html.count('class="btn btn-link p-0 text-start notification-subject"') == 3


# -- the public register ----------------------------------------------------------------


def test_the_public_register_searches_by_text(client, org, account):
    from accounts.models import Kind

    from .factories import AccountFactory

    AccountFactory(
        unit=org.skolan,
        responsible=org.people.outsider,
        display_name="Skolans elevråd",
        purpose="Elevrådets nyheter",
    )
    AccountFactory(
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        display_name="Kim på biblioteket",
        kind=Kind.AMBASSADOR,
    )
    html = page(client.get("/register/", {"q": "ELEVRÅD"}))
    assert "Skolans elevråd" in html and "Biblioteket i Testby" not in html
    assert 'name="q" value="ELEVRÅD"' in html
    html = page(client.get("/register/", {"q": "testby bibliotek"}))
    assert "Biblioteket i Testby" in html and "Skolans elevråd" not in html
    # A wildcard is a character, not "anything".
    assert "Inga konton matchar ”%”." in page(client.get("/register/", {"q": "%"}))
    assert client.get("/register/", {"q": "x" * 201}).status_code == 400
    # Ambassador accounts are marked on the HTML register, as in the JSON.
    html = page(client.get("/register/"))
    row = html[html.index("Kim på biblioteket") :]
    assert row[: row.index("</tr>")].count("Ambassadör i tjänsten") == 1


def test_the_verify_form_answers_in_plain_swedish(client, org, account):
    from accounts.models import Status

    html = page(client.get("/register/"))
    assert 'action="/register/kontrollera/"' in html and "Är det här ett officiellt konto?" in html
    html = page(client.get("/register/kontrollera/"))
    assert "<h1" in html and "Ja, det" not in html and "Nej" not in html
    answer = page(client.get("/register/kontrollera/", {"url": "instagram.com/TestbyBibliotek/"}))
    assert "Ja, det är ett officiellt konto." in answer and "Biblioteket i Testby" in answer
    answer = page(client.get("/register/kontrollera/", {"url": "https://x.com.evil.example/a"}))
    assert "Nej, det är inte ett av kommunens officiella konton." in answer
    response = client.get("/register/kontrollera/", {"url": "javascript:alert(1)"})
    assert response.status_code == 400 and 'aria-invalid="true"' in page(response)
    assert client.get("/register/kontrollera/", {"url": " "}).status_code == 400
    account.status = Status.CLOSED
    account.save()
    answer = page(client.get("/register/kontrollera/", {"url": account.url}))
    assert "Nej, inte längre." in answer
    # The JSON beside it is as before (plus the platform it recognised, from the catalogue).
    data = client.get("/register/verify", {"url": account.url}).json()
    assert set(data) == {"url", "normalised", "official", "account", "message", "platform"}


# -- no English in the Swedish interface -------------------------------------------------


def test_every_field_of_the_apps_has_a_swedish_name():
    """The admin shows every field: none may fall back to its English attribute name
    ("Url key")."""
    from django.apps import apps
    from django.utils.functional import Promise

    ours = {"core", "organisation", "notifications", "accounts", "activityplans"}
    ours |= {"moderation", "archive"}
    unnamed = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in ours and not model.__name__.startswith("Historical")
        for field in model._meta.get_fields()
        if hasattr(field, "verbose_name")
        and not field.auto_created
        and not isinstance(field.verbose_name, Promise)
    ]
    assert not unnamed


def test_the_admin_of_periodic_tasks_and_history_is_swedish(client, org):
    from django.utils import translation

    with translation.override("sv"):
        from django.utils.translation import gettext

        assert gettext("Periodic Tasks") == "Schemalagda körningar"
        assert gettext("Changed by") == "Ändrat av"
        assert gettext("Date/time") == "Datum och tid"
    client.force_login(org.people.admin)
    html = page(client.get("/admin/"))
    assert "Schemalagda körningar" in html and "Periodic Tasks" not in html
    assert "Intervals" not in html and "Crontabs" not in html


def test_dates_read_in_swedish_and_machine_times_drop_microseconds(client, org, account):
    import datetime
    import re

    from moderation import tokens

    client.force_login(org.people.arkivarie)
    html = page(client.get("/arkiv/", HTTP_ACCEPT_LANGUAGE="en-US,en"))
    assert re.search(r"1 (januari|juli) 20\d\d", html) and " Jan " not in html
    tokens.issue(org.people.kommunikationsavdelningen, account, "Bevakaren", now=timezone.now())
    client.force_login(org.people.kommunikationsavdelningen)
    html = page(client.get("/moderering/nycklar/"))
    stamps = re.findall(r'<time datetime="([^"]+)"', html)
    assert stamps
    for stamp in stamps:
        moment = datetime.datetime.fromisoformat(stamp)
        assert moment.microsecond == 0 and "." not in stamp and moment.utcoffset() is not None
