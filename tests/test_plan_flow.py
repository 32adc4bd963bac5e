"""Aktivitetsplan: the approval flow through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts import platforms
from accounts.models import Account, Kind, Status
from activityplans import routing, services, todo
from activityplans.models import Action, Assignment, Evaluation, Plan, PlanEvent, State
from notifications.models import Notification
from organisation.models import Absence, Role

from .factories import (
    AccountFactory,
    UserFactory,
    advance,
    give_role,
    make_plan,
    plan_data,
    race,
)
from .test_access import ROLES

APPROVE, RETURN, REJECT = services.APPROVE, services.RETURN, services.REJECT
WAITING_STEPS = [State.SUBMITTED, State.CHEF_APPROVED, State.ANCHORED]


def kinds_for(user):
    return list(
        Notification.objects.filter(recipient=user, kind__startswith="plan_")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def actions(plan):
    return list(plan.events.values_list("action", flat=True))


def absent(user, substitute, days=10):
    now = timezone.now()
    today = timezone.localdate(now)
    return Absence.objects.create(
        user=user,
        substitute=substitute,
        created_at=now,
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=days),
    )


# -- the whole flow ------------------------------------------------------------------------


def test_whole_flow_from_draft_to_the_register(org, colleague):
    now = timezone.now()  # one reading of the clock for the whole test
    p = org.people
    me = p.medarbetare
    plan = services.create_draft(
        me,
        {
            "assignment": Assignment.NEW_ACCOUNT,
            "platform": platforms.INSTAGRAM,
            "account_name": "Biblioteket läser",
        },
        now=now,
    )
    assert (plan.state, plan.applicant, plan.created_by, plan.unit) == (
        State.DRAFT,
        me,
        me,
        org.bibliotek,
    )
    assert plan.reference == f"AP-{timezone.localdate(now).year}-{plan.pk:04d}"

    # A draft with missing fields is saved; submitting it lists every missing field.
    services.save_draft(me, plan.pk, {"purpose": "Väcka läslust hos unga vuxna."}, now=now)
    with pytest.raises(ValidationError) as exc:
        services.submit(me, plan.pk, now=now)
    assert set(exc.value.message_dict) == {
        "goals",
        "audience",
        "complements",
        "content_plan",
        "frequency",
        "time_allocated",
        "platform_knowledge",
        "personal_data",
        "evaluation_plan",
        "answers_within_48h",
        "consent_confirmed",
        "administrators",
        "substitute",
    }
    plan.refresh_from_db()
    assert plan.state == State.DRAFT and plan.purpose == "Väcka läslust hos unga vuxna."
    assert actions(plan) == [Action.CREATED]
    assert Notification.objects.count() == 0

    # The substitute may not be the applicant; the communicator does not count as one
    # of the two administrators.
    data = plan_data(account_name="Biblioteket läser", url="", substitute=me)
    services.save_draft(me, plan.pk, data, administrators=[me, p.kommunikator], now=now)
    with pytest.raises(ValidationError) as exc:
        services.submit(me, plan.pk, now=now)
    assert set(exc.value.message_dict) == {"administrators", "substitute"}

    services.save_draft(
        me, plan.pk, {"substitute": colleague}, administrators=[me, colleague], now=now
    )
    plan = services.submit(me, plan.pk, now=now)
    assert plan.state == State.SUBMITTED
    assert kinds_for(p.chef) == ["plan_waiting"]
    assert kinds_for(p.kommunikator) == [] and kinds_for(me) == []

    plan = services.decide(p.chef, plan.pk, State.SUBMITTED, APPROVE, "Bra idé.", now=now)
    assert plan.state == State.CHEF_APPROVED
    assert kinds_for(p.kommunikator) == ["plan_waiting"]
    assert kinds_for(me) == ["plan_decision"]
    decision = Notification.objects.filter(recipient=me).latest("id")
    assert "Bra idé." in decision.body_text and plan.reference in decision.body_text

    plan = services.decide(p.kommunikator, plan.pk, State.CHEF_APPROVED, APPROVE, now=now)
    assert plan.state == State.ANCHORED
    assert kinds_for(p.kommunikationschef) == ["plan_waiting"]
    assert kinds_for(me) == ["plan_decision"] * 2

    # The plan has no address yet: the kommunikationschef must give one.
    with pytest.raises(ValidationError) as exc:
        services.decide(p.kommunikationschef, plan.pk, State.ANCHORED, APPROVE, now=now)
    assert "url" in exc.value.message_dict
    assert Plan.objects.get(pk=plan.pk).state == State.ANCHORED
    plan = services.decide(
        p.kommunikationschef,
        plan.pk,
        State.ANCHORED,
        APPROVE,
        "Fastställd.",
        url="https://www.instagram.com/biblioteketlaser",
        now=now,
    )
    assert plan.state == State.ESTABLISHED and plan.established_at is not None
    assert kinds_for(me) == ["plan_decision"] * 3
    assert plan.remind_at is None and plan.escalate_at is None

    account = Account.objects.get()
    assert plan.account == account
    assert account.status == Status.ACTIVE
    assert account.plan_reference == plan.reference
    assert account.display_name == "Biblioteket läser"
    assert account.url == "https://www.instagram.com/biblioteketlaser"
    assert account.platform == platforms.INSTAGRAM and account.kind == Kind.SERVICE
    assert account.unit == org.bibliotek
    assert account.responsible == me and account.substitute == colleague
    assert set(account.administrators.all()) == {me, colleague, p.kommunikator}
    assert account.purpose == plan.purpose and account.audience == plan.audience
    assert account.opened_on == timezone.localdate(now)

    events = list(plan.events.select_related("actor"))
    assert [(e.action, e.actor, e.role, e.comment) for e in events] == [
        (Action.CREATED, me, "Sökande", ""),
        (Action.SUBMITTED, me, "Sökande", ""),
        (Action.APPROVED, p.chef, "Chef", "Bra idé."),
        (Action.ANCHORED, p.kommunikator, "Förvaltningskommunikatör", ""),
        (Action.ESTABLISHED, p.kommunikationschef, "Kommunikationschef", "Fastställd."),
    ]
    assert [(e.from_state, e.to_state) for e in events[1:]] == [
        (State.DRAFT, State.SUBMITTED),
        (State.SUBMITTED, State.CHEF_APPROVED),
        (State.CHEF_APPROVED, State.ANCHORED),
        (State.ANCHORED, State.ESTABLISHED),
    ]
    assert [e.at for e in events] == sorted(e.at for e in events)

    # The yearly evaluation is scheduled; the plan and its events are kept forever.
    evaluation = Evaluation.objects.get(plan=plan)
    today = timezone.localdate(now)
    due = evaluation.due_on
    assert (due.year, due.month) == (today.year + 1, today.month)
    assert due.day == today.day or (today.month, today.day) == (2, 29)
    with pytest.raises(Exception, match="aldrig"):
        plan.delete()
    with pytest.raises(Exception, match="aldrig"):
        events[0].delete()
    with pytest.raises(Exception, match="aldrig"):
        PlanEvent.objects.filter(plan=plan).update(comment="x")


def test_the_established_account_is_on_the_public_register(client, org, plan):
    plan = advance(plan, State.ESTABLISHED)
    page = client.get("/register/").content.decode()
    assert plan.account_name in page


# -- return, reject, withdraw -------------------------------------------------------------


@pytest.mark.parametrize("step", WAITING_STEPS)
def test_return_at_each_step_goes_back_to_the_applicant_and_restarts_at_the_chef(org, plan, step):
    p = org.people
    plan = advance(plan, step)
    decider = routing.designated(plan)
    before = plan.events.count()

    with pytest.raises(ValidationError) as exc:
        services.decide(decider, plan.pk, step, RETURN, "  ", now=timezone.now())
    assert "comment" in exc.value.message_dict
    assert Plan.objects.get(pk=plan.pk).state == step and plan.events.count() == before

    plan = services.decide(
        decider, plan.pk, step, RETURN, "Beskriv målgruppen tydligare.", now=timezone.now()
    )
    assert plan.state == State.RETURNED and plan.is_editable
    event = plan.events.last()
    assert (event.action, event.actor, event.comment) == (
        Action.RETURNED,
        decider,
        "Beskriv målgruppen tydligare.",
    )
    last = Notification.objects.filter(recipient=p.medarbetare).latest("id")
    assert last.kind == "plan_decision" and "Beskriv målgruppen tydligare." in last.body_text
    # Nobody can decide a returned plan.
    with pytest.raises(PlanConflictType):
        services.decide(decider, plan.pk, step, APPROVE, now=timezone.now())

    waiting_before = kinds_for(p.chef).count("plan_waiting")
    services.save_draft(
        p.medarbetare, plan.pk, {"audience": "Unga vuxna 16–25 år i Testby"}, now=timezone.now()
    )
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert plan.state == State.SUBMITTED
    assert plan.events.last().comment == "Inskickad igen efter komplettering."
    assert kinds_for(p.chef).count("plan_waiting") == waiting_before + 1
    assert routing.designated(plan) == p.chef
    if step != State.SUBMITTED:
        with pytest.raises(PermissionDenied):
            services.decide(decider, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    # ...and the whole chain runs again.
    plan = advance(plan, State.ESTABLISHED)
    assert actions(plan).count(Action.APPROVED) == (2 if step != State.SUBMITTED else 1)


PlanConflictType = services.PlanConflict


@pytest.mark.parametrize("step", WAITING_STEPS)
def test_reject_at_each_step_needs_a_reason_and_ends_the_plan(org, plan, step):
    p = org.people
    plan = advance(plan, step)
    decider = routing.designated(plan)
    with pytest.raises(ValidationError) as exc:
        services.decide(decider, plan.pk, step, REJECT, "", now=timezone.now())
    assert "comment" in exc.value.message_dict
    assert Plan.objects.get(pk=plan.pk).state == step

    plan = services.decide(
        decider, plan.pk, step, REJECT, "Kanalen finns redan.", now=timezone.now()
    )
    assert plan.state == State.REJECTED and not plan.is_editable
    assert (plan.events.last().action, plan.events.last().comment) == (
        Action.REJECTED,
        "Kanalen finns redan.",
    )
    assert Notification.objects.filter(recipient=p.medarbetare).latest("id").kind == (
        "plan_decision"
    )
    assert plan.remind_at is None and plan.escalate_at is None
    with pytest.raises(services.PlanConflict):
        services.save_draft(p.medarbetare, plan.pk, {"purpose": "Nytt försök"}, now=timezone.now())
    with pytest.raises(services.PlanConflict):
        services.submit(p.medarbetare, plan.pk, now=timezone.now())
    with pytest.raises(services.PlanConflict):
        services.withdraw(p.medarbetare, plan.pk, now=timezone.now())
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "state", [State.DRAFT, *WAITING_STEPS, State.RETURNED], ids=lambda s: str(s)
)
def test_the_applicant_withdraws_until_established(org, plan, state):
    p = org.people
    if state == State.RETURNED:
        plan = advance(plan, State.SUBMITTED)
        plan = services.decide(
            p.chef, plan.pk, State.SUBMITTED, RETURN, "Komplettera.", now=timezone.now()
        )
    else:
        plan = advance(plan, state)
    waiting_for = routing.current_actor(plan, timezone.now()) if plan.is_waiting else None

    with pytest.raises(PermissionDenied):
        services.withdraw(p.kommunikationschef, plan.pk, now=timezone.now())
    plan = services.withdraw(p.medarbetare, plan.pk, "  Behövs inte längre. ", now=timezone.now())
    assert plan.state == State.WITHDRAWN
    event = plan.events.last()
    assert (event.action, event.actor, event.comment) == (
        Action.WITHDRAWN,
        p.medarbetare,
        "Behövs inte längre.",
    )
    if waiting_for is not None:
        assert kinds_for(waiting_for)[-1] == "plan_withdrawn"
    with pytest.raises(services.PlanConflict):
        services.withdraw(p.medarbetare, plan.pk, now=timezone.now())
    with pytest.raises(services.PlanConflict):
        services.decide(p.chef, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())


def test_an_established_plan_cannot_be_withdrawn(org, plan):
    plan = advance(plan, State.ESTABLISHED)
    with pytest.raises(services.PlanConflict):
        services.withdraw(org.people.medarbetare, plan.pk, now=timezone.now())
    plan.refresh_from_db()
    assert plan.state == State.ESTABLISHED and plan.account.status == Status.ACTIVE


def test_a_second_decision_with_a_stale_state_is_a_conflict(org, plan):
    p = org.people
    plan = advance(plan, State.SUBMITTED)
    services.decide(p.chef, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    events = plan.events.count()
    notifications = Notification.objects.count()
    for user, decision in ((p.chef, APPROVE), (p.chef, REJECT), (p.kommunikator, APPROVE)):
        with pytest.raises(services.PlanConflict, match="redan hanterats"):
            services.decide(user, plan.pk, State.SUBMITTED, decision, "igen", now=timezone.now())
    assert plan.events.count() == events
    assert Notification.objects.count() == notifications
    assert Plan.objects.get(pk=plan.pk).state == State.CHEF_APPROVED
    with pytest.raises(services.PlanConflict):
        services.submit(p.medarbetare, plan.pk, now=timezone.now())


def test_only_the_designated_person_decides_each_step(org, plan):
    p = org.people
    plan = advance(plan, State.SUBMITTED)
    for user in (p.kommunikator, p.kommunikationschef, p.kommunikator2, p.outsider, p.admin):
        with pytest.raises(PermissionDenied):
            services.decide(user, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    with pytest.raises(PermissionDenied, match="egen plan"):
        services.decide(p.medarbetare, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    with pytest.raises(ValueError):
        services.decide(p.chef, plan.pk, State.SUBMITTED, "maybe", now=timezone.now())
    assert Plan.objects.get(pk=plan.pk).state == State.SUBMITTED
    plan = advance(plan, State.CHEF_APPROVED)
    with pytest.raises(PermissionDenied):
        services.decide(p.chef, plan.pk, State.CHEF_APPROVED, APPROVE, now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.decide(p.kommunikator2, plan.pk, State.CHEF_APPROVED, APPROVE, now=timezone.now())


# -- who decides --------------------------------------------------------------------------


def test_a_chef_who_applies_goes_to_the_chef_above(org, colleague):
    p = org.people
    plan = make_plan(p.chef, colleague)
    # Nobody above Biblioteket's chef yet: the plan cannot be submitted.
    with pytest.raises(ValidationError) as exc:
        services.submit(p.chef, plan.pk, now=timezone.now())
    assert "__all__" in exc.value.message_dict

    forvaltningschef = UserFactory(username="forvaltningschef", unit=org.kultur)
    give_role(forvaltningschef, Role.CHEF, org.kultur)
    plan = services.submit(p.chef, plan.pk, now=timezone.now())
    assert routing.designated(plan) == forvaltningschef
    assert kinds_for(forvaltningschef) == ["plan_waiting"] and kinds_for(p.chef) == []
    with pytest.raises(PermissionDenied, match="egen plan"):
        services.decide(p.chef, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    assert plan not in todo.waiting_for(p.chef, timezone.now())
    plan = services.decide(forvaltningschef, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    assert plan.state == State.CHEF_APPROVED
    assert plan.events.last().actor == forvaltningschef


def test_a_communicator_who_applies_is_anchored_by_the_kommunikationschef(org, colleague):
    p = org.people
    forvaltningschef = UserFactory(username="forvaltningschef", unit=org.kultur)
    give_role(forvaltningschef, Role.CHEF, org.kultur)
    # The communicator does not count as one of the two administrators of their own plan.
    admins = [p.kommunikator, colleague, p.chef]
    plan = make_plan(p.kommunikator, colleague, administrators=admins, state=State.CHEF_APPROVED)
    assert routing.designated(plan) == p.kommunikationschef
    with pytest.raises(PermissionDenied):
        services.decide(p.kommunikator, plan.pk, State.CHEF_APPROVED, APPROVE, now=timezone.now())
    plan = services.decide(
        p.kommunikationschef, plan.pk, State.CHEF_APPROVED, APPROVE, now=timezone.now()
    )
    assert plan.state == State.ANCHORED


def test_a_chef_drafts_on_behalf_of_staff_but_not_for_others(org, colleague):
    p = org.people
    plan = make_plan(p.medarbetare, colleague, actor=p.chef)
    assert plan.applicant == p.medarbetare and plan.created_by == p.chef
    assert plan.unit == org.bibliotek
    assert plan.events.get().role == f"Chef, för {p.medarbetare}"
    # The employee sees and may edit and submit the plan drafted for them.
    assert Plan.objects.visible_to(p.medarbetare).filter(pk=plan.pk).exists()
    assert services.may_edit(p.medarbetare, plan) and services.may_edit(p.chef, plan)

    with pytest.raises(PermissionDenied):
        services.create_draft(p.chef, plan_data(applicant=p.outsider), now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.create_draft(p.medarbetare, plan_data(applicant=colleague), now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.create_draft(
            p.kommunikator, plan_data(applicant=p.medarbetare), now=timezone.now()
        )
    with pytest.raises(PermissionDenied):
        services.save_draft(p.chef, plan.pk, {"applicant": p.outsider}, now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.save_draft(colleague, plan.pk, {"purpose": "Mitt syfte"}, now=timezone.now())
    assert Plan.objects.count() == 1


def test_monitoring_only_informs_the_chef(org):
    p = org.people
    plan = services.create_draft(
        p.medarbetare,
        {"assignment": Assignment.MONITORING, "platform": platforms.LINKEDIN},
        now=timezone.now(),
    )
    with pytest.raises(ValidationError) as exc:
        services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert set(exc.value.message_dict) == {"purpose"}
    services.save_draft(
        p.medarbetare, plan.pk, {"purpose": "Följa biblioteksdebatten."}, now=timezone.now()
    )
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert plan.state == State.NOTED and not plan.is_waiting
    assert actions(plan) == [Action.CREATED, Action.NOTED]
    assert kinds_for(p.chef) == ["plan_monitoring"]
    assert kinds_for(p.kommunikator) == []
    assert not Account.objects.exists() and not Evaluation.objects.exists()
    assert plan.remind_at is None
    with pytest.raises(services.PlanConflict):
        services.decide(p.chef, plan.pk, State.NOTED, APPROVE, now=timezone.now())
    with pytest.raises(services.PlanConflict):
        services.withdraw(p.medarbetare, plan.pk, now=timezone.now())


def test_an_ambassador_needs_only_the_chef_and_the_statement(org, colleague):
    p = org.people
    plan = make_plan(
        p.medarbetare,
        colleague,
        assignment=Assignment.AMBASSADOR,
        platform=platforms.LINKEDIN,
        account_name="Bibliotekarien på LinkedIn",
        url="",
        ambassador_statement=False,
    )
    with pytest.raises(ValidationError) as exc:
        services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert set(exc.value.message_dict) == {"url", "ambassador_statement"}
    services.save_draft(
        p.medarbetare,
        plan.pk,
        {"url": "https://www.linkedin.com/in/bibliotekarien", "ambassador_statement": True},
        now=timezone.now(),
    )
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    plan = services.decide(p.chef, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    assert plan.state == State.ESTABLISHED
    assert actions(plan)[-1] == Action.ESTABLISHED
    assert kinds_for(p.kommunikator) == [] and kinds_for(p.kommunikationschef) == []
    account = plan.account
    assert account.kind == Kind.AMBASSADOR and account.status == Status.ACTIVE
    assert account.responsible == p.medarbetare and account.plan_reference == plan.reference


def test_taking_over_an_existing_account_updates_it(org, colleague):
    p = org.people
    existing = AccountFactory(
        display_name="Biblioteket i Testby",
        url="https://www.facebook.com/testbybibliotek",
        unit=org.bibliotek,
        responsible=p.chef,
        purpose="Gammalt syfte",
        audience="Alla",
    )
    plan = make_plan(
        p.medarbetare,
        colleague,
        assignment=Assignment.TAKEOVER,
        platform=platforms.FACEBOOK_PAGE,
        account_name="",
        url="",
    )
    with pytest.raises(ValidationError) as exc:
        services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert set(exc.value.message_dict) == {"account"}
    services.save_draft(p.medarbetare, plan.pk, {"account": existing}, now=timezone.now())
    plan = advance(plan, State.ESTABLISHED)

    assert Account.objects.count() == 1
    existing.refresh_from_db()
    assert plan.account == existing
    assert existing.responsible == p.medarbetare and existing.substitute == colleague
    assert existing.purpose == plan.purpose and existing.audience == plan.audience
    assert existing.display_name == "Biblioteket i Testby"
    assert existing.url == "https://www.facebook.com/testbybibliotek"
    assert existing.plan_reference == plan.reference
    assert set(existing.administrators.all()) == {p.medarbetare, colleague, p.kommunikator}


def test_a_new_plan_for_an_address_on_the_register_must_take_it_over(org, colleague, account):
    plan = make_plan(org.people.medarbetare, colleague, url=account.url.upper() + "/")
    with pytest.raises(ValidationError) as exc:
        services.submit(org.people.medarbetare, plan.pk, now=timezone.now())
    assert set(exc.value.message_dict) == {"url"}
    assert "Ta över" in exc.value.message_dict["url"][0]


def test_a_new_version_shows_changes_and_updates_the_account_when_established(org, colleague):
    p = org.people
    first = make_plan(p.medarbetare, colleague, state=State.ESTABLISHED)
    account = first.account

    second = services.start_new_version(p.chef, first.pk, now=timezone.now())
    assert (second.version, second.previous, second.reference) == (2, first, first.reference)
    assert second.state == State.DRAFT and second.account == account
    assert services.changes_since_approved(second) == []
    with pytest.raises(services.PlanConflict):
        services.start_new_version(p.medarbetare, first.pk, now=timezone.now())
    with pytest.raises(PermissionDenied):
        services.start_new_version(p.outsider, first.pk, now=timezone.now())

    # The chef hands the account to the colleague, with a new purpose and audience.
    services.save_draft(
        p.chef,
        second.pk,
        {
            "applicant": colleague,
            "substitute": p.medarbetare,
            "purpose": "Nytt syfte: boktips för seniorer.",
            "audience": "Seniorer",
        },
        administrators=[colleague, p.medarbetare],
        now=timezone.now(),
    )
    second.refresh_from_db()
    changes = {
        str(label): (old, new) for label, old, new in services.changes_since_approved(second)
    }
    assert changes == {
        "sökande medarbetare": (str(p.medarbetare), str(colleague)),
        "syfte och varför just den här kanalen": (
            first.purpose,
            "Nytt syfte: boktips för seniorer.",
        ),
        "målgrupp": (first.audience, "Seniorer"),
        "ersättare": (str(colleague), str(p.medarbetare)),
    }
    second = advance(second, State.ANCHORED)
    account.refresh_from_db()
    assert account.purpose == first.purpose  # nothing changes before it is established

    second = advance(second, State.ESTABLISHED)
    first.refresh_from_db()
    account.refresh_from_db()
    assert first.state == State.SUPERSEDED
    assert first.events.last().action == Action.SUPERSEDED
    assert Account.objects.count() == 1 and second.account == account
    assert account.responsible == colleague and account.substitute == p.medarbetare
    assert account.purpose == "Nytt syfte: boktips för seniorer." and account.audience == "Seniorer"
    assert account.plan_reference == second.reference
    assert Plan.objects.filter(reference=first.reference, state=State.ESTABLISHED).get() == second


def test_the_register_edit_form_locks_what_the_plan_decided(client, org, plan):
    p = org.people
    plan = advance(plan, State.ESTABLISHED)
    account = plan.account
    client.force_login(p.kommunikationschef)
    page = client.get(f"/konton/{account.pk}/andra/").content.decode()
    assert "Ändras genom en ny version av planen" in page
    data = {
        "display_name": "Nytt namn",
        "platform": account.platform,
        "url": account.url,
        "kind": account.kind,
        "unit": account.unit_id,
        "responsible": p.outsider.pk,
        "substitute": account.substitute_id,
        "administrators": list(account.administrators.values_list("pk", flat=True)),
        "purpose": "Ändrat i registret",
        "audience": "Ändrat i registret",
        "language": "svenska",
        "status": account.status,
    }
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.display_name == "Nytt namn"
    assert (account.purpose, account.audience, account.responsible) == (
        plan.purpose,
        plan.audience,
        p.medarbetare,
    )
    # The responsible person's description form locks them too.
    client.force_login(p.medarbetare)
    description = {
        "display_name": "Namn av ansvarig",
        "handle": account.handle,
        "purpose": "Ändrat av ansvarig",
        "audience": "Ändrat av ansvarig",
        "language": "svenska",
    }
    assert client.post(f"/konton/{account.pk}/andra/", description).status_code == 302
    account.refresh_from_db()
    assert account.display_name == "Namn av ansvarig"
    assert (account.purpose, account.audience) == (plan.purpose, plan.audience)


# -- substitutes ---------------------------------------------------------------------------


def test_the_substitute_of_an_absent_chef_decides(org, plan, colleague):
    p = org.people
    stand_in = UserFactory(username="stallforetradare", unit=org.kultur)
    assert not Plan.objects.visible_to(stand_in).exists()
    absent(p.chef, stand_in)

    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert routing.current_actor(plan, timezone.now()) == stand_in
    assert kinds_for(stand_in) == ["plan_waiting"] and kinds_for(p.chef) == []
    assert Plan.objects.visible_to(stand_in).filter(pk=plan.pk).exists()
    assert [item.title for item in todo.items(stand_in, timezone.now())] == [
        f"Beslut: {plan.title}"
    ]
    assert todo.waiting_for(stand_in, timezone.now()) == [plan]
    assert routing.may_decide(stand_in, plan, timezone.now()) and routing.may_decide(
        p.chef, plan, timezone.now()
    )

    plan = services.decide(stand_in, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    assert plan.state == State.CHEF_APPROVED
    event = plan.events.last()
    assert event.actor == stand_in and event.role == f"Ersättare för {p.chef} (Chef)"
    assert todo.waiting_for(stand_in, timezone.now()) == []


@pytest.mark.parametrize(
    ("step", "role"),
    [
        (State.SUBMITTED, "chef"),
        (State.CHEF_APPROVED, "kommunikator"),
        (State.ANCHORED, "kommunikationschef"),
    ],
)
def test_each_step_goes_to_the_substitute_during_an_absence(org, plan, step, role):
    p = org.people
    designated = getattr(p, role)
    stand_in = UserFactory(username="stallforetradare", unit=org.kommun)
    if step != State.SUBMITTED:
        plan = advance(plan, WAITING_STEPS[WAITING_STEPS.index(step) - 1])
    absent(designated, stand_in)
    plan = advance(plan, step)
    assert routing.designated(plan) == designated
    assert kinds_for(stand_in) == ["plan_waiting"] and kinds_for(designated) == []
    assert Plan.objects.visible_to(stand_in).filter(pk=plan.pk).exists()
    assert todo.waiting_for(stand_in, timezone.now()) == [plan]
    plan = services.decide(stand_in, plan.pk, step, APPROVE, now=timezone.now())
    assert plan.events.last().actor == stand_in
    assert plan.events.last().role.startswith(f"Ersättare för {designated}")


def test_a_substitute_of_a_substitute_sees_what_they_are_asked_to_decide(client, org, plan):
    p = org.people
    first = UserFactory(username="ersattare1", unit=org.bibliotek)
    second = UserFactory(username="ersattare2", unit=org.bibliotek)
    absent(p.chef, first)
    absent(first, second)
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert routing.current_actor(plan, timezone.now()) == second
    assert kinds_for(second) == ["plan_waiting"]
    assert Plan.objects.visible_to(second).filter(pk=plan.pk).exists()
    assert todo.waiting_for(second, timezone.now()) == [plan]
    client.force_login(second)
    assert "Ditt beslut" in client.get(f"/planer/{plan.pk}/").content.decode()


def test_the_applicant_never_decides_even_as_the_substitute(org, plan):
    p = org.people
    absent(p.chef, p.medarbetare)
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert not routing.may_decide(p.medarbetare, plan, timezone.now())
    assert p.medarbetare not in routing.deciders(plan, timezone.now())
    assert kinds_for(p.medarbetare) == []
    assert todo.waiting_for(p.medarbetare, timezone.now()) == []
    with pytest.raises(PermissionDenied, match="egen plan"):
        services.decide(p.medarbetare, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    assert Plan.objects.get(pk=plan.pk).state == State.SUBMITTED


def test_a_cancelled_or_past_absence_gives_no_one_the_right_to_decide(org, plan):
    p = org.people
    stand_in = UserFactory(username="stallforetradare", unit=org.kultur)
    absence = absent(p.chef, stand_in)
    absence.cancelled_at = timezone.now()
    absence.save()
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    assert not routing.may_decide(stand_in, plan, timezone.now())
    assert not Plan.objects.visible_to(stand_in).exists()
    with pytest.raises(PermissionDenied):
        services.decide(stand_in, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())


def test_who_sees_which_plans(org, plan, colleague):
    p = org.people
    other = make_plan(p.outsider, UserFactory(username="skolkollega", unit=org.skolan))
    # A draft is its author's alone; once submitted, the scopes below see it.
    assert {
        r: set(Plan.objects.visible_to(getattr(p, r))) for r in ("chef", "kommunikationschef")
    } == {
        "chef": set(),
        "kommunikationschef": set(),
    }
    services.submit(p.medarbetare, plan.pk, now=timezone.now())
    Plan.objects.filter(pk=other.pk).service_update(state=State.SUBMITTED)  # Skolan has no chef
    visible = {role: set(Plan.objects.visible_to(getattr(p, role))) for role in ROLES[1:]}
    assert visible == {
        "medarbetare": {plan},
        "chef": {plan},
        "kommunikator": {plan},
        "kommunikationschef": {plan, other},
        "kommunikationsavdelningen": {plan, other},
        "arkivarie": set(),
        "admin": set(),
        "outsider": {other},
        "kommunikator2": {other},
        "dataskyddsombud": set(),
        "registrator": set(),
    }
    assert set(Plan.objects.visible_to(colleague)) == set()


# -- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_make_one_transition(org, colleague):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    p = org.people
    plan = make_plan(p.medarbetare, colleague, state=State.SUBMITTED)
    # Two substitutes: the chef is away with a stand-in, who is away with another. The
    # chef (not locked out) and the second stand-in decide; the first, away, is skipped.
    first = UserFactory(username="ersattare1", unit=org.bibliotek)
    second = UserFactory(username="ersattare2", unit=org.bibliotek)
    absent(p.chef, first)
    absent(first, second)
    deciders = [p.chef, second]
    assert routing.deciders(plan, timezone.now()) == deciders

    results = race(
        20,
        lambda i: services.decide(
            deciders[i % 2], plan.pk, State.SUBMITTED, APPROVE, now=timezone.now()
        ),
    )
    outcomes = [type(r).__name__ for r in results]
    assert sorted(outcomes) == ["Plan"] + ["PlanConflict"] * 19, results
    plan.refresh_from_db()
    assert plan.state == State.CHEF_APPROVED
    assert plan.events.filter(action=Action.APPROVED).count() == 1
    assert kinds_for(p.kommunikator) == ["plan_waiting"]
    assert kinds_for(p.medarbetare) == ["plan_decision"]


def test_without_a_communicator_the_kommunikationschef_finds_the_step_on_att_gora(org, plan):
    """The communicator's step falls to the kommunikationschef when the förvaltning has
    none (routing.roles_deciding): Att göra's list of plans waiting reads that step for
    them too."""
    p = org.people
    p.kommunikator.role_assignments.filter(role=Role.KOMMUNIKATOR).delete()
    plan = services.submit(p.medarbetare, plan.pk, now=timezone.now())
    plan = services.decide(p.chef, plan.pk, State.SUBMITTED, APPROVE, now=timezone.now())
    assert plan.state == State.CHEF_APPROVED
    assert routing.designated(plan) == p.kommunikationschef
    assert todo.waiting_for(p.kommunikationschef, timezone.now()) == [plan]
    assert todo.waiting_for(p.kommunikator, timezone.now()) == []
