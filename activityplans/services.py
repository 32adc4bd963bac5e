"""Every change to an Aktivitetsplan goes through here.

Every change, the draft's creation included, is a transition of the plan's table
(activityplans.workflow) taken through core.workflow.perform(_create): one transaction, the plan
row locked, its state and the actor's right re-checked, one append-only PlanEvent and
the notifications written. A second identical request (double click, two tabs, two
substitutes) finds the state changed and gets a PlanConflict (core.workflow.Conflict),
never a second transition.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core.workflow import perform, perform_create

from .models import FINAL, Action, Plan, State
from .presentation import changes_since_approved  # noqa: F401 - the plan page's diff
from .transitions import (  # noqa: F401 - shared with views, forms and sweeps
    PLAN_FIELDS_EDITABLE,
    assign_fields,
    enter,
    move,
    next_state,
    plan_url,
    responsible_for,
    role_as_drafter,
    write_event,
)
from .validation import submission_errors  # noqa: F401 - the form's rules
from .workflow import (  # noqa: F401 - who may, read by views and forms
    Do,
    PlanConflict,
    may_draft_for,
    may_edit,
)

APPROVE, RETURN, REJECT = Do.APPROVE, Do.RETURN, Do.REJECT
DECISIONS = (APPROVE, RETURN, REJECT)


def create_draft(actor, data, administrators=(), *, now):
    """A new draft (the plan's creation transition): the actor's own plan, or, for a
    chef, one for someone in their units (data["applicant"])."""
    applicant = data.get("applicant") or actor
    return perform_create(
        actor,
        Plan,
        Do.CREATE,
        parent=applicant,
        now=now,
        fields=data,
        administrators=administrators,
    )


def _plan(plan_id):
    return Plan.objects.get(pk=plan_id)


def save_draft(actor, plan_id, data, administrators=None, *, now):
    return perform(
        actor,
        _plan(plan_id),
        Do.EDIT,
        expected_state=None,
        now=now,
        fields=data,
        administrators=administrators,
    )


def submit(actor, plan_id, *, now, expected_state=None):
    return perform(actor, _plan(plan_id), Do.SUBMIT, expected_state=expected_state, now=now)


def decide(actor, plan_id, expected_state, decision, comment="", url="", *, now):
    """Approve, return or reject the step the plan waits in. `expected_state` is the
    state the actor saw; if the plan has moved on, nothing happens but a PlanConflict."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    return perform(
        actor,
        _plan(plan_id),
        decision,
        expected_state=expected_state,
        now=now,
        comment=comment,
        url=url,
    )


def withdraw(actor, plan_id, comment="", *, now, expected_state=None):
    return perform(
        actor, _plan(plan_id), Do.WITHDRAW, expected_state=expected_state, now=now, comment=comment
    )


def start_new_version(actor, plan_id, *, now):
    """A draft copy of an established plan (activityplans.workflow.apply_new_version)."""
    return perform(actor, _plan(plan_id), Do.NEW_VERSION, expected_state=State.ESTABLISHED, now=now)


def submit_evaluation(actor, evaluation_id, data, *, now):
    from .models import Evaluation

    evaluation = Evaluation.objects.select_related("plan").get(pk=evaluation_id)
    if evaluation.submitted_at is not None:
        raise PlanConflict(_("Utvärderingen är redan lämnad."))
    return perform(
        actor,
        evaluation.plan,
        Do.EVALUATE,
        expected_state=None,
        now=now,
        evaluation=evaluation,
        answers=data,
    )


# -- handover ----------------------------------------------------------------------------


def responsibilities(user):
    """Plans of a person who left: those still in the flow and the established ones."""
    plans = Plan.objects.filter(applicant=user).exclude(
        state__in=[State.REJECTED, State.WITHDRAWN, State.SUPERSEDED]
    )
    return [
        {
            "kind": _("Aktivitetsplan"),
            "title": f"{plan.reference}: {plan.title} ({plan.get_state_display()})",
            "url": plan_url(plan),
        }
        for plan in plans
    ]


def hand_over(actor, old, successor, *, now):
    """Plans still in the flow are withdrawn (the applicant has left; the successor files
    their own plan); established plans stay as the record of what was decided. Part of
    the handover's own transition (organisation.workflow), by whoever named the successor."""
    for plan in Plan.objects.filter(applicant=old).exclude(state__in=FINAL):
        with transaction.atomic():
            plan = Plan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
            move(
                plan,
                State.WITHDRAWN,
                actor,
                Action.WITHDRAWN,
                _("Överlämning"),
                _("%(person)s har slutat; %(successor)s tar över.")
                % {"person": old, "successor": successor},
                now=now,
            )
