"""Aktivitetsplan pages through Django's test client."""

import datetime

import pytest
from django.utils import timezone

from activityplans import services
from activityplans.models import Action, Duration, Evaluation, Outcome, Plan, State
from notifications.models import Notification

from .factories import AccountFactory, advance, make_plan, plan_data


def form_post(action, people=(), **fields):
    """The plan form as a browser posts it: model instances as primary keys."""
    data = {"action": action, "duration": Duration.ONGOING, **fields}
    if people:
        data["administrators"] = [u.pk for u in people]
    return {
        k: (v.pk if hasattr(v, "pk") else ("on" if v is True else v))
        for k, v in data.items()
        if v is not False and v is not None
    }


def page(response):
    return response.content.decode()


def test_save_a_draft_with_missing_fields(client, org):
    p = org.people
    client.force_login(p.medarbetare)
    assert "Aktivitetsplan för sociala medier" in page(client.get("/planer/ny/"))
    # Only values of the wrong type stop a draft from being saved.
    response = client.post(
        "/planer/ny/",
        form_post("save", unit=org.bibliotek, url="inte en adress", ends_on="snart"),
    )
    assert response.status_code == 400 and not Plan.objects.exists()
    assert 'id="form-errors"' in page(response)
    response = client.post(
        "/planer/ny/",
        form_post("save", unit=org.bibliotek, assignment="nytt_konto", platform="instagram"),
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/planer/{plan.pk}/"
    assert (plan.state, plan.applicant, plan.created_by) == (
        State.DRAFT,
        p.medarbetare,
        p.medarbetare,
    )
    assert "Utkastet är sparat" in page(client.get(response["Location"]))


def test_submitting_an_incomplete_plan_saves_it_and_shows_every_missing_field(
    client, org, colleague
):
    p = org.people
    client.force_login(p.medarbetare)
    response = client.post(
        "/planer/ny/",
        form_post(
            "submit",
            unit=org.bibliotek,
            assignment="nytt_konto",
            platform="instagram",
            account_kind="verksamhetskonto",
            account_name="Biblioteket läser",
            purpose="Väcka läslust.",
        ),
    )
    # The draft is saved, so the answer is a redirect: a reload cannot save it again.
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/planer/{plan.pk}/andra/?skicka-in=1"
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    html = page(landing)
    assert "Utkastet är sparat men inte inskickat" in html
    assert html.count("Fyll i det här fältet innan du skickar in planen.") >= 9
    assert "Ange minst två administratörer" in html and "Ange en ersättare" in html
    # The reload shows the same missing fields and makes no second plan.
    again = page(client.get(response["Location"]))
    assert again.count("Fyll i det här fältet innan du skickar in planen.") >= 9
    assert "Utkastet är sparat men inte inskickat" not in again  # the message was shown once
    assert Plan.objects.count() == 1
    # Without the parameter the edit page is the plain form.
    assert 'id="form-errors"' not in page(client.get(f"/planer/{plan.pk}/andra/"))
    assert plan.state == State.DRAFT and plan.purpose == "Väcka läslust."
    assert list(plan.events.values_list("action", flat=True)) == [Action.CREATED]
    assert not Notification.objects.exists()
    # The form now edits the saved draft: sending it again makes no second plan.
    assert f'action="/planer/{plan.pk}/andra/"' in html

    complete = plan_data(unit=org.bibliotek, account_name="Biblioteket läser", substitute=colleague)
    response = client.post(
        f"/planer/{plan.pk}/andra/",
        form_post("submit", [p.medarbetare, colleague], **complete),
    )
    assert response.status_code == 302, page(response)[:2000]
    plan.refresh_from_db()
    assert Plan.objects.count() == 1 and plan.state == State.SUBMITTED
    assert plan.purpose == complete["purpose"]
    assert set(plan.administrators.all()) == {p.medarbetare, colleague}
    assert Notification.objects.filter(recipient=p.chef, kind="plan_waiting").count() == 1
    # A submitted plan cannot be edited.
    response = client.get(f"/planer/{plan.pk}/andra/", follow=True)
    assert "kan inte ändras" in page(response)


def test_a_chef_drafts_for_staff_through_the_form(client, org, colleague):
    p = org.people
    client.force_login(p.chef)
    html = page(client.get("/planer/ny/"))
    assert 'name="applicant"' in html and str(p.outsider) not in html.split('name="unit"')[0]
    data = form_post("save", unit=org.bibliotek, platform="instagram", assignment="nytt_konto")
    response = client.post("/planer/ny/", {**data, "applicant": p.outsider.pk})
    assert response.status_code == 400 and not Plan.objects.exists()
    response = client.post("/planer/ny/", {**data, "applicant": p.medarbetare.pk})
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert plan.applicant == p.medarbetare and plan.created_by == p.chef


def test_the_decision_post_and_a_double_post(client, org, plan):
    p = org.people
    plan = advance(plan, State.SUBMITTED)
    client.force_login(p.chef)
    html = page(client.get(f"/planer/{plan.pk}/"))
    assert "Ditt beslut" in html and 'value="inskickad"' in html
    post = {"expected_state": "inskickad", "decision": "approve", "comment": "Kör!"}
    response = client.post(f"/planer/{plan.pk}/beslut/", post, follow=True)
    assert "Beslutet är registrerat" in page(response)
    plan.refresh_from_db()
    assert plan.state == State.CHEF_APPROVED
    events = plan.events.count()

    response = client.post(f"/planer/{plan.pk}/beslut/", post, follow=True)
    assert response.status_code == 200
    assert "Planen har redan hanterats i det här steget" in page(response)
    assert "Ingenting ändrades" in page(response)
    plan.refresh_from_db()
    assert plan.state == State.CHEF_APPROVED and plan.events.count() == events
    # The timeline shows who decided, in which role, with the comment.
    html = page(client.get(f"/planer/{plan.pk}/"))
    assert "Kör!" in html and str(p.chef) in html and "Ditt beslut" not in html


@pytest.mark.parametrize(
    "post",
    [
        {},
        {"expected_state": "inskickad"},
        {"decision": "approve"},
        {"expected_state": "inskickad", "decision": "bogus"},
        {"expected_state": "nonsense", "decision": "approve"},
        {"expected_state": "inskickad", "decision": "return", "comment": ""},
        {"expected_state": "inskickad", "decision": "reject", "comment": "   "},
        {"expected_state": "inskickad", "decision": "approve", "url": "javascript:alert(1)"},
        {"expected_state": "inskickad", "decision": "approve", "url": "x" * 3000},
        {"expected_state": "inskickad", "decision": ["approve", "reject"]},  # the last counts
    ],
)
def test_a_bad_decision_post_never_fails_and_changes_nothing(client, org, plan, post):
    plan = advance(plan, State.SUBMITTED)
    client.raise_request_exception = False
    client.force_login(org.people.chef)
    response = client.post(f"/planer/{plan.pk}/beslut/", post)
    if response.status_code == 400:  # a missing comment: the page again, message at the field
        assert 'aria-invalid="true"' in page(response) and "Beslutet är inte registrerat" in page(
            response
        )
    else:
        assert response.status_code == 302 and response["Location"] == f"/planer/{plan.pk}/"
    plan.refresh_from_db()
    assert plan.state == State.SUBMITTED and plan.events.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "https://namn:losen@www.instagram.com/biblioteket",  # a valid URL but not an account
        "https://www.facebook.com/upptagen",  # already on the register
        "",  # the plan has no address: one must be given
    ],
)
def test_a_bad_address_at_the_last_step_is_a_message_not_a_crash(client, org, plan, url):
    AccountFactory(
        url="https://www.facebook.com/upptagen", unit=org.bibliotek, responsible=org.people.chef
    )
    services.save_draft(org.people.medarbetare, plan.pk, {"url": ""}, now=timezone.now())
    plan = advance(plan, State.ANCHORED)
    client.raise_request_exception = False
    client.force_login(org.people.kommunikationschef)
    response = client.post(
        f"/planer/{plan.pk}/beslut/",
        {"expected_state": "forankrad", "decision": "approve", "url": url},
    )
    assert response.status_code == 400  # the page again, the reason at the address field
    assert 'id="id_url_error"' in page(response) and 'class="alert' in page(response)
    plan.refresh_from_db()
    assert plan.state == State.ANCHORED and plan.account is None


def test_deciding_for_someone_else_is_refused(client, org, plan):
    p = org.people
    plan = advance(plan, State.SUBMITTED)
    post = {"expected_state": "inskickad", "decision": "approve"}
    for user, status in ((p.medarbetare, 403), (p.kommunikator, 403), (p.outsider, 404)):
        client.force_login(user)
        assert client.post(f"/planer/{plan.pk}/beslut/", post).status_code == status
    assert Plan.objects.get(pk=plan.pk).state == State.SUBMITTED


def test_todo_lists_plans_waiting_for_me_oldest_first(client, org, colleague):
    p = org.people
    now = timezone.now()
    newer = make_plan(p.medarbetare, colleague, account_name="Nyare planen")
    older = make_plan(colleague, p.medarbetare, account_name="Äldre planen")
    services.submit(p.medarbetare, newer.pk, now=now - datetime.timedelta(days=1))
    services.submit(colleague, older.pk, now=now - datetime.timedelta(days=3))
    mine = make_plan(p.chef, colleague, account_name="Chefens egen plan")

    client.force_login(p.chef)
    html = page(client.get("/att-gora/"))
    assert html.index("Äldre planen") < html.index("Nyare planen")
    assert "Chefens egen plan" not in html
    html = page(client.get("/planer/"))
    assert "Väntar på ditt beslut" in html
    assert html.index("Äldre planen") < html.index("Nyare planen")
    assert mine.title in html  # under "Mina planer"

    client.force_login(p.kommunikator)
    assert "Äldre planen" not in page(client.get("/att-gora/"))

    # A returned plan asks its applicant to complete it.
    services.decide(
        p.chef, newer.pk, State.SUBMITTED, services.RETURN, "Fyll i målen.", now=timezone.now()
    )
    client.force_login(p.medarbetare)
    assert "Komplettera och skicka in: Nyare planen" in page(client.get("/att-gora/"))


def test_my_plans_lists_mine_with_status(client, org, colleague):
    p = org.people
    make_plan(p.medarbetare, colleague, account_name="Mitt utkast")
    make_plan(p.medarbetare, colleague, account_name="Min inskickade", state=State.SUBMITTED)
    make_plan(colleague, p.medarbetare, account_name="Kollegans plan")
    client.force_login(p.medarbetare)
    html = page(client.get("/planer/"))
    mine = html[html.index("Mina planer") :]
    assert "Mitt utkast" in mine and "Min inskickade" in mine
    assert "Utkast" in mine and "Inskickad, väntar på chef" in mine
    assert "Kollegans plan" not in html


def test_withdraw_through_the_page(client, org, plan):
    plan = advance(plan, State.SUBMITTED)
    client.force_login(org.people.medarbetare)
    response = client.post(f"/planer/{plan.pk}/aterkalla/", {"comment": "Fel kanal"}, follow=True)
    assert "Planen är återkallad" in page(response)
    plan.refresh_from_db()
    assert plan.state == State.WITHDRAWN and plan.events.last().comment == "Fel kanal"
    response = client.post(f"/planer/{plan.pk}/aterkalla/", follow=True)
    assert "kan inte återkallas" in page(response)


def test_new_version_page_shows_what_changed(client, org, plan):
    p = org.people
    plan = advance(plan, State.ESTABLISHED)
    client.force_login(p.medarbetare)
    response = client.post(f"/planer/{plan.pk}/ny-version/")
    copy = Plan.objects.get(previous=plan)
    assert response.status_code == 302 and response["Location"] == f"/planer/{copy.pk}/andra/"
    assert "Inget är ändrat" in page(client.get(f"/planer/{copy.pk}/"))
    services.save_draft(
        p.medarbetare, copy.pk, {"audience": "Seniorer i Testby"}, now=timezone.now()
    )
    html = page(client.get(f"/planer/{copy.pk}/"))
    assert "Ändringar mot fastställd version 1" in html
    assert "Seniorer i Testby" in html and plan.audience in html
    # The register entry links to the established plan by reference.
    response = client.get(f"/planer/referens/{plan.reference}/")
    assert response["Location"] == f"/planer/{plan.pk}/"


def test_the_pdf_is_only_for_established_plans(client, org, plan):
    plan = advance(plan, State.ANCHORED)
    client.force_login(org.people.medarbetare)
    assert client.get(f"/planer/{plan.pk}/pdf/").status_code == 404
    assert "Ladda ned PDF" not in page(client.get(f"/planer/{plan.pk}/"))


def test_the_evaluation_form(client, org, plan):
    p = org.people
    plan = advance(plan, State.ESTABLISHED)
    evaluation = Evaluation.objects.get(plan=plan)
    url = f"/planer/utvardering/{evaluation.pk}/"
    client.force_login(p.chef)
    assert client.get(url).status_code == 403
    client.force_login(p.medarbetare)
    assert client.get(url).status_code == 200
    response = client.post(url, {"goals_met": "Ja"})
    assert response.status_code == 400 and Evaluation.objects.pending().count() == 1
    response = client.post(
        url,
        {
            "goals_met": "Ja",
            "reach": "Många",
            "questions_handling": "Inom ett dygn",
            "outcome": Outcome.CONTINUE,
        },
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.submitted_by == p.medarbetare
    assert Notification.objects.filter(recipient=p.kommunikator, kind="plan_evaluation").exists()
    # Once submitted, it is shown read-only to those who see the plan.
    client.force_login(p.chef)
    assert client.get(url).status_code == 200


def _in_state(org, plan, state):
    p = org.people
    if state in (State.RETURNED, State.REJECTED):
        plan = advance(plan, State.SUBMITTED)
        decision = services.RETURN if state == State.RETURNED else services.REJECT
        return services.decide(
            p.chef, plan.pk, State.SUBMITTED, decision, "Nej", now=timezone.now()
        )
    if state == State.WITHDRAWN:
        return services.withdraw(p.medarbetare, plan.pk, now=timezone.now())
    if state == State.NOTED:
        services.save_draft(
            p.medarbetare, plan.pk, {"assignment": "omvarldsbevakning"}, now=timezone.now()
        )
        return services.submit(p.medarbetare, plan.pk, now=timezone.now())
    if state == State.SUPERSEDED:
        plan = advance(plan, State.ESTABLISHED)
        advance(
            services.start_new_version(p.medarbetare, plan.pk, now=timezone.now()),
            State.ESTABLISHED,
        )
        plan.refresh_from_db()
        return plan
    return advance(plan, state)


@pytest.mark.parametrize("state", list(State), ids=str)
def test_the_plan_pages_show_a_plan_in_every_state(client, org, plan, state):
    plan = _in_state(org, plan, state)
    assert plan.state == state
    for user in (org.people.medarbetare, org.people.chef, org.people.kommunikationschef):
        client.force_login(user)
        response = client.get(f"/planer/{plan.pk}/")
        if state == State.DRAFT and user != org.people.medarbetare:
            assert response.status_code == 404  # a draft is its author's until it is sent
            continue
        assert response.status_code == 200
        assert plan.get_state_display() in page(response)
        assert client.get("/planer/").status_code == 200
        assert client.get("/att-gora/").status_code == 200


def test_a_new_version_through_the_edit_form(client, org, plan, colleague):
    p = org.people
    plan = advance(plan, State.ESTABLISHED)
    copy = services.start_new_version(p.medarbetare, plan.pk, now=timezone.now())
    client.force_login(p.medarbetare)
    html = page(client.get(f"/planer/{copy.pk}/andra/"))
    assert "version 2" in html
    data = plan_data(
        unit=org.bibliotek,
        account_name=plan.account_name,
        url=plan.url,
        substitute=colleague,
        audience="Seniorer i Testby",
    )
    # The browser does not send disabled fields; a forged value is ignored.
    data.pop("assignment"), data.pop("platform")
    response = client.post(
        f"/planer/{copy.pk}/andra/",
        {**form_post("submit", [p.medarbetare, colleague], **data), "account": ""},
    )
    assert response.status_code == 302, page(response)[:3000]
    copy.refresh_from_db()
    assert copy.state == State.SUBMITTED and copy.account == plan.account
    assert copy.audience == "Seniorer i Testby"
