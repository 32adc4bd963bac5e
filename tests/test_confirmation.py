"""The yearly "bekräfta uppgifterna": registering schedules it a year ahead (an import
too, from the import's day), a one-click confirm on the account page and in "Att göra"
records it in the history and moves the deadline a year; the sweep reminds the
responsible person at the deadline and the communicator 30 days later, each once, with
a handful of queries when nothing is due; lapsed confirmations are in the compliance
overview, and the public register shows when each entry was last confirmed."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import jobs, services
from accounts.lifecycle_views import may_confirm
from accounts.models import Account, Status
from notifications.models import Notification

from .factories import AccountFactory

STHLM = ZoneInfo("Europe/Stockholm")
REGISTERED = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=STHLM)


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return jobs.remind_confirmation(timezone.now())


def sent(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def library(org):
    """What the register needs of the library's account, registered through the
    service (the browser tests use it too)."""
    p = org.people
    return {
        "platform": "instagram",
        "display_name": "Biblioteket i Testby",
        "url": "https://www.instagram.com/testbybibliotek",
        "kind": "verksamhetskonto",
        "unit": org.bibliotek,
        "responsible": p.medarbetare,
        "substitute": p.chef,
        "purpose": "Boktips",
        "audience": "Unga vuxna",
        "status": Status.ACTIVE,
        "gp_states_official": True,
        "gp_links_website": True,
        "gp_contact_phone": True,
        "accessibility_practice": "Alt-texter",
    }


def register_library(org, now):
    p = org.people
    return services.register_account(
        p.kommunikationsavdelningen, library(org), [p.medarbetare, p.chef, p.kommunikator], now=now
    )


@pytest.fixture
def registered(org):
    """The library's account, registered on 10 March 2026."""
    return register_library(org, REGISTERED)


def test_registering_schedules_the_first_confirmation_a_year_ahead(registered):
    assert registered.confirmed_on == datetime.date(2026, 3, 10)
    assert registered.confirmation_due_at == at(2027, 3, 10)
    assert registered.confirmation_next_at == at(2027, 3, 10)


def test_a_leap_day_confirmation_is_due_on_28_february():
    assert services.confirmation_due(datetime.date(2028, 2, 29)) == at(2029, 2, 28)


def test_reminded_at_the_deadline_once_then_the_communicator_30_days_later(org, registered):
    p = org.people
    assert sweep(at(2027, 3, 9, 23, 59)) == 0
    assert sweep(at(2027, 3, 10, 0, 5)) == 1
    assert sweep(at(2027, 3, 10, 0, 5)) == 0
    assert sweep(at(2027, 4, 8, 23, 0)) == 0
    assert sent(p.medarbetare, "account_confirm") == 1
    mail = Notification.objects.get(kind="account_confirm")
    assert "Biblioteket i Testby" in mail.subject and "10 mars 2027" in mail.body_text
    assert f"/konton/{registered.pk}/#bekrafta" in mail.body_text
    assert sent(p.kommunikator, "account_confirm_escalate") == 0
    assert sweep(at(2027, 4, 9, 0, 30)) == 1
    assert sweep(at(2027, 4, 9, 12, 0)) == 0
    assert sweep(at(2027, 8, 1, 12, 0)) == 0  # nothing more until someone confirms
    assert sent(p.kommunikator, "account_confirm_escalate") == 1
    escalation = Notification.objects.get(kind="account_confirm_escalate")
    assert "trots påminnelse" in escalation.body_text
    assert Account.objects.get(pk=registered.pk).confirmation_next_at is None


def test_a_late_sweep_reminds_first_and_escalates_30_days_after_the_reminder(org, registered):
    assert sweep(at(2027, 6, 1, 12, 0)) == 1
    assert sent(org.people.medarbetare, "account_confirm") == 1
    assert sent(org.people.kommunikator, "account_confirm_escalate") == 0
    assert sweep(at(2027, 6, 30, 23, 0)) == 0
    assert sweep(at(2027, 7, 1, 0, 5)) == 1
    assert sent(org.people.kommunikator, "account_confirm_escalate") == 1


def test_the_sweep_with_nothing_due_is_one_query(org, registered):
    for _n in range(20):
        AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
    with time_machine.travel(at(2026, 12, 1, 12, 0), tick=False):
        with CaptureQueriesContext(connection) as queries:
            assert jobs.remind_confirmation(timezone.now()) == 0
    assert len(queries) <= 3, [q["sql"] for q in queries]


def test_confirming_records_it_and_moves_the_deadline_a_year(org, registered):
    p = org.people
    moment = at(2027, 3, 20, 10, 0)
    assert sweep(at(2027, 3, 10, 8, 0)) == 1
    account = services.confirm_account(
        p.medarbetare, registered.pk, now=moment, may_confirm=may_confirm(moment)
    )
    assert account.confirmed_on == datetime.date(2027, 3, 20)
    assert account.confirmation_due_at == at(2028, 3, 20)
    latest = account.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == p.medarbetare
    assert latest.history_change_reason == "Uppgifterna bekräftade"
    assert latest.confirmed_on == datetime.date(2027, 3, 20)
    # No escalation for the confirmed deadline; the next year's reminder comes.
    assert sweep(at(2027, 4, 20, 12, 0)) == 0
    assert sent(p.kommunikator, "account_confirm_escalate") == 0
    assert sweep(at(2028, 3, 20, 0, 5)) == 1
    with pytest.raises(ValidationError, match="redan bekräftade i dag"):
        services.confirm_account(
            p.medarbetare, registered.pk, now=moment, may_confirm=may_confirm(moment)
        )


def test_only_the_team_confirms(org, registered):
    moment = at(2027, 3, 20, 10, 0)
    with pytest.raises(PermissionDenied):
        services.confirm_account(
            org.people.outsider, registered.pk, now=moment, may_confirm=may_confirm(moment)
        )
    assert Account.objects.get(pk=registered.pk).confirmed_on == datetime.date(2026, 3, 10)


def test_a_closed_account_is_not_asked(org, registered):
    with transaction.atomic():
        Account.objects.filter(pk=registered.pk).service_update(status=Status.CLOSED)
    assert sweep(at(2027, 3, 10, 8, 0)) == 0
    assert Account.objects.get(pk=registered.pk).confirmation_next_at is None
    assert not Notification.objects.filter(kind__startswith="account_confirm").exists()


def _section(html, name):
    match = re.search(rf'<section[^>]*aria-labelledby="section-{name}".*?</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(0)


def test_page_todo_and_compliance(org, registered):
    p = org.people
    client = Client()
    with time_machine.travel(at(2027, 2, 1, 10, 0), tick=False):
        client.force_login(p.medarbetare)
        todo = client.get("/att-gora/").content.decode()
        assert "Bekräfta uppgifterna om" not in todo  # more than a month ahead
    with time_machine.travel(at(2027, 3, 1, 10, 0), tick=False):
        client.force_login(p.medarbetare)
        todo = client.get("/att-gora/").content.decode()
        assert "Bekräfta uppgifterna om Biblioteket i Testby" in todo
        assert f'action="/konton/{registered.pk}/bekrafta/"' in todo
    with time_machine.travel(at(2027, 3, 15, 10, 0), tick=False):
        client.force_login(p.medarbetare)
        manager = Client()
        manager.force_login(p.kommunikationschef)
        html = manager.get("/konton/efterlevnad/").content.decode()
        assert "Biblioteket i Testby" in _section(html, "bekraftelse")
        page = client.get(f"/konton/{registered.pk}/").content.decode()
        assert "Uppgifterna bekräftades senast 10 mars 2026" in page
        response = client.post(f"/konton/{registered.pk}/bekrafta/", {"next": "/att-gora/"})
        assert response.status_code == 302 and response["Location"] == "/att-gora/"
        assert "Bekräfta uppgifterna om" not in client.get("/att-gora/").content.decode()
        html = manager.get("/konton/efterlevnad/").content.decode()
        assert "Biblioteket i Testby" not in _section(html, "bekraftelse")
        # Another site is not a place to return to.
        response = client.post(
            f"/konton/{registered.pk}/bekrafta/", {"next": "https://evil.example/"}
        )
        assert response["Location"] == f"/konton/{registered.pk}/"
        page = client.get(response["Location"]).content.decode()
        assert "redan bekräftade i dag" in page
        public = client.get("/register.json").json()["results"][0]
        assert public["confirmed_on"] == "2027-03-15"
        assert "2027-03-15" in Client().get("/register/").content.decode()


def test_edit_and_confirm_in_one_version(org, registered):
    client = Client()
    with time_machine.travel(at(2027, 3, 15, 10, 0), tick=False):
        client.force_login(org.people.medarbetare)
        form = client.get(f"/konton/{registered.pk}/andra/?bekrafta=1").content.decode()
        assert 'name="confirm"' in form and "checked" in form
        before = registered.history.count()
        response = client.post(
            f"/konton/{registered.pk}/andra/",
            {
                "display_name": "Biblioteket i Testby",
                "handle": "",
                "purpose": "Boktips och evenemang",
                "audience": "Unga vuxna",
                "language": "svenska",
                "accessibility_practice": "Alt-texter",
                "gp_states_official": "on",
                "gp_links_website": "on",
                "gp_contact_phone": "on",
                "confirm": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get(pk=registered.pk)
    assert account.confirmed_on == datetime.date(2027, 3, 15)
    assert account.purpose == "Boktips och evenemang"
    assert registered.history.count() == before + 1
    latest = account.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "Uppgifterna ändrade och bekräftade"
