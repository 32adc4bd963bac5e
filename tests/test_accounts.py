import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Account, Problem, Status
from archive.models import Reason, Snapshot, State
from notifications.models import Notification

from .factories import AccountFactory


def problems_of(account):
    return Account.objects.with_compliance().get(pk=account.pk).problems()


def test_compliance_rules(org, account):
    p = org.people
    assert problems_of(account) == []

    account.administrators.set([p.medarbetare, p.kommunikator])  # one besides the communicator
    assert problems_of(account) == [Problem.FEW_ADMINS]

    account.administrators.set([p.medarbetare, p.chef])  # communicator missing
    assert problems_of(account) == [Problem.NO_COMMUNICATOR]

    account.administrators.set(
        [p.medarbetare, p.chef, p.kommunikator2]
    )  # wrong förvaltning's communicator
    assert problems_of(account) == [Problem.NO_COMMUNICATOR]

    account.administrators.set([p.medarbetare, p.chef, p.kommunikator])
    Account.objects.filter(pk=account.pk).service_update(substitute=None, gp_contact_phone=False)
    assert problems_of(account) == [Problem.NO_SUBSTITUTE, Problem.GRAPHIC_PROFILE]


def test_problem_filters_agree_with_the_account_page(org, account):
    p = org.people
    bare = AccountFactory(unit=org.bibliotek, responsible=p.chef, gp_links_website=False)
    closed = AccountFactory(unit=org.bibliotek, responsible=p.chef, status=Status.CLOSED)
    for problem in Problem:
        matching = set(Account.objects.with_problem(problem).values_list("pk", flat=True))
        expected = {a.pk for a in Account.objects.with_compliance() if problem in a.problems()}
        assert matching == expected, problem
    assert set(Account.objects.with_problem("any").values_list("pk", flat=True)) == {bare.pk}
    assert closed.pk not in set(Account.objects.with_problem("any").values_list("pk", flat=True))


def account_data(org, **overrides):
    p = org.people
    data = {
        "platform": "youtube",
        "display_name": "Kulturskolan",
        "handle": "@kulturskolan",
        "url": "https://www.youtube.com/@kulturskolan",
        "kind": "verksamhetskonto",
        "unit": org.bibliotek.pk,
        "responsible": p.medarbetare.pk,
        "substitute": p.chef.pk,
        "administrators": [p.medarbetare.pk, p.chef.pk, p.kommunikator.pk],
        "purpose": "Visa elevernas konserter.",
        "audience": "Föräldrar och elever",
        "language": "svenska",
        "contact_email": "kulturskolan@testby.example",
        "credentials_location": "Valvet / Kulturskolan",
        "gp_states_official": "on",
        "gp_links_website": "on",
        "gp_contact_phone": "on",
        "status": "aktivt",
        "opened_on": "",
        "closed_on": "",
    }
    data.update(overrides)
    return data


def test_curator_registers_an_account_with_history_and_notifications(
    client, org, django_capture_on_commit_callbacks
):
    p = org.people
    client.force_login(p.kommunikationsavdelningen)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/konton/ny/", account_data(org))
    assert response.status_code == 302, response.content.decode()[:2000]
    account = Account.objects.get(url_key="youtube.com/@kulturskolan")
    assert account.status == Status.ACTIVE and account.opened_on is not None
    history = list(account.history.all())
    assert len(history) == 1 and history[0].history_user == p.kommunikationsavdelningen
    assert {a.user_id for a in history[0].administrators.all()} == {
        p.medarbetare.pk,
        p.chef.pk,
        p.kommunikator.pk,
    }
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"medarbetare", "chef", "kommunikator"}

    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Registrerat" in page and "Kulturskolan" in page


def test_bad_input_changes_nothing(client, org, account):
    client.force_login(org.people.kommunikationsavdelningen)
    before = Account.objects.count()
    cases = [
        {"url": "ftp://x.example"},
        {
            "url": "https://www.instagram.com/TestbyBibliotek/"
        },  # the fixture account's URL, written differently
        {"substitute": org.people.medarbetare.pk},  # same as responsible
        {"closed_on": "2026-01-01"},  # but status aktivt
        {"responsible": ""},
    ]
    for overrides in cases:
        response = client.post("/konton/ny/", account_data(org, **overrides))
        assert response.status_code == 400, overrides
        assert "Formuläret har fel" in response.content.decode()
    assert Account.objects.count() == before


def test_duplicate_url_message_names_the_account(client, org, account):
    client.force_login(org.people.kommunikationsavdelningen)
    response = client.post(
        "/konton/ny/", account_data(org, url="http://instagram.com/testbybibliotek")
    )
    assert "Adressen finns redan i registret: Biblioteket i Testby" in response.content.decode()


def test_responsible_person_edits_descriptive_fields_only(client, org, account):
    client.force_login(org.people.medarbetare)
    data = account_data(org, display_name="Nytt namn", status="avslutat", url="https://x.com/annat")
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.display_name == "Nytt namn"
    assert (
        account.status == Status.ACTIVE
        and account.url == "https://www.instagram.com/testbybibliotek"
    )
    latest = account.history.first()
    assert latest.history_user == org.people.medarbetare


def test_history_shows_who_changed_what(client, org, account):
    services.update_account(
        org.people.kommunikationschef, account.pk, {"purpose": "Nytt syfte"}, now=timezone.now()
    )
    services.update_account(
        org.people.kommunikationschef,
        account.pk,
        {},
        administrators=[org.people.medarbetare, org.people.kommunikator],
        now=timezone.now(),
    )
    client.force_login(org.people.chef)
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Nytt syfte" in page
    assert "Administratörer" in page
    assert str(org.people.kommunikationschef) in page


def test_closing_is_refused_until_the_final_snapshot_is_sealed(org, account):
    with pytest.raises(ValidationError, match="slutlig ögonblicksbild"):
        services.update_account(
            org.people.kommunikationschef, account.pk, {"status": Status.CLOSED}, now=timezone.now()
        )
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.closed_on is None


def test_closing_sets_the_closed_date_and_leaves_the_public_register(client, org, account):
    now = timezone.now()
    Snapshot.objects.create(
        account=account,
        reason=Reason.FINAL,
        state=State.SEALED,
        due_at=now,
        created_at=now,
        sealed_at=now,
    )
    services.update_account(
        org.people.kommunikationschef, account.pk, {"status": Status.CLOSED}, now=now
    )
    account.refresh_from_db()
    assert account.closed_on is not None
    assert client.get("/register.json").json()["count"] == 0
    assert Account.objects.filter(pk=account.pk).exists()


def test_sees_only_accounts_in_scope(org, account):
    p = org.people
    other = AccountFactory(unit=org.skolan, responsible=p.outsider)
    visible = {
        u: set(Account.objects.visible_to(getattr(p, u)).values_list("pk", flat=True))
        for u in vars(p)
    }
    assert visible["medarbetare"] == {account.pk}
    assert visible["outsider"] == {other.pk}
    assert visible["kommunikator2"] == {other.pk}
    assert visible["kommunikationschef"] == {account.pk, other.pk}
    assert visible["arkivarie"] == {account.pk, other.pk}


@pytest.mark.parametrize("who", ["medarbetare", "kommunikator"])
def test_mail_reaches_people_when_the_outbox_is_swept(org, account, who):
    from django.utils import timezone

    from notifications.jobs import deliver_pending

    person = getattr(org.people, who)
    account.administrators.remove(person)
    services.update_account(
        org.people.kommunikationschef,
        account.pk,
        {},
        administrators=[*account.administrators.all(), person],
        now=timezone.now(),
    )
    assert deliver_pending(timezone.now()) == 1
    assert deliver_pending(timezone.now()) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]
    assert "administratör" in mail.outbox[0].body
