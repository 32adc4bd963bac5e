"""Internal pages get their related rows in a constant number of queries (issue 15):
each page is asked at a small size and again at ten times the size, and the second
request may not run more queries than the first (bench/pages.py measures the same at a
kommun's size)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account
from activityplans.models import Assignment, Evaluation, Plan, State
from archive.models import Reason, Snapshot
from archive.models import State as SnapshotState
from archive.periods import last_ended
from core.forms import SEARCH_CHOICES
from core.worklist import SECTION_ROWS
from moderation.forms import ACCOUNT_CHOICES, TokenForm
from moderation.models import ApiToken
from organisation.models import Absence

from .factories import AccountFactory, UnitFactory, UserFactory, give_role

SMALL, LARGE = 3, 30


def _queries(client, url):
    client.get(url)  # the session and the caches of a first request are not counted
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _grows_not(client, url, grow, django_assert_max_num_queries):
    """Queries of `url` at SMALL rows, then (after `grow` adds rows) at most as many at
    LARGE."""
    grow(SMALL)
    small = _queries(client, url)
    grow(LARGE - SMALL)
    client.get(url)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    return response


def _waiting_plans(org, state):
    """`grow(n)`: n plans in `state`, each by its own applicant in its own unit under
    Biblioteket (so the deciders are looked up over n unit trees)."""
    now = timezone.now()

    def grow(n):
        plans = []
        for _ in range(n):
            unit = UnitFactory(parent=org.bibliotek)
            applicant = give_role(UserFactory(unit=unit), "medarbetare", unit)
            plans.append(
                Plan(
                    state=state,
                    state_changed_at=now - datetime.timedelta(hours=2),
                    created_by=applicant,
                    applicant=applicant,
                    unit=unit,
                    assignment=Assignment.NEW_ACCOUNT,
                    account_name=f"Skalplan {unit.pk}",
                    created_at=now,
                    updated_at=now,
                )
            )
        Plan.objects.bulk_create(plans)

    return grow


@pytest.mark.parametrize(
    "who,state",
    [
        ("chef", State.SUBMITTED),
        ("kommunikator", State.CHEF_APPROVED),
        ("kommunikationschef", State.ANCHORED),
    ],
)
def test_todo_and_plan_list_decide_many_plans_in_constant_queries(
    client, org, who, state, django_assert_max_num_queries
):
    user = getattr(org.people, who)
    client.force_login(user)
    grow = _waiting_plans(org, state)
    response = _grows_not(client, "/att-gora/", grow, django_assert_max_num_queries)
    # The SECTION_ROWS longest waiting by name, the rest in one row that leads to the list.
    page = response.content.decode()
    assert page.count("Beslut: Skalplan") == SECTION_ROWS
    assert f"{LARGE - SECTION_ROWS} aktivitetsplaner till väntar på ditt beslut" in page
    response = _grows_not(client, "/planer/", grow, django_assert_max_num_queries)
    assert response.context["waiting_count"] == LARGE + LARGE
    assert len(response.context["waiting"]) == SECTION_ROWS  # the longest waiting first
    # Every one of them is on a page of the list: the last page has the rest.
    with django_assert_max_num_queries(_queries(client, "/planer/")):
        last = client.get("/planer/?status=&vantar=3")
    assert len(last.context["waiting"]) == LARGE + LARGE - 2 * SECTION_ROWS
    assert "vantar=2" in last.content.decode()  # "Föregående", the status filter kept
    shown = {
        plan.pk for n in (1, 2, 3) for plan in client.get(f"/planer/?vantar={n}").context["waiting"]
    }
    assert len(shown) == LARGE + LARGE


def test_todo_evaluations_are_the_users_own_in_constant_queries(
    client, org, django_assert_max_num_queries
):
    """Evaluations due for the user are found in SQL: those of others (many more) are
    not loaded and filtered row by row."""
    me = org.people.medarbetare
    today = timezone.localdate()
    now = timezone.now()

    def grow(n):
        for _ in range(n):
            other = UserFactory(unit=org.bibliotek)
            for applicant, account_of in ((me, None), (other, None), (other, me)):
                account = (
                    AccountFactory(unit=org.bibliotek, responsible=account_of)
                    if account_of
                    else None
                )
                plan = Plan.objects.create(
                    state=State.ESTABLISHED,
                    state_changed_at=now,
                    created_by=applicant,
                    applicant=applicant,
                    unit=org.bibliotek,
                    account=account,
                    assignment=Assignment.NEW_ACCOUNT,
                    account_name="Utvärderas",
                    created_at=now,
                    updated_at=now,
                )
                Evaluation.objects.create(plan=plan, due_on=today + datetime.timedelta(days=3))

    client.force_login(me)
    response = _grows_not(client, "/att-gora/", grow, django_assert_max_num_queries)
    # Her own plan without an account and the plan of an account she answers for; not
    # the plan of someone else's account.
    assert response.content.decode().count("Utvärdera uppdraget") == 2 * LARGE


def test_archive_period_is_paginated_in_constant_queries(
    client, org, django_assert_max_num_queries
):
    period = last_ended(timezone.now())

    def grow(n):
        for _ in range(n):
            account = AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
            Snapshot.objects.create(
                account=account,
                period_key=period.key,
                reason=Reason.SEMIANNUAL,
                state=SnapshotState.DUE,
                due_at=period.due_at,
                created_at=period.due_at,
            )

    client.force_login(org.people.arkivarie)
    url = f"/arkiv/period/{period.key}/"
    response = _grows_not(client, url, grow, django_assert_max_num_queries)
    assert response.context["total"] == LARGE
    _grows_not(client, "/arkiv/", lambda n: grow(n), django_assert_max_num_queries)


def test_archive_period_pages_are_a_hundred_accounts_each(client, org):
    period = last_ended(timezone.now())
    accounts = [
        AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare) for _ in range(105)
    ]
    Snapshot.objects.bulk_create(
        Snapshot(
            account=a,
            period_key=period.key,
            reason=Reason.SEMIANNUAL,
            state=SnapshotState.DUE,
            due_at=period.due_at,
            created_at=period.due_at,
        )
        for a in accounts
    )
    client.force_login(org.people.arkivarie)
    first = client.get(f"/arkiv/period/{period.key}/")
    assert len(first.context["rows"]) == 100
    assert first.context["missing"] + first.context["late"] == 105 == first.context["total"]
    assert "Sida 1 av 2" in first.content.decode()
    second = client.get(f"/arkiv/period/{period.key}/?page=2")
    assert len(second.context["rows"]) == 5


def test_account_history_in_constant_queries(client, org, account, django_assert_max_num_queries):
    """Each history record used to cost two queries for the administrators' rows and one
    per changed person or unit."""
    people = [UserFactory(unit=org.bibliotek) for _ in range(4)]

    def grow(n):
        for i in range(n):
            fresh = Account.objects.get(pk=account.pk)
            fresh.purpose = f"Syfte {Account.history.count()} {i}"
            fresh.substitute = people[i % 4]
            fresh.save()
            fresh.administrators.set([org.people.medarbetare, people[(i + 1) % 4]])

    client.force_login(org.people.medarbetare)
    response = _grows_not(
        client, f"/konton/{account.pk}/historik/", grow, django_assert_max_num_queries
    )
    text = response.content.decode()
    assert str(people[1]) in text and "Syfte" in text
    _grows_not(client, f"/konton/{account.pk}/", grow, django_assert_max_num_queries)


def test_api_key_account_is_searched_on_the_server(client, org):
    for n in range(TokenForm.CHOICES + 5):
        AccountFactory(display_name=f"Sökkonto {n:03d}", unit=org.bibliotek,
                       responsible=org.people.medarbetare)  # fmt: skip
    AccountFactory(display_name="Räddningstjänsten larmar", unit=org.bibliotek,
                   responsible=org.people.medarbetare)  # fmt: skip
    client.force_login(org.people.kommunikationschef)
    page = client.get("/moderering/nycklar/")
    options = page.context["form"].fields["account"].widget.choices
    assert len(options) == TokenForm.CHOICES + 1  # the empty choice and the first 50
    found = client.get("/moderering/nycklar/", {"konto": "larmar"})
    labels = [label for _value, label in found.context["form"].fields["account"].widget.choices]
    assert len(labels) == 2 and labels[1].startswith("Räddningstjänsten larmar (")
    # Any open account may be chosen, also one not offered on the page.
    last = Account.objects.get(display_name=f"Sökkonto {TokenForm.CHOICES + 4:03d}")
    response = client.post("/moderering/nycklar/", {"account": last.pk, "name": "Bevakaren"})
    assert response.status_code == 302
    assert ApiToken.objects.filter(account=last, name="Bevakaren").exists()


def test_admin_account_history_in_constant_queries(
    client, org, account, django_assert_max_num_queries
):
    people = [UserFactory(unit=org.bibliotek) for _ in range(4)]

    def grow(n):
        for i in range(n):
            fresh = Account.objects.get(pk=account.pk)
            fresh.purpose = f"Syfte {Account.history.count()} {i}"
            fresh.save()
            fresh.administrators.set([org.people.medarbetare, people[i % 4]])

    client.force_login(org.people.admin)
    response = _grows_not(
        client,
        f"/admin/accounts/account/{account.pk}/history/",
        grow,
        django_assert_max_num_queries,
    )
    text = response.content.decode()
    assert str(people[2]) in text and "Syfte" in text


def _problem_accounts(org):
    """`grow(n)`: n open, passive accounts in the library with too few administrators,
    half of them administered by one person and the communicator (so not every account
    has every problem), the other half with none and a lapsed yearly confirmation."""
    long_ago = timezone.now() - datetime.timedelta(days=400)

    def grow(n):
        for _ in range(n):
            made = Account.objects.count()
            account = AccountFactory(
                unit=org.bibliotek,
                responsible=org.people.medarbetare,
                opened_on=long_ago.date(),
                confirmation_due_at=long_ago if made % 2 else None,
            )
            if not made % 2:
                account.administrators.set(
                    [UserFactory(unit=org.bibliotek), org.people.kommunikator]
                )

    return grow


@pytest.mark.parametrize("who", ["kommunikationschef", "admin"])
def test_compliance_overview_in_constant_queries(client, org, who, django_assert_max_num_queries):
    """The overview counts each problem with one query and names the first
    SECTION_ROWS of a section; it read every account of the kommun (the passive ones
    in Python, every id of every section for the headline)."""
    client.force_login(getattr(org.people, who))
    response = _grows_not(
        client, "/konton/efterlevnad/", _problem_accounts(org), django_assert_max_num_queries
    )
    context = response.context
    few_admins = next(s for s in context["sections"] if s["problem"] == "administratorer")
    assert len(few_admins["accounts"]) == SECTION_ROWS < few_admins["count"]
    passive = next(s for s in context["other_sections"] if s.id == "passiva")
    assert len(passive.entries) == SECTION_ROWS < passive.count
    # The headline counts what the page lists: every open account with a problem.
    visible = Account.objects.visible_to(getattr(org.people, who))
    listed = set(visible.with_problem("any").values_list("pk", flat=True))
    for section in context["other_sections"]:
        listed |= set(section.account_ids)
    open_ids = set(visible.open().values_list("pk", flat=True))
    assert context["problem_count"] == len(listed & open_ids) > SECTION_ROWS
    assert context["open_count"] == len(open_ids)


def test_moderation_quick_entry_account_is_searched_on_the_server(
    client, org, django_assert_max_num_queries
):
    """The "Nytt ärende" form offers the moderator's accounts that match the search
    (`?sok_konto=`), at most ACCOUNT_CHOICES, as the API keys page does: it listed
    every account the moderator handles in one select."""
    moderator = org.people.medarbetare
    client.force_login(moderator)

    def grow(n):
        for _ in range(n):
            AccountFactory(
                display_name=f"Sökkonto {Account.objects.count():03d}",
                unit=org.bibliotek,
                responsible=moderator,
            )

    response = _grows_not(client, "/moderering/", grow, django_assert_max_num_queries)
    grow(ACCOUNT_CHOICES)  # now more than ACCOUNT_CHOICES
    page = client.get("/moderering/")
    options = page.context["form"].fields["account"].widget.choices
    assert len(options) == ACCOUNT_CHOICES + 1  # the empty choice and the first 50
    assert f"Visar {ACCOUNT_CHOICES} av" in page.content.decode()
    AccountFactory(display_name="Räddningstjänsten larmar", unit=org.bibliotek,
                   responsible=moderator)  # fmt: skip
    found = client.get("/moderering/", {"sok_konto": "larmar"})
    labels = [label for _value, label in found.context["form"].fields["account"].widget.choices]
    assert len(labels) == 2 and labels[1].startswith("Räddningstjänsten larmar (")
    # Any of the moderator's accounts may be chosen, also one not offered on the page.
    last = Account.objects.filter(responsible=moderator).order_by("-display_name").first()
    entry = {"account": last.pk, "kind": "fraga", "text": "När öppnar ni?"}
    response = client.post("/moderering/?sok_konto=larmar", entry)
    assert response.status_code == 302
    assert last.moderation_items.filter(text="När öppnar ni?").exists()
    # An account the moderator does not handle is refused, the form shown again.
    other = AccountFactory(unit=org.bibliotek, responsible=org.people.chef)
    refused = client.post("/moderering/", {**entry, "account": other.pk})
    assert refused.status_code == 400


def test_absence_substitute_is_searched_on_the_server(client, org, django_assert_max_num_queries):
    """Frånvaro offers the substitutes matching the page's search (at most 50), not every
    person of the kommun in one select, in the same queries at any size; anyone active
    may be chosen, also someone not offered."""
    people = []

    def grow(n):
        people.extend(UserFactory(first_name="Ersätta", last_name=f"Sökperson {len(people):03d}")
                      for _ in range(n))  # fmt: skip

    client.force_login(org.people.medarbetare)
    _grows_not(client, "/franvaro/", grow, django_assert_max_num_queries)
    grow(SEARCH_CHOICES)
    page = client.get("/franvaro/")
    assert len(page.context["form"].fields["substitute"].widget.choices) == SEARCH_CHOICES + 1
    UserFactory(first_name="Vikarie", last_name="Västerås")
    found = client.get("/franvaro/", {"sok_ersattare": "västerås"})
    labels = [label for _value, label in found.context["form"].fields["substitute"].widget.choices]
    assert labels[1:] == ["Vikarie Västerås"]
    today = timezone.localdate()
    response = client.post(
        "/franvaro/",
        {"starts_on": today, "ends_on": today, "substitute": people[-1].pk, "note": ""},
    )
    assert response.status_code == 302
    assert Absence.objects.filter(user=org.people.medarbetare, substitute=people[-1]).exists()


def test_own_plans_are_paginated_in_constant_queries(client, org, django_assert_max_num_queries):
    """The own plans ("Mina planer") are 50 a page (?mina=), in the same queries."""
    from activityplans.views import MINE_PAGE, PAGE_SIZE

    me = org.people.medarbetare
    now = timezone.now()

    def grow(n):
        Plan.objects.bulk_create(
            Plan(
                state=State.SUBMITTED,
                state_changed_at=now,
                created_by=me,
                applicant=me,
                unit=org.bibliotek,
                assignment=Assignment.NEW_ACCOUNT,
                account_name="Egen plan",
                created_at=now,
                updated_at=now,
            )  # fmt: skip
            for _ in range(n)
        )

    client.force_login(me)
    _grows_not(client, "/planer/", grow, django_assert_max_num_queries)
    grow(PAGE_SIZE)
    first = client.get("/planer/")
    assert len(first.context["mine"]) == PAGE_SIZE
    last = client.get(f"/planer/?{MINE_PAGE}=2")
    assert len(last.context["mine"]) == LARGE  # of LARGE + PAGE_SIZE
    assert f"{MINE_PAGE}=1" in last.content.decode()


def test_moderation_desk_names_the_accounts_longest_without_tillsyn(client, org):
    """The desk names SECTION_ROWS accounts under "Tillsyn", those never checked
    first, then the longest since; one checked now leaves the list for the next."""
    from moderation.models import CheckIn

    moderator = org.people.medarbetare
    mine = [AccountFactory(display_name=f"Tillsynskonto {n:03d}", unit=org.bibliotek,
                           responsible=moderator) for n in range(SECTION_ROWS + 5)]  # fmt: skip
    now = timezone.now()
    for n, account in enumerate(mine):  # all checked, the first the longest ago
        CheckIn.objects.create(
            account=account, user=moderator, at=now - datetime.timedelta(hours=100 - n)
        )
    client.force_login(moderator)
    response = client.get("/moderering/")
    watch = list(response.context["watch"])
    total = response.context["accounts_count"]
    assert len(watch) == SECTION_ROWS < total
    never = [a for a in watch if a not in mine]  # the fixture's accounts were never checked
    assert watch[: len(never)] == never and watch[len(never)] == mine[0]
    client.post(f"/moderering/konto/{mine[0].pk}/tillsyn/")
    assert mine[0] not in client.get("/moderering/").context["watch"]
    assert f"av dina {total} konton" in response.content.decode()


def test_archive_periods_are_found_per_period_not_by_a_distinct_over_every_snapshot(
    org, django_assert_max_num_queries
):
    """The archive's list of periods: those with half-year snapshots, a half-year without
    any between them left out, in two queries and one a half-year between."""
    from archive.periods import Period
    from archive.views import _semiannual_periods

    account = AccountFactory(unit=org.bibliotek, responsible=org.people.medarbetare)
    for key in ("2024-H2", "2025-H2", "2026-H1"):  # none in 2025-H1
        period = Period.from_key(key)
        Snapshot.objects.create(account=account, period_key=key, reason=Reason.SEMIANNUAL,
                                due_at=period.due_at, created_at=period.due_at)  # fmt: skip
    Snapshot.objects.create(account=account, period_key="", reason=Reason.ON_DEMAND,
                            due_at=timezone.now(), created_at=timezone.now())  # fmt: skip
    with django_assert_max_num_queries(2 + 2):
        assert _semiannual_periods() == {"2024-H2", "2025-H2", "2026-H1"}
