"""Data-protection assessments per platform: written by kommunikationsavdelningen,
signed off by the dataskyddsombud (append-only decisions, new versions supersede), the
rule that a plan is fastställd only for a platform with a current assessment, and the
expired review date that flags the platform's accounts and reminds once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from activityplans import services as plan_services
from activityplans.models import State as PlanState
from core.records import RecordsAreKept
from core.workflow import Conflict, NotAllowed, allowed
from dataprotection import jobs, services
from dataprotection.models import Assessment, AssessmentEvent, State
from notifications.models import Notification, Reminder

from .factories import make_plan

NOW = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))

FIELDS = {
    "platform": "instagram",
    "channels": "Bibliotekets konto.",
    "personal_data": "Kommentarer och profilnamn.",
    "legal_basis": "Allmänt intresse, artikel 6.1 e.",
    "necessity": "Unga vuxna finns där.",
    "transfer_basis": "EU–US Data Privacy Framework (sedan 2023-07-10, omprövas årligen).",
    "review_on": datetime.date(2027, 10, 1),
}


def _arrange(platform, **changes):
    """Test data: change the org's signed-off assessment of `platform` in place."""
    with transaction.atomic():
        Assessment.objects.filter(platform=platform, account=None).service_update(**changes)


def _signed_off(org, **fields):
    writer, officer = org.people.kommunikationsavdelningen, org.people.dataskyddsombud
    assessment = services.create_draft(writer, FIELDS | fields, now=NOW)
    services.act(writer, assessment.pk, "submit", now=NOW)
    return services.act(officer, assessment.pk, "sign_off", now=NOW, comment="Godkänd.")


def test_written_submitted_signed_off_and_superseded_by_a_new_version(org):
    p = org.people
    first = _signed_off(org)
    assert first.state == State.SIGNED_OFF and first.decided_by == p.dataskyddsombud
    # The org's own assessment of instagram is superseded by this one.
    assert Assessment.objects.signed_off().filter(platform="instagram").get() == first
    assert services.current_for("instagram", datetime.date(2027, 10, 1)) == first
    assert services.current_for("instagram", datetime.date(2027, 10, 2)) is None

    # A signed-off assessment is not edited: kommunikationsavdelningen makes a new version.
    assert "edit" not in allowed(p.kommunikationsavdelningen, first, now=NOW)
    with pytest.raises(Conflict):
        services.edit(p.kommunikationsavdelningen, first.pk, {"channels": "Annat."}, now=NOW)
    second = services.act(p.kommunikationsavdelningen, first.pk, "new_version", now=NOW)
    assert (second.version, second.previous, second.state) == (2, first, State.DRAFT)
    services.edit(
        p.kommunikationsavdelningen, second.pk, {"review_on": datetime.date(2028, 9, 1)}, now=NOW
    )
    services.act(p.kommunikationsavdelningen, second.pk, "submit", now=NOW)
    # Only the dataskyddsombud decides; a return needs a reason.
    with pytest.raises(NotAllowed):
        services.act(p.kommunikationschef, second.pk, "sign_off", now=NOW)
    with pytest.raises(Exception, match="kompletteras"):
        services.act(p.dataskyddsombud, second.pk, "return", now=NOW)
    services.act(p.dataskyddsombud, second.pk, "sign_off", now=NOW, comment="Ok.")
    first.refresh_from_db()
    assert first.state == State.SUPERSEDED
    assert services.current_for("instagram", datetime.date(2028, 9, 1)).pk == second.pk
    actions = list(first.events.values_list("action", flat=True))
    assert actions == ["skapad", "inskickad", "godkand", "ersatt"]
    decision = first.events.get(action=AssessmentEvent.Action.SIGNED_OFF)
    assert decision.actor == p.dataskyddsombud and decision.comment == "Godkänd."
    with pytest.raises(RecordsAreKept):
        decision.save()  # the decision is append-only
    with pytest.raises(RecordsAreKept):
        first.delete()
    # The author was told of each decision, the dataskyddsombud of each submission.
    assert (
        Notification.objects.filter(
            recipient=p.dataskyddsombud, kind="assessment_submitted"
        ).count()
        == 2
    )
    assert (
        Notification.objects.filter(
            recipient=p.kommunikationsavdelningen, kind="assessment_decided"
        ).count()
        == 2
    )


def test_an_account_inherits_its_platforms_assessment_with_its_own_addition(org, account):
    p = org.people
    addition = services.create_draft(
        p.kommunikationsavdelningen,
        {k: v for k, v in FIELDS.items() if k != "platform"} | {"channels": "Direktmeddelanden."},
        account=account,
        now=NOW,
    )
    assert addition.platform == "instagram"
    services.act(p.kommunikationsavdelningen, addition.pk, "submit", now=NOW)
    services.act(p.dataskyddsombud, addition.pk, "sign_off", now=NOW)
    inherited, additions = services.for_account(account, datetime.date(2027, 1, 1))
    assert inherited.platform == "instagram" and inherited.account is None
    assert additions == [Assessment.objects.get(pk=addition.pk)]


def test_a_plan_is_not_fastställd_without_a_current_assessment_and_the_message_says_who(
    client, org, colleague
):
    p = org.people
    with time_machine.travel(NOW, tick=False):
        plan = make_plan(p.medarbetare, colleague, state=PlanState.ANCHORED)
        _arrange("instagram", review_on=datetime.date(2026, 11, 2))  # expired yesterday
        with pytest.raises(Conflict) as refused:
            plan_services.decide(
                p.kommunikationschef, plan.pk, PlanState.ANCHORED, "approve", now=NOW
            )
        message = str(refused.value)
        assert "Instagram" in message and "omprövningsdag" in message
        assert "Kommunikationsavdelningen" in message and "dataskyddsombudet" in message
        plan.refresh_from_db()
        assert plan.state == PlanState.ANCHORED and plan.account is None
        # The page says why instead of offering the button; returning is still offered.
        offered = allowed(p.kommunikationschef, plan, now=NOW)
        assert "approve" not in offered and "return" in offered
        client.force_login(p.kommunikationschef)
        page = client.get(f"/planer/{plan.pk}/").content.decode()
        assert "Planen kan inte fastställas än" in page and "Fastställ planen" not in page

        # No assessment at all says so too; a signed-off one lets the plan through.
        _arrange("instagram", state=State.SUPERSEDED)
        with pytest.raises(Conflict, match="ingen godkänd dataskyddsbedömning för Instagram"):
            plan_services.decide(
                p.kommunikationschef, plan.pk, PlanState.ANCHORED, "approve", now=NOW
            )
        _signed_off(org)
        plan = plan_services.decide(
            p.kommunikationschef, plan.pk, PlanState.ANCHORED, "approve", now=NOW
        )
        assert plan.state == PlanState.ESTABLISHED


def test_an_expired_review_flags_the_platforms_accounts_and_reminds_once(
    client, org, account, django_assert_max_num_queries
):
    p = org.people
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(1):
            assert jobs.remind_expired_reviews(NOW) == 0  # nothing due: one query
        client.force_login(p.kommunikationsavdelningen)
        page = client.get("/konton/efterlevnad/").content.decode()
        assert 'id="section-dataskydd"' in page and "Alla plattformars" in page

        _arrange("instagram", review_on=datetime.date(2026, 10, 31))
        page = client.get("/konton/efterlevnad/").content.decode()
        assert (
            "Biblioteket i Testby" in page.split('id="section-dataskydd"')[1].split("</section>")[0]
        )
        assert "omprövningsdagen 2026-10-31 har passerat" in page

        assert jobs.remind_expired_reviews(NOW) == 1
        assert jobs.remind_expired_reviews(NOW) == 0
        assert jobs.remind_expired_reviews(NOW + datetime.timedelta(days=3)) == 0
        sent = Notification.objects.filter(kind="assessment_review_due")
        assert list(sent.values_list("recipient", flat=True)) == [p.dataskyddsombud.pk]
        assert "Instagram" in sent.get().subject
        assert Reminder.objects.filter(stage=jobs.STAGE).count() == 1
        with django_assert_max_num_queries(1):
            assert jobs.remind_expired_reviews(NOW) == 0  # reminded already: one query


def test_bad_input_is_shown_again_with_400(client, org):
    client.force_login(org.people.kommunikationsavdelningen)
    response = client.post("/dataskydd/ny/", {"platform": "instagram", "review_on": "x"})
    assert response.status_code == 400
    assert Assessment.objects.count() == Assessment.objects.signed_off().count()
    draft = services.create_draft(org.people.kommunikationsavdelningen, FIELDS, now=NOW)
    services.act(org.people.kommunikationsavdelningen, draft.pk, "submit", now=NOW)
    client.force_login(org.people.dataskyddsombud)
    response = client.post(f"/dataskydd/{draft.pk}/aterlamna/", {"expected_state": "inskickad"})
    assert response.status_code == 400 and "kompletteras" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
