"""The account's life after registration: activity attested on the page or by a
one-click link, passive accounts and their reminders, administration coverage and the
quarterly check of logins, closure ended by the sealed final snapshot, and the handover
when someone leaves. Feeds are in tests/test_feeds.py."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import jobs, lifecycle
from accounts import services as account_services
from accounts.models import Account, Attestation, Closure, PassiveRule, Problem, Status, UsedLink
from activityplans.models import State as PlanState
from archive import services as archive_services
from archive.models import Method, Reason, Snapshot
from archive.models import State as SnapshotState
from moderation import services as moderation_services
from moderation.models import Action as ItemAction
from notifications.models import Notification, Reminder
from notifications.services import write_unrendered
from organisation.models import Handover, User
from organisation.services import deactivate_user, reactivate_user

from .archive_helpers import screenshot
from .csp import assert_strict_csp
from .factories import AccountFactory, make_plan, race, render_unrendered

STHLM = ZoneInfo("Europe/Stockholm")


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def sent(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def sweep(job, moment):
    """Run a sweep the way beat does: at `moment`, with the clock pinned there. A
    sweep writes its reminders unrendered; they are rendered here, as delivery would."""
    with time_machine.travel(moment, tick=False):
        result = job(timezone.now())
        render_unrendered(timezone.now())
        return result


def section(html, name):
    """The HTML of one section of the compliance overview."""
    match = re.search(rf'<section[^>]*aria-labelledby="section-{name}".*?</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(0)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- attesting activity on the account page ---------------------------------------------


@pytest.mark.parametrize("role", ["medarbetare", "chef", "kommunikator"])
def test_the_team_attests_the_latest_post(client, org, account, role):
    """The responsible person, the substitute and an administrator."""
    person = getattr(org.people, role)
    client.force_login(person)
    day = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post(f"/konton/{account.pk}/aktivitet/", {"activity_on": day.isoformat()})
    assert response.status_code == 302 and response["Location"] == f"/konton/{account.pk}/"
    account.refresh_from_db()
    assert account.last_activity_on == day
    attestation = Attestation.objects.get(account=account)
    assert (attestation.kind, attestation.user, attestation.activity_on) == (
        Attestation.Kind.ACTIVITY,
        person,
        day,
    )
    assert attestation.via_link is False
    page = client.get(f"/konton/{account.pk}/")
    assert "Senaste aktivitet är registrerad." in messages_of(page)
    assert "3 dagar sedan senaste aktivitet" in page.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("kommunikationschef", 403),  # sees the account, is not on its team
        ("kommunikationsavdelningen", 403),
        ("arkivarie", 403),
        ("outsider", 404),
        ("kommunikator2", 404),
        ("anonymous", 302),
    ],
)
def test_others_cannot_attest(client, org, account, role, status):
    if role != "anonymous":
        client.force_login(getattr(org.people, role))
    day = timezone.localdate().isoformat()
    for url in (f"/konton/{account.pk}/aktivitet/", f"/konton/{account.pk}/inloggning/"):
        assert client.post(url, {"activity_on": day}).status_code == status
    assert not Attestation.objects.exists()
    account.refresh_from_db()
    assert account.last_activity_on is None


def test_the_attest_form_is_shown_to_the_team_only(client, org, account):
    client.force_login(org.people.medarbetare)
    assert "Registrera senaste inlägg" in client.get(f"/konton/{account.pk}/").content.decode()
    client.force_login(org.people.kommunikationschef)
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Registrera senaste inlägg" not in page
    assert "Administratörerna kan logga in" not in page


def test_a_date_in_the_future_or_before_the_start_is_refused(client, org, account):
    account.opened_on = datetime.date(2026, 1, 10)
    account.save()
    client.force_login(org.people.medarbetare)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for day, message in (
        (tomorrow.isoformat(), "Datumet kan inte ligga i framtiden."),
        ("2026-01-09", "Datumet kan inte ligga före kontots start."),
        ("inte ett datum", "Ange ett giltigt datum."),
        ("", "Ange ett giltigt datum."),
    ):
        response = client.post(
            f"/konton/{account.pk}/aktivitet/", {"activity_on": day}, follow=True
        )
        assert message in messages_of(response), day
    assert not Attestation.objects.exists()
    account.refresh_from_db()
    assert account.last_activity_on is None


def test_an_earlier_date_is_recorded_but_last_activity_does_not_move_back(org, account):
    p = org.people
    today = timezone.localdate()
    lifecycle.attest_activity(p.medarbetare, account.pk, today, now=timezone.now())
    lifecycle.attest_activity(
        p.chef, account.pk, today - datetime.timedelta(days=20), now=timezone.now()
    )
    account.refresh_from_db()
    assert account.last_activity_on == today
    assert Attestation.objects.filter(kind=Attestation.Kind.ACTIVITY).count() == 2


def test_the_future_is_judged_in_stockholm(org, account):
    """At 00:30 on 1 June in Stockholm it is still 31 May in UTC: 1 June is today."""
    with time_machine.travel(at(2026, 6, 1, 0, 30), tick=False):
        lifecycle.attest_activity(
            org.people.medarbetare, account.pk, datetime.date(2026, 6, 1), now=timezone.now()
        )
        with pytest.raises(ValidationError):
            lifecycle.attest_activity(
                org.people.medarbetare, account.pk, datetime.date(2026, 6, 2), now=timezone.now()
            )


# -- the one-click link -----------------------------------------------------------------


@pytest.fixture
def link(org, account):
    return lifecycle.activity_link(account, org.people.medarbetare)


def test_the_link_needs_no_login_and_a_get_changes_nothing(client, org, account, link):
    assert link.startswith("/konton/aktivitet/")
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(link)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Biblioteket i Testby" in html and 'name="activity_on"' in html
    assert not Attestation.objects.exists() and not UsedLink.objects.exists()
    account.refresh_from_db()
    assert account.last_activity_on is None


def test_the_link_works_once(client, org, account, link):
    day = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(link, {"activity_on": day.isoformat()})
    assert (response.status_code, response["Location"]) == (302, link)  # POST/redirect/GET
    response = client.get(link)
    assert response.status_code == 200
    assert "Tack! Senaste aktivitet på Biblioteket i Testby är registrerad." in (
        response.content.decode()
    )
    attestation = Attestation.objects.get()
    assert attestation.user == org.people.medarbetare and attestation.via_link
    account.refresh_from_db()
    assert account.last_activity_on == day
    # A reload in the same browser thanks again and records nothing.
    assert "Tack!" in client.get(link).content.decode()
    # Used: a second POST and a GET elsewhere are refused with a message; nothing is added.
    elsewhere = Client()
    for response in (client.post(link, {"activity_on": day.isoformat()}), elsewhere.get(link)):
        assert response.status_code == 400
        assert "Länken är redan använd." in response.content.decode()
        assert 'name="activity_on"' not in response.content.decode()
    assert Attestation.objects.count() == 1 and UsedLink.objects.count() == 1


def test_two_clicks_at_once_attest_once(transactional_db, org, account, link):
    day = timezone.localdate()

    def click(i):
        return lifecycle.attest_by_link(link.split("/")[-2], day, now=timezone.now())

    results = race(2, click)
    assert sorted(type(r).__name__ for r in results) == ["LinkInvalid", "tuple"]
    assert Attestation.objects.count() == 1 and UsedLink.objects.count() == 1


def test_a_refused_date_does_not_use_up_the_link(client, org, account, link):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(link, {"activity_on": tomorrow.isoformat()})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Datumet kan inte ligga i framtiden." in html and 'aria-invalid="true"' in html
    assert not Attestation.objects.exists() and not UsedLink.objects.exists()
    assert client.post(link, {"activity_on": timezone.localdate().isoformat()}).status_code == 302
    assert Attestation.objects.count() == 1


def test_the_link_expires_after_14_days(client, org, account):
    with time_machine.travel(at(2026, 3, 2, 7, 0), tick=False):
        link = lifecycle.activity_link(account, org.people.medarbetare)
    with time_machine.travel(at(2026, 3, 16, 7, 0, 1), tick=False):
        response = client.get(link)
        assert response.status_code == 400
        assert "Länken har gått ut." in response.content.decode()
        response = client.post(link, {"activity_on": "2026-03-15"})
        assert response.status_code == 400
    assert not Attestation.objects.exists()
    # The day before, it still works.
    with time_machine.travel(at(2026, 3, 15, 7, 0), tick=False):
        assert client.post(link, {"activity_on": "2026-03-15"}).status_code == 302
    assert Attestation.objects.get().activity_on == datetime.date(2026, 3, 15)


def test_a_tampered_link_is_refused(client, org, account, link):
    token = link.split("/")[-2]
    payload, _, _signature = token.rpartition(":")
    forged = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature changed
        "x" + token,
        # Another account, with the original signature.
        signing.dumps(
            {"a": account.pk + 1, "u": 1, "n": "0" * 32}, salt=lifecycle.LINK_SALT
        ).rpartition(":")[0]
        + ":"
        + token.rpartition(":")[2],
        # Signed with the right key but another salt (some other signed value of the app).
        signing.dumps({"a": account.pk, "u": org.people.medarbetare.pk, "n": "1" * 32}),
        "inte-en-lank",
    ]
    for bad in forged:
        response = client.post(f"/konton/aktivitet/{bad}/", {"activity_on": "2026-01-01"})
        assert response.status_code in (400, 404), bad
        if response.status_code == 400:
            assert "Länken är ogiltig." in response.content.decode()
    assert payload and not Attestation.objects.exists()


def test_the_link_of_someone_who_left_or_was_replaced(client, org, account, colleague):
    link = lifecycle.activity_link(account, org.people.medarbetare)
    account_services.update_account(
        org.people.kommunikationschef,
        account.pk,
        {"responsible": colleague, "substitute": None},
        administrators=[colleague, org.people.kommunikator],
        now=timezone.now(),
    )
    # No longer on the team: a clear refusal, not a server error, and nothing recorded.
    response = client.post(link, {"activity_on": timezone.localdate().isoformat()})
    assert response.status_code == 403
    assert "Bara den ansvarige" in response.content.decode()
    assert not Attestation.objects.exists() and not UsedLink.objects.exists()
    deactivate(org.people.medarbetare)
    assert client.get(link).status_code == 400


# -- passive accounts -------------------------------------------------------------------

OPENED = datetime.date(2026, 1, 1)


@pytest.fixture
def quiet(org, account):
    """The library's account, opened on 1 January 2026 and silent since."""
    Account.objects.filter(pk=account.pk).service_update(opened_on=OPENED, last_activity_on=None)
    account.refresh_from_db()
    return account


def test_reminded_at_90_days_once_then_the_communicator_at_120(org, quiet):
    p = org.people
    # Day 89 (31 March, the clock just before midnight in Stockholm): nothing.
    assert sweep(jobs.remind_passive, at(2026, 3, 31, 23, 59)) == 0
    assert not lifecycle.passive_accounts(datetime.date(2026, 3, 31))
    # Day 90: five minutes past midnight in Stockholm, 22:05 UTC the day before.
    assert sweep(jobs.remind_passive, at(2026, 4, 1, 0, 5)) == 1
    assert sweep(jobs.remind_passive, at(2026, 4, 1, 0, 5)) == 0
    assert sweep(jobs.remind_passive, at(2026, 4, 20, 12, 0)) == 0
    assert sent(p.medarbetare, "account_passive") == 1
    assert sent(p.kommunikator, "account_passive_close") == 0
    mail = Notification.objects.get(kind="account_passive")
    assert "90 dagar" in mail.body_text and "/konton/aktivitet/" in mail.body_text
    assert mail.body_text.count("http://") >= 2  # absolute links in the e-mail
    # Day 119: still only the reminder; day 120: the communicator, once.
    assert sweep(jobs.remind_passive, at(2026, 4, 30, 23, 0)) == 0
    assert sweep(jobs.remind_passive, at(2026, 5, 1, 6, 0)) == 1
    assert sweep(jobs.remind_passive, at(2026, 5, 1, 12, 0)) == 0
    assert sweep(jobs.remind_passive, at(2026, 6, 1, 12, 0)) == 0
    assert sent(p.kommunikator, "account_passive_close") == 1
    assert sent(p.medarbetare, "account_passive") == 1
    assert Notification.objects.filter(kind__startswith="account_passive").count() == 2
    close = Notification.objects.get(kind="account_passive_close")
    assert "120 dagar" in close.body_text and "avslutas" in close.body_text


def test_the_passive_reminder_stores_ids_and_its_link_is_signed_when_rendered(org, quiet):
    p = org.people
    with time_machine.travel(at(2026, 4, 1, 0, 5), tick=False):
        assert jobs.remind_passive(timezone.now()) == 1
        stored = Notification.objects.get(kind="account_passive")
        assert stored.context["link"] == [quiet.pk, p.medarbetare.pk]  # nothing signed yet
        render_unrendered(timezone.now())
        stored.refresh_from_db()
        token = re.search(r"/konton/aktivitet/([^/\s]+)/", stored.body_text).group(1)
        account, user, _nonce = lifecycle.read_activity_link(token)
    assert (account, user) == (quiet, p.medarbetare)


def test_a_passive_reminder_written_with_its_signed_link_renders_that_link(org, quiet):
    p = org.people
    with time_machine.travel(at(2026, 4, 1, 0, 5), tick=False):
        link = lifecycle.activity_link(quiet, p.medarbetare)
        write_unrendered(
            [
                (
                    p.medarbetare.pk,
                    "account_passive",
                    "/",
                    {"account": quiet.pk, "days": 90, "link": link},
                )
            ],
            timezone.now(),
        )
        render_unrendered(timezone.now())
    assert link in Notification.objects.get(kind="account_passive").body_text


def test_a_sweep_that_comes_late_reminds_first_and_proposes_30_days_later(org, quiet):
    """Two consecutive stages never go out at once: an account found passive for 151
    days is reminded; the proposal to close ("despite a reminder") waits 30 days."""
    assert sweep(jobs.remind_passive, at(2026, 6, 1, 12, 0)) == 1
    assert sweep(jobs.remind_passive, at(2026, 6, 1, 12, 0)) == 0
    assert sent(org.people.medarbetare, "account_passive") == 1
    assert sent(org.people.kommunikator, "account_passive_close") == 0
    assert sweep(jobs.remind_passive, at(2026, 6, 30, 23, 0)) == 0
    assert sweep(jobs.remind_passive, at(2026, 7, 1, 0, 5)) == 1
    assert sent(org.people.kommunikator, "account_passive_close") == 1


def test_a_platform_rule_changes_the_limit(org, quiet):
    PassiveRule.objects.create(platform="instagram", days=30)
    PassiveRule.objects.create(platform="facebook_sida", days=365)
    assert sweep(jobs.remind_passive, at(2026, 1, 30, 12, 0)) == 0  # day 29
    assert sweep(jobs.remind_passive, at(2026, 1, 31, 12, 0)) == 1  # day 30
    assert sweep(jobs.remind_passive, at(2026, 3, 1, 12, 0)) == 0  # day 59
    assert sweep(jobs.remind_passive, at(2026, 3, 2, 12, 0)) == 1  # day 60: communicator
    # A Facebook page silent for 200 days is within its platform's limit.
    other = AccountFactory(
        unit=org.bibliotek, responsible=org.people.chef, opened_on=datetime.date(2025, 8, 1)
    )
    assert other.pk not in [a.pk for a, _, _ in lifecycle.passive_accounts(at(2026, 2, 17).date())]


def test_new_activity_starts_a_new_spell(client, org, quiet):
    p = org.people
    sweep(jobs.remind_passive, at(2026, 5, 1, 12, 0))
    assert sent(p.medarbetare, "account_passive") == 1
    # The responsible person clicks the link in the reminder.
    mail = Notification.objects.get(kind="account_passive")
    link = re.search(r"/konton/aktivitet/[^/\s]+/", mail.body_text).group(0)
    with time_machine.travel(at(2026, 5, 3, 9, 0), tick=False):
        assert client.post(link, {"activity_on": "2026-05-02"}).status_code == 302
    quiet.refresh_from_db()
    assert quiet.last_activity_on == datetime.date(2026, 5, 2)
    assert not lifecycle.passive_accounts(datetime.date(2026, 5, 3))
    # Not passive again until 90 days after 2 May; then reminded again, once.
    assert sweep(jobs.remind_passive, at(2026, 7, 30, 12, 0)) == 0
    assert sweep(jobs.remind_passive, at(2026, 7, 31, 12, 0)) == 1
    assert sweep(jobs.remind_passive, at(2026, 7, 31, 13, 0)) == 0
    assert sent(p.medarbetare, "account_passive") == 2


def test_only_open_active_accounts_count_as_passive(org, quiet):
    def make(status, **fields):
        return AccountFactory(
            unit=org.bibliotek,
            responsible=org.people.medarbetare,
            status=status,
            opened_on=OPENED,
            **fields,
        )

    paused = make(Status.PAUSED)
    make(Status.PLANNED)
    make(Status.WINDING_DOWN)
    make(Status.CLOSED, closed_on=datetime.date(2026, 2, 1))
    fresh = make(Status.ACTIVE, last_activity_on=datetime.date(2026, 5, 1))
    found = lifecycle.passive_accounts(datetime.date(2026, 6, 1))
    assert sorted(a.pk for a, _, _ in found) == sorted([quiet.pk, paused.pk])
    assert all(days == 151 and limit == 90 for _, days, limit in found)
    assert fresh.pk not in [a.pk for a, _, _ in found]


def test_the_compliance_overview_lists_passive_accounts(client, org, quiet):
    AccountFactory(
        display_name="Nyss aktiv",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        opened_on=OPENED,
        last_activity_on=datetime.date(2026, 4, 20),
    )
    client.force_login(org.people.kommunikator)
    with time_machine.travel(at(2026, 5, 1, 10, 0), tick=False):
        html = client.get("/konton/efterlevnad/").content.decode()
    passive = section(html, "passiva")
    assert "Biblioteket i Testby" in passive
    assert "120 dagar sedan senaste aktivitet (gräns 90)" in passive
    assert "Nyss aktiv" not in passive
    # Someone who cannot see the account does not see it listed.
    client.force_login(org.people.outsider)
    with time_machine.travel(at(2026, 5, 1, 10, 0), tick=False):
        html = client.get("/konton/efterlevnad/").content.decode()
    assert "Biblioteket i Testby" not in section(html, "passiva")


def test_the_account_page_says_passive(client, org, quiet):
    client.force_login(org.people.medarbetare)
    with time_machine.travel(at(2026, 4, 1, 10, 0), tick=False):
        html = client.get(f"/konton/{quiet.pk}/").content.decode()
    assert "Ingen aktivitet registrerad ännu (90 dagar sedan kontot startade)" in html
    assert ">Passivt<" in html
    Account.objects.filter(pk=quiet.pk).update(last_activity_on=datetime.date(2026, 3, 1))
    with time_machine.travel(at(2026, 4, 1, 10, 0), tick=False):
        html = client.get(f"/konton/{quiet.pk}/").content.decode()
    assert "31 dagar sedan senaste aktivitet" in html and ">Passivt<" not in html


def test_curators_set_the_rules(client, org):
    data = {platform: 90 for platform in ["facebook_sida", "facebook_grupp", "instagram", "x"]}
    data |= {
        p: 90
        for p in ["linkedin", "youtube", "tiktok", "threads", "mastodon", "blogg", "podd", "annan"]
    }
    client.force_login(org.people.kommunikationsavdelningen)
    response = client.post("/konton/passivitet/", data | {"podd": 180})
    assert response.status_code == 302
    assert PassiveRule.objects.get(platform="podd").days == 180
    response = client.post("/konton/passivitet/", data | {"podd": 3})
    assert response.status_code == 400
    assert PassiveRule.objects.get(platform="podd").days == 180
    client.force_login(org.people.kommunikator)
    assert client.post("/konton/passivitet/", data).status_code == 403


# -- administration coverage ------------------------------------------------------------


@pytest.fixture
def thin(org):
    """An account with one administrator, no communicator and no substitute."""
    account = AccountFactory(
        display_name="Tunt bemannat",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        substitute=None,
        opened_on=OPENED,
    )
    account.administrators.set([org.people.medarbetare])
    return account


def coverage_mail(user):
    return sorted(
        Notification.objects.filter(recipient=user, kind="account_coverage").values_list(
            "subject", flat=True
        )
    )


def test_coverage_reminders_once_a_quarter_per_problem(org, account, thin):
    p = org.people
    # Q1: three problems on the thin account, a missing check of the logins on both.
    assert sweep(jobs.remind_coverage, at(2026, 2, 10, 8, 0)) == 5
    assert sweep(jobs.remind_coverage, at(2026, 3, 31, 23, 30)) == 0
    assert sent(p.medarbetare, "account_coverage") == 1  # the three problems in one notice
    assert sent(p.medarbetare, "account_credentials") == 2
    bodies = " ".join(
        Notification.objects.filter(kind="account_coverage").values_list("body_text", flat=True)
    )
    for problem in (
        "Färre än två administratörer",
        "Förvaltningskommunikatören är inte administratör",
        "Ingen ersättare",
    ):
        assert problem in bodies
    # The compliant account is not reminded of coverage.
    assert "Biblioteket i Testby" not in bodies
    # The thin account gets a substitute; the library's logins are checked.
    thin.substitute = p.chef
    thin.save()
    with time_machine.travel(at(2026, 3, 20, 8, 0), tick=False):
        lifecycle.attest_credentials(p.medarbetare, account.pk, now=timezone.now())
    # Q2 (the quarter turns at midnight in Stockholm, 22:00 UTC): again, once.
    assert sweep(jobs.remind_coverage, at(2026, 4, 1, 0, 30)) == 3
    assert sweep(jobs.remind_coverage, at(2026, 6, 30, 12, 0)) == 1  # the check lapses
    assert sweep(jobs.remind_coverage, at(2026, 6, 30, 13, 0)) == 0
    assert sent(p.medarbetare, "account_coverage") == 2  # Q2's two problems in one notice
    assert sent(p.medarbetare, "account_credentials") == 4
    assert Reminder.objects.filter(subject=f"credentials:{account.pk}").count() == 2


COVERAGE_LABELS = {
    Problem.FEW_ADMINS: "Färre än två administratörer utöver kommunikatören",
    Problem.NO_COMMUNICATOR: "Förvaltningskommunikatören är inte administratör",
    Problem.NO_SUBSTITUTE: "Ingen ersättare",
}


def named_problems(notification):
    """The coverage problems a notice names, in its text and in its HTML list."""
    text = {p for p, label in COVERAGE_LABELS.items() if f"- {label}." in notification.body_text}
    html = {p for p, label in COVERAGE_LABELS.items() if f"<li>{label}." in notification.body_html}
    assert text == html
    return text


def test_an_accounts_coverage_problems_go_out_as_one_notice_per_recipient(org, thin):
    p = org.people
    other = AccountFactory(
        display_name="Chefens konto",
        unit=org.bibliotek,
        responsible=p.chef,
        substitute=None,
        opened_on=OPENED,
    )
    other.administrators.set([p.chef])
    # Three problems on each account: six reminders (and two checks of the logins) ...
    assert sweep(jobs.remind_coverage, at(2026, 2, 10, 8, 0)) == 8
    assert Reminder.objects.filter(subject__startswith="coverage:").count() == 6
    # ... but one notice to each responsible person, naming all three with what to do.
    notices = Notification.objects.filter(kind="account_coverage")
    assert sorted(notices.values_list("recipient__username", "subject")) == [
        ("chef", "Åtgärda administrationen av Chefens konto"),
        ("medarbetare", "Åtgärda administrationen av Tunt bemannat"),
    ]
    for notice in notices:
        assert named_problems(notice) == set(COVERAGE_LABELS)
        assert "En ersättare ska vara utsedd." in notice.body_text
        assert "ändras av kommunikationsavdelningen" in notice.body_html
    # The same quarter: nothing again.
    assert sweep(jobs.remind_coverage, at(2026, 3, 31, 23, 30)) == 0
    assert notices.count() == 2


def test_a_problem_that_appears_later_in_the_quarter_gets_a_notice_of_its_own(org, account):
    p = org.people
    account = Account.objects.get(pk=account.pk)
    account.substitute = None
    account.save()
    account.administrators.set([p.medarbetare, p.kommunikator])
    assert sweep(jobs.remind_coverage, at(2026, 2, 10, 8, 0)) == 3  # two problems, the logins
    (first,) = Notification.objects.filter(kind="account_coverage")
    assert named_problems(first) == {Problem.FEW_ADMINS, Problem.NO_SUBSTITUTE}
    # Later in the quarter the communicator is no longer an administrator: only that is new.
    account.administrators.set([p.medarbetare])
    assert sweep(jobs.remind_coverage, at(2026, 3, 5, 8, 0)) == 1
    (later,) = Notification.objects.filter(kind="account_coverage").exclude(pk=first.pk)
    assert (later.recipient, named_problems(later)) == (p.medarbetare, {Problem.NO_COMMUNICATOR})
    assert sweep(jobs.remind_coverage, at(2026, 3, 6, 8, 0)) == 0


def test_a_coverage_notice_written_before_names_its_one_problem(org, thin):
    """Written unrendered with one "problem" before notices listed them."""
    with time_machine.travel(at(2026, 2, 10, 8, 0), tick=False):
        context = {"account": thin.pk, "problem": Problem.NO_SUBSTITUTE.value}
        write_unrendered(
            [(org.people.medarbetare.pk, "account_coverage", "/", context)], timezone.now()
        )
        render_unrendered(timezone.now())
    assert named_problems(Notification.objects.get()) == {Problem.NO_SUBSTITUTE}


def test_reminders_sent_together_are_not_split_between_batches(org, thin, monkeypatch):
    monkeypatch.setattr(jobs.Reminders, "BATCH", 2)
    assert sweep(jobs.remind_coverage, at(2026, 2, 10, 8, 0)) == 4  # three problems, the logins
    (notice,) = Notification.objects.filter(kind="account_coverage")
    assert named_problems(notice) == set(COVERAGE_LABELS)


def test_lapsed_checks_show_red_until_attested(client, org, account):
    client.force_login(org.people.medarbetare)
    html = client.get("/konton/efterlevnad/").content.decode()
    lapsed = section(html, "inloggning")
    assert "Biblioteket i Testby" in lapsed and "aldrig" in lapsed
    assert "border-danger" in lapsed and "text-danger" in lapsed
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert 'class="text-danger fw-semibold">Aldrig kontrollerat.' in page
    response = client.post(f"/konton/{account.pk}/inloggning/")
    assert response.status_code == 302
    attestation = Attestation.objects.get()
    assert (attestation.kind, attestation.user) == (
        Attestation.Kind.CREDENTIALS,
        org.people.medarbetare,
    )
    html = client.get("/konton/efterlevnad/").content.decode()
    lapsed = section(html, "inloggning")
    assert "Biblioteket i Testby" not in lapsed and "border-danger" not in lapsed
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Senast kontrollerat" in page and "text-danger fw-semibold" not in page


def test_a_check_lapses_after_a_quarter(client, org, account):
    with time_machine.travel(at(2026, 1, 15, 10, 0), tick=False):
        lifecycle.attest_credentials(org.people.chef, account.pk, now=timezone.now())
    assert not lifecycle.credentials_lapsed(datetime.date(2026, 4, 15)).exists()
    lapsed = lifecycle.credentials_lapsed(datetime.date(2026, 4, 20))
    assert list(lapsed) == [account]
    assert lapsed.get().last_credentials == at(2026, 1, 15, 10, 0)
    client.force_login(org.people.kommunikator)
    with time_machine.travel(at(2026, 4, 20, 10, 0), tick=False):
        html = client.get("/konton/efterlevnad/").content.decode()
    assert "senast kontrollerad 2026-01-15" in section(html, "inloggning")


# -- closure ----------------------------------------------------------------------------


def test_a_closure_needs_a_reason(client, org, account):
    with pytest.raises(ValidationError) as exc:
        lifecycle.propose_closure(org.people.medarbetare, account.pk, "  ", now=timezone.now())
    assert "reason" in exc.value.message_dict
    client.force_login(org.people.medarbetare)
    response = client.post(f"/konton/{account.pk}/avslut/", {"reason": ""}, follow=True)
    assert "Skriv varför kontot ska avslutas." in messages_of(response)
    assert not Closure.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("medarbetare", 302),  # responsible
        ("kommunikator", 302),
        ("kommunikationschef", 302),
        ("chef", 403),  # the substitute is not among those who propose
        ("kommunikationsavdelningen", 403),
        ("arkivarie", 403),
        ("outsider", 404),
        ("kommunikator2", 404),
        ("anonymous", 302),
    ],
)
def test_who_proposes_a_closure(client, org, account, role, status):
    if role != "anonymous":
        client.force_login(getattr(org.people, role))
    response = client.post(f"/konton/{account.pk}/avslut/", {"reason": "Ingen aktivitet."})
    assert response.status_code == status
    proposed = status == 302 and role != "anonymous"
    assert Closure.objects.exists() == proposed
    if proposed:
        closure = Closure.objects.get()
        assert closure.proposed_by == getattr(org.people, role)
        assert closure.state == Closure.State.PROPOSED
        account.refresh_from_db()
        assert account.status == Status.ACTIVE


def test_a_proposal_is_sent_to_those_who_confirm(org, account):
    p = org.people
    lifecycle.propose_closure(
        p.medarbetare, account.pk, "Ingen aktivitet sedan i vintras.", now=timezone.now()
    )
    assert sent(p.kommunikator, "closure_proposed") == 1
    assert sent(p.kommunikationschef, "closure_proposed") == 1
    assert sent(p.medarbetare, "closure_proposed") == 0
    with pytest.raises(ValidationError):  # one at a time
        lifecycle.propose_closure(p.kommunikator, account.pk, "Igen", now=timezone.now())
    assert Closure.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("kommunikator", True),
        ("kommunikationschef", True),
        ("medarbetare", False),  # the proposer
        ("chef", False),
        ("kommunikationsavdelningen", False),
        ("kommunikator2", False),
    ],
)
def test_who_confirms_a_closure(org, account, fake_capture, role, allowed):
    closure = lifecycle.propose_closure(
        org.people.medarbetare, account.pk, "Passivt.", now=timezone.now()
    )
    if allowed:
        lifecycle.confirm_closure(getattr(org.people, role), closure.pk, now=timezone.now())
    else:
        with pytest.raises(PermissionDenied):
            lifecycle.confirm_closure(getattr(org.people, role), closure.pk, now=timezone.now())
    closure.refresh_from_db()
    assert (closure.state == Closure.State.CONFIRMED) == allowed


def test_the_proposer_does_not_confirm(client, org, account):
    closure = lifecycle.propose_closure(
        org.people.kommunikator, account.pk, "Passivt.", now=timezone.now()
    )
    with pytest.raises(PermissionDenied):
        lifecycle.confirm_closure(org.people.kommunikator, closure.pk, now=timezone.now())
    client.force_login(org.people.kommunikator)
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Bekräfta avslut" not in page
    assert client.post(f"/konton/avslut/{closure.pk}/bekrafta/").status_code == 403
    client.force_login(org.people.kommunikationschef)
    assert "Bekräfta avslut" in client.get(f"/konton/{account.pk}/").content.decode()


# Pinned, fixtures included, to New Year's night in Stockholm (still New Year's Eve in
# UTC): the views, the capture and the assertions read one clock and agree on the day.
@pytest.mark.time_machine(at(2034, 1, 1, 0, 30), tick=False)
def test_closure_from_proposal_to_the_public_list(client, org, account, fake_capture):
    p = org.people
    versions = account.history.count()
    client.force_login(p.medarbetare)
    client.post(f"/konton/{account.pk}/avslut/", {"reason": "Målgruppen finns inte längre där."})
    closure = Closure.objects.get()
    client.force_login(p.kommunikator)
    response = client.post(f"/konton/avslut/{closure.pk}/bekrafta/", follow=True)
    assert any("bekräftat" in m for m in messages_of(response))
    closure.refresh_from_db()
    account.refresh_from_db()
    assert closure.state == Closure.State.CONFIRMED
    assert (closure.confirmed_by, closure.confirmed_at is not None) == (p.kommunikator, True)
    assert account.status == Status.WINDING_DOWN and account.closed_on is None
    assert sent(p.medarbetare, "closure_confirmed") == 1
    # The final snapshot is requested, and the account is not closed before it is sealed.
    final = Snapshot.objects.get(account=account, reason=Reason.FINAL)
    assert final.state == SnapshotState.DUE
    assert lifecycle.finish_closure(account.pk, now=timezone.now()) is False
    with pytest.raises(ValidationError):
        account_services.update_account(
            p.kommunikationschef, account.pk, {"status": "avslutat"}, now=timezone.now()
        )
    account.refresh_from_db()
    assert account.status == Status.WINDING_DOWN
    html = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Bekräftad, väntar på slutlig ögonblicksbild" in html
    # The capture seals the final snapshot: the account is closed.
    assert archive_services.capture_one(final.pk, now=timezone.now()) == SnapshotState.SEALED
    account.refresh_from_db()
    closure.refresh_from_db()
    assert account.status == Status.CLOSED
    assert account.closed_on == datetime.date(2034, 1, 1)
    assert closure.state == Closure.State.CLOSED and closure.closed_at is not None
    # The history keeps every step: confirmed by the communicator, closed by the system
    # when the automatic capture sealed the final snapshot (nobody's action).
    steps = list(
        account.history.order_by("history_date", "history_id").values_list(
            "status", "history_user__username", "history_caused_by"
        )
    )[versions:]
    assert steps[:2] == [
        (Status.WINDING_DOWN, "kommunikator", None),
        (Status.CLOSED, None, None),
    ]
    # Gone from the public register, on the list of closed accounts with its date.
    client.logout()
    assert "Biblioteket i Testby" not in client.get("/register/").content.decode()
    closed = client.get("/register/avslutade/").content.decode()
    assert "Biblioteket i Testby" in closed and "2034-01-01" in closed
    # Still on record: its page and history for those who may see it.
    client.force_login(p.kommunikator)
    page = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Avslutad" in page and "Föreslå att kontot avslutas" not in page
    assert "Registrera senaste inlägg" not in page and "dagar sedan senaste aktivitet" not in page
    with pytest.raises(ValidationError):
        lifecycle.propose_closure(p.kommunikator, account.pk, "Igen", now=timezone.now())


def test_an_upload_of_the_final_snapshot_closes_it_too(org, account, fake_capture):
    from archive.capture import CaptureRefused

    from .test_moderation_views import upload

    p = org.people
    fake_capture.outcome = CaptureRefused("Inloggning krävs")
    closure = lifecycle.propose_closure(
        p.kommunikationschef, account.pk, "Passivt.", now=timezone.now()
    )
    lifecycle.confirm_closure(p.kommunikator, closure.pk, now=timezone.now())
    final = Snapshot.objects.get(reason=Reason.FINAL)
    assert archive_services.capture_one(final.pk, now=timezone.now()) == SnapshotState.NEEDS_UPLOAD
    account.refresh_from_db()
    assert account.status == Status.WINDING_DOWN
    archive_services.upload(
        p.medarbetare, final.pk, upload(screenshot(), "sista.png"), now=timezone.now()
    )
    account.refresh_from_db()
    assert account.status == Status.CLOSED


def test_a_final_snapshot_sealed_before_the_confirmation_closes_at_once(org, account, fake_capture):
    p = org.people
    final = archive_services.request_snapshot(
        p.medarbetare, account.pk, Reason.FINAL, now=timezone.now()
    )
    archive_services.attach(final.pk, screenshot(), Method.UPLOAD, p.medarbetare, timezone.now())
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=timezone.now())
    lifecycle.confirm_closure(p.kommunikationschef, closure.pk, now=timezone.now())
    account.refresh_from_db()
    closure.refresh_from_db()
    assert account.status == Status.CLOSED and closure.state == Closure.State.CLOSED
    assert Snapshot.objects.filter(reason=Reason.FINAL).count() == 1


def test_an_old_final_snapshot_from_a_cancelled_closure_does_not_close(org, account, fake_capture):
    p = org.people
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        first = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=timezone.now())
        lifecycle.confirm_closure(p.kommunikator, first.pk, now=timezone.now())
        lifecycle.cancel_closure(
            p.kommunikator, first.pk, now=timezone.now()
        )  # before the snapshot was sealed
        old = Snapshot.objects.get(reason=Reason.FINAL)
        archive_services.attach(old.pk, screenshot(), Method.UPLOAD, p.medarbetare, timezone.now())
    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    with time_machine.travel(at(2026, 9, 1, 10, 0), tick=False):
        second = lifecycle.propose_closure(
            p.medarbetare, account.pk, "Passivt igen.", now=timezone.now()
        )
        lifecycle.confirm_closure(p.kommunikator, second.pk, now=timezone.now())
    account.refresh_from_db()
    assert account.status == Status.WINDING_DOWN  # waits for a new final snapshot
    fresh = Snapshot.objects.filter(reason=Reason.FINAL).exclude(pk=old.pk).get()
    assert fresh.state == SnapshotState.DUE
    with pytest.raises(ValidationError):
        account_services.update_account(
            p.kommunikationschef, account.pk, {"status": "avslutat"}, now=timezone.now()
        )
    archive_services.capture_one(fresh.pk, now=timezone.now())
    account.refresh_from_db()
    assert account.status == Status.CLOSED


def test_a_closure_is_confirmed_once(org, account, fake_capture):
    closure = lifecycle.propose_closure(
        org.people.medarbetare, account.pk, "Passivt.", now=timezone.now()
    )
    lifecycle.confirm_closure(org.people.kommunikator, closure.pk, now=timezone.now())
    with pytest.raises(lifecycle.ClosureConflict):
        lifecycle.confirm_closure(org.people.kommunikationschef, closure.pk, now=timezone.now())
    assert Snapshot.objects.filter(reason=Reason.FINAL).count() == 1


def test_checklist_steps_record_who_and_when(client, org, account, fake_capture):
    p = org.people
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=timezone.now())
    with time_machine.travel(at(2026, 9, 1, 10, 0), tick=False):
        lifecycle.record_closure_step(p.chef, closure.pk, "konto_raderat", now=timezone.now())
    client.force_login(p.kommunikator)
    with time_machine.travel(at(2026, 9, 2, 11, 0), tick=False):
        response = client.post(f"/konton/avslut/{closure.pk}/steg/", {"step": "links"})
    assert response.status_code == 302
    closure.refresh_from_db()
    assert (closure.platform_step, closure.platform_step_by, closure.platform_step_at) == (
        Closure.PlatformStep.ACCOUNT_DELETED,
        p.chef,
        at(2026, 9, 1, 10, 0),
    )
    assert (closure.links_updated_by, closure.links_updated_at) == (
        p.kommunikator,
        at(2026, 9, 2, 11, 0),
    )
    html = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Kontot är raderat på plattformen (2026-09-01," in html
    assert "Kommunens länkar uppdaterade (2026-09-02," in html
    response = client.post(f"/konton/avslut/{closure.pk}/steg/", {"step": "fel"}, follow=True)
    assert "Okänt steg." in messages_of(response)
    client.force_login(p.arkivarie)  # sees the account, has no part in it
    assert client.post(f"/konton/avslut/{closure.pk}/steg/", {"step": "links"}).status_code == 403
    client.force_login(p.outsider)
    assert client.post(f"/konton/avslut/{closure.pk}/steg/", {"step": "links"}).status_code == 404
    closure.refresh_from_db()
    assert closure.links_updated_by == p.kommunikator


@pytest.mark.parametrize(
    ("role", "steps", "cancel"),
    [
        ("medarbetare", True, True),  # the proposer, responsible
        ("chef", True, False),  # substitute: on the team
        ("kommunikator", True, True),
        ("kommunikationschef", True, True),
        ("kommunikationsavdelningen", False, False),
        ("arkivarie", False, False),
    ],
)
def test_the_closure_buttons_are_offered_to_those_who_may_use_them(
    client, org, account, role, steps, cancel
):
    lifecycle.propose_closure(org.people.medarbetare, account.pk, "Passivt.", now=timezone.now())
    client.force_login(getattr(org.people, role))
    html = client.get(f"/konton/{account.pk}/").content.decode()
    assert "Föreslagen" in html and "Checklista" in html
    assert ("Länkarna är uppdaterade</button>" in html) == steps
    assert ("Avbryt avslutet</button>" in html) == cancel


def test_cancel_returns_the_account_to_active(client, org, account, fake_capture):
    p = org.people
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=timezone.now())
    lifecycle.confirm_closure(p.kommunikator, closure.pk, now=timezone.now())
    client.force_login(p.chef)
    assert client.post(f"/konton/avslut/{closure.pk}/avbryt/").status_code == 403
    client.force_login(p.medarbetare)  # the proposer may take it back
    response = client.post(f"/konton/avslut/{closure.pk}/avbryt/", follow=True)
    assert "Avslutet är avbrutet." in messages_of(response)
    closure.refresh_from_db()
    account.refresh_from_db()
    assert closure.state == Closure.State.CANCELLED and closure.cancelled_by == p.medarbetare
    assert account.status == Status.ACTIVE
    # The final snapshot already asked for is still taken, but closes nothing.
    final = Snapshot.objects.get(reason=Reason.FINAL)
    archive_services.capture_one(final.pk, now=timezone.now())
    account.refresh_from_db()
    assert account.status == Status.ACTIVE
    # A new closure can be proposed; the cancelled one cannot be confirmed.
    with pytest.raises(lifecycle.ClosureConflict):
        lifecycle.confirm_closure(p.kommunikationschef, closure.pk, now=timezone.now())
    response = client.post(f"/konton/avslut/{closure.pk}/avbryt/", follow=True)
    assert "Avslutet kan inte avbrytas." in messages_of(response)
    assert lifecycle.propose_closure(
        p.medarbetare, account.pk, "Nu på riktigt.", now=timezone.now()
    )


def test_the_closed_list_is_public_and_in_order(client, org):
    def closed(name, day):
        return AccountFactory(
            display_name=name,
            unit=org.bibliotek,
            responsible=org.people.medarbetare,
            status=Status.CLOSED,
            opened_on=datetime.date(2020, 1, 1),
            closed_on=day,
        )

    closed("Gamla bloggen", datetime.date(2025, 3, 1))
    closed("Sommarlovet", datetime.date(2026, 9, 1))
    AccountFactory(display_name="Levande", unit=org.bibliotek, responsible=org.people.chef)
    html = client.get("/register/avslutade/").content.decode()
    assert html.index("Sommarlovet") < html.index("Gamla bloggen")
    assert "2026-09-01" in html and "2020-01-01" in html and "Levande" not in html
    assert "/register/avslutade/" in client.get("/register/").content.decode()


# -- handover ---------------------------------------------------------------------------


@pytest.fixture
def leaving(org, account, colleague):
    """Medarbetare answers for the account, has a plan waiting for the chef and an open
    moderation item."""
    plan = make_plan(org.people.medarbetare, colleague, state=PlanState.SUBMITTED)
    item, _ = moderation_services.create_item(
        None, account, {"kind": "fraga", "text": "Öppet?"}, now=timezone.now()
    )
    return {"account": account, "plan": plan, "item": item}


def deactivate(user):
    """The systemadministratör deactivates `user`, as the admin's action does."""
    return deactivate_user(User.objects.get(username="admin"), user, timezone.now())


def test_deactivation_opens_one_handover_and_tells_the_communicator(org, leaving):
    p = org.people
    deactivate(p.medarbetare)
    handover = Handover.objects.get()
    assert handover.user == p.medarbetare and handover.resolved_at is None
    assert sent(p.kommunikator, "handover") == 1
    assert sent(p.kommunikationschef, "handover") == 1
    assert "3 konton, planer eller ärenden" in (
        Notification.objects.filter(kind="handover").first().body_text
    )
    # Saving again, or another change, opens nothing new.
    p.medarbetare.title = "Slutat"
    p.medarbetare.save()
    with pytest.raises(ValidationError):
        deactivate(p.medarbetare)
    assert Handover.objects.count() == 1 and sent(p.kommunikator, "handover") == 1


def test_nobody_is_asked_about_someone_who_answered_for_nothing(client, org):
    deactivate(org.people.arkivarie)
    assert not Handover.objects.exists()
    assert not Notification.objects.filter(kind="handover").exists()
    client.force_login(org.people.kommunikationschef)
    assert "Utse efterträdare" not in client.get("/att-gora/").content.decode()


def test_deactivation_in_the_admin_opens_a_handover(client, org, leaving):
    p = org.people
    client.force_login(p.admin)
    changelist = "/admin/organisation/user/"
    page = client.get(changelist)
    assert page.status_code == 200
    assert "Avaktivera markerade personer" in page.content.decode()
    assert_strict_csp(page)
    action = {"action": "deactivate", "_selected_action": [p.medarbetare.pk]}
    response = client.post(changelist, action, follow=True)
    assert response.status_code == 200
    assert "1 person avaktiverad. 1 överlämning öppnad" in " ".join(messages_of(response))
    p.medarbetare.refresh_from_db()
    assert p.medarbetare.is_active is False
    handover = Handover.objects.get(user=p.medarbetare)
    assert handover.created_by == p.admin
    assert sent(p.kommunikator, "handover") == 1
    # Again: refused with the reason, and nothing new.
    response = client.post(changelist, action, follow=True)
    assert messages_of(response) == [f"{p.medarbetare} är redan avaktiverad."]
    assert Handover.objects.count() == 1 and sent(p.kommunikator, "handover") == 1
    # Back again: active, and the handover is still the communicator's to resolve.
    response = client.post(changelist, {**action, "action": "reactivate"}, follow=True)
    assert messages_of(response) == ["1 person återaktiverad."]
    p.medarbetare.refresh_from_db()
    assert p.medarbetare.is_active is True
    assert Handover.objects.get().resolved_at is None


def test_the_admin_change_form_cannot_deactivate(client, org, leaving):
    """`is_active` is read-only there: the action (and its service) is the only way."""
    from lxml import html as lxml_html

    p = org.people
    client.force_login(p.admin)
    url = f"/admin/organisation/user/{p.medarbetare.pk}/change/"
    page = client.get(url).content.decode()
    form = lxml_html.fromstring(page).get_element_by_id("user_form")
    assert not form.xpath(".//input[@name='is_active']")
    data = {}
    for field in form.inputs:
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button"):
            continue
        if field.get("type") == "checkbox":
            if field.checked:
                data[name] = "on"
        elif field.tag == "select":
            chosen = [o.get("value") for o in field.xpath(".//option[@selected]")]
            if chosen:
                data[name] = chosen
        else:
            data[name] = field.value or ""
    data["title"] = "Bibliotekarie"
    response = client.post(url, data)  # without is_active, which once unticked it
    assert response.status_code == 302, response.context["adminform"].form.errors
    p.medarbetare.refresh_from_db()
    assert p.medarbetare.is_active is True and p.medarbetare.title == "Bibliotekarie"
    assert not Handover.objects.exists()


def test_deactivation_is_a_service_with_the_callers_time(org, leaving):
    p = org.people
    then = at(2026, 3, 2, 9, 0)
    with time_machine.travel(at(2026, 3, 5, 12, 0), tick=False):
        handover = deactivate_user(p.admin, p.medarbetare, then, reason="Ny tjänst i Malmö.")
        assert p.medarbetare.is_active is False
        p.medarbetare.refresh_from_db()
        assert p.medarbetare.is_active is False
        assert Handover.objects.get() == handover
        assert (handover.created_at, handover.created_by) == (then, p.admin)
        assert handover.reason == "Ny tjänst i Malmö."
        told = Notification.objects.filter(kind="handover")
        assert {n.recipient for n in told} == {p.kommunikator, p.kommunikationschef}
        assert {n.created_at for n in told} == {then}
        # A second call is refused with the reason and changes nothing.
        with pytest.raises(ValidationError) as refused:
            deactivate_user(p.admin, p.medarbetare, at(2026, 3, 6, 9, 0))
        assert refused.value.messages == [f"{p.medarbetare} är redan avaktiverad."]
        assert Handover.objects.get() == handover and told.count() == 2


def test_leaving_again_before_the_handover_is_done_opens_no_second_one(org, leaving):
    p = org.people
    deactivate(p.medarbetare)
    reactivate_user(p.admin, p.medarbetare, timezone.now())
    p.medarbetare.refresh_from_db()
    assert p.medarbetare.is_active is True
    with pytest.raises(ValidationError) as refused:
        reactivate_user(p.admin, p.medarbetare, timezone.now())
    assert refused.value.messages == [f"{p.medarbetare} är redan aktiv."]
    assert deactivate(p.medarbetare) is None
    assert Handover.objects.count() == 1 and sent(p.kommunikator, "handover") == 1


def test_saving_a_user_and_signing_in_ask_nothing_about_departures(
    client, org, django_assert_num_queries
):
    """Deactivation was a pre_save/post_save pair that read the old is_active on every
    save of a user, each sign-in's last_login included."""
    user = org.people.medarbetare
    user.last_login = timezone.now()
    with django_assert_num_queries(1):  # the UPDATE
        user.save(update_fields=["last_login"])
    with django_assert_num_queries(1):
        user.save()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/logga-in/", {"username": "medarbetare", "password": "test-password"}
        )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    reads = [
        q["sql"] for q in queries if q["sql"].startswith('SELECT "organisation_user"."is_active"')
    ]
    assert reads == []


def test_the_handover_page_lists_what_was_left(client, org, leaving):
    deactivate(org.people.medarbetare)
    handover = Handover.objects.get()
    client.force_login(org.people.kommunikator)
    html = client.get(f"/overlamning/{handover.pk}/").content.decode()
    assert "Biblioteket i Testby" in html
    assert leaving["plan"].reference in html
    assert "Modereringsärende" in html
    assert "Utse efterträdare" in html
    todo = client.get("/att-gora/").content.decode()
    assert f"/overlamning/{handover.pk}/" in todo
    overview = client.get("/konton/efterlevnad/").content.decode()
    assert f"/overlamning/{handover.pk}/" in section(overview, "overlamning")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("kommunikator", 200),
        ("kommunikationschef", 200),
        ("kommunikationsavdelningen", 200),
        ("chef", 404),
        ("colleague", 404),
        ("arkivarie", 404),
        ("admin", 404),
        ("outsider", 404),
        ("kommunikator2", 404),
    ],
)
def test_who_may_see_the_handover(client, org, leaving, colleague, role, status):
    deactivate(org.people.medarbetare)
    handover = Handover.objects.get()
    person = colleague if role == "colleague" else getattr(org.people, role)
    client.force_login(person)
    assert client.get(f"/overlamning/{handover.pk}/").status_code == status
    response = client.post(f"/overlamning/{handover.pk}/", {"successor": colleague.pk})
    assert response.status_code == (302 if status == 200 else status)
    handover.refresh_from_db()
    assert (handover.resolved_at is not None) == (status == 200)


def test_naming_a_successor_hands_everything_over(client, org, leaving, colleague):
    p = org.people
    account, plan, item = leaving["account"], leaving["plan"], leaving["item"]
    deactivate(p.medarbetare)
    handover = Handover.objects.get()
    versions = account.history.count()
    client.force_login(p.kommunikator)
    response = client.post(f"/overlamning/{handover.pk}/", {"successor": colleague.pk})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.responsible == colleague
    record = account.history.order_by("-history_date").first()
    assert account.history.count() == versions + 1
    assert record.history_user == p.kommunikator and record.responsible_id == colleague.pk
    item.refresh_from_db()
    assert item.assignee == colleague
    assert item.events.filter(action=ItemAction.REASSIGNED, actor=p.kommunikator).exists()
    plan.refresh_from_db()
    assert plan.state == PlanState.WITHDRAWN
    handover.refresh_from_db()
    assert (handover.successor, handover.resolved_by) == (colleague, p.kommunikator)
    assert sent(colleague, "handover_successor") == 1
    html = client.get(f"/overlamning/{handover.pk}/").content.decode()
    assert "Kim Kollega tog över" in html or "kollega tog över" in html.lower()
    # A second attempt is refused with a reason and changes nothing.
    response = client.post(f"/overlamning/{handover.pk}/", {"successor": p.chef.pk})
    assert response.status_code == 400
    assert "Överlämningen är redan gjord." in response.content.decode()
    account.refresh_from_db()
    assert account.responsible == colleague
    # Nothing is left waiting.
    assert f"/overlamning/{handover.pk}/" not in client.get("/att-gora/").content.decode()


def test_the_successor_must_be_someone_else_who_is_active(client, org, leaving, colleague):
    p = org.people
    deactivate(p.medarbetare)
    handover = Handover.objects.get()
    with pytest.raises(ValidationError):
        lifecycle_handover(p.kommunikator, handover, p.medarbetare)
    client.force_login(p.kommunikator)
    for successor in (p.medarbetare.pk, 999999, ""):
        response = client.post(f"/overlamning/{handover.pk}/", {"successor": successor})
        assert response.status_code == 400
    handover.refresh_from_db()
    assert handover.resolved_at is None


def lifecycle_handover(actor, handover, successor):
    from organisation import handovers

    return handovers.hand_over(actor, handover.pk, successor, now=timezone.now())


def test_a_substitute_who_left_is_replaced_too(org, account, colleague):
    """Chef was substitute on the library's account."""
    deactivate(org.people.chef)
    handover = Handover.objects.get(user=org.people.chef)
    lifecycle_handover(org.people.kommunikator, handover, colleague)
    account.refresh_from_db()
    assert account.substitute == colleague and account.responsible == org.people.medarbetare


def test_a_successor_who_was_the_substitute_is_not_their_own_substitute(org, leaving):
    p = org.people
    account = leaving["account"]
    deactivate(p.medarbetare)
    lifecycle_handover(p.kommunikator, Handover.objects.get(), p.chef)
    account.refresh_from_db()
    assert (account.responsible, account.substitute) == (p.chef, None)
    assert Account.objects.with_problem(Problem.NO_SUBSTITUTE).filter(pk=account.pk).exists()


def test_someone_who_left_no_longer_counts_as_an_administrator(org, account):
    assert not Account.objects.with_problem("any").filter(pk=account.pk).exists()
    deactivate(org.people.medarbetare)  # administrator (and responsible)
    assert Account.objects.with_problem(Problem.FEW_ADMINS).filter(pk=account.pk).exists()
    deactivate(org.people.kommunikator)
    assert Account.objects.with_problem(Problem.NO_COMMUNICATOR).filter(pk=account.pk).exists()
    # The responsible person has left: nobody is reminded (the handover names who takes over).
    assert sweep(jobs.remind_coverage, at(2026, 2, 10, 8, 0)) == 0


def test_the_admin_never_deletes_a_person(client, org):
    """People are deactivated, never deleted: plans, events and history point at them."""
    p = org.people
    client.force_login(p.admin)
    assert client.get(f"/admin/organisation/user/{p.medarbetare.pk}/delete/").status_code == 403
    listing = client.get("/admin/organisation/user/").content.decode()
    assert 'value="delete_selected"' not in listing
    assert type(p.medarbetare).objects.filter(pk=p.medarbetare.pk).exists()
