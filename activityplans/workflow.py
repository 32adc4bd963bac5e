"""The Aktivitetsplan's transition table (core.workflow): who may edit, submit, decide,
withdraw, start a new version of and evaluate a plan, from which states, and what each
does (activityplans.transitions). The one place these rules live; services.py's
functions and the views call `perform`, the detail page shows `allowed`."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.workflow import CREATE, Conflict, Guard, Transition, Workflow
from organisation.models import Role

from . import routing, validation
from .models import EDITABLE, FINAL, WAITING, Action, Plan, State
from .transitions import (
    apply_approve,
    apply_create,
    apply_edit,
    apply_evaluate,
    apply_new_version,
    apply_reject,
    apply_return,
    apply_submit,
    apply_withdraw,
    next_state,
    responsible_for,
)

NOT_FINAL = frozenset(set(State) - FINAL)


PlanConflict = Conflict.of(
    "PlanConflict", "The plan is no longer in the state the request expected.", __name__
)


class Do(models.TextChoices):
    """What can be done to a plan (the workflow's actions)."""

    CREATE = "create", gettext_lazy("Ny aktivitetsplan")
    EDIT = "edit", gettext_lazy("Ändra")
    SUBMIT = "submit", gettext_lazy("Skicka in")
    APPROVE = "approve", gettext_lazy("Godkänn")
    RETURN = "return", gettext_lazy("Skicka tillbaka för komplettering")
    REJECT = "reject", gettext_lazy("Avslå planen")
    WITHDRAW = "withdraw", gettext_lazy("Återkalla")
    NEW_VERSION = "new_version", gettext_lazy("Ändra uppdraget (ny version)")
    EVALUATE = "evaluate", gettext_lazy("Fyll i utvärderingen")


# -- who may -----------------------------------------------------------------------------


def may_draft_for(actor, applicant):
    """A person drafts their own plan; a chef may also draft for someone in their units."""
    if actor.pk == applicant.pk:
        return True
    return applicant.unit_id is not None and Role.CHEF in actor.roles_over(applicant.unit)


def is_drafter(actor, plan):
    """The applicant and the one who drafted the plan edit, submit and withdraw it."""
    return actor.pk in (plan.applicant_id, plan.created_by_id)


def may_edit(actor, plan):
    return plan.is_editable and is_drafter(actor, plan)


def _may_start_new_version(actor, plan):
    if actor.pk in (plan.applicant_id, plan.account.responsible_id if plan.account_id else None):
        return True
    roles = actor.roles_over(plan.unit)
    return bool(
        roles
        & {Role.CHEF, Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF, Role.KOMMUNIKATIONSAVDELNINGEN}
    )


def _is_responsible(actor, plan):
    return actor.pk in (plan.applicant_id, responsible_for(plan).pk)


def _may_decide(ctx):
    return routing.may_decide(ctx.actor, ctx.record, deputies=ctx.deputies)


def _decide_refusal(ctx):
    if ctx.actor.pk == ctx.record.applicant_id:
        return _("Du kan inte fatta beslut om din egen plan.")
    return _("Planen väntar inte på ditt beslut.")


def _state(plan):
    return {"state": plan.get_state_display().lower()}


def _applicant_allowed(ctx):
    applicant = ctx.data.get("fields", {}).get("applicant") or ctx.record.applicant
    return applicant.pk == ctx.record.applicant_id or may_draft_for(ctx.actor, applicant)


def _no_pending_version(ctx):
    return not ctx.record.next_versions.exclude(state__in=FINAL).exists()


def _pending_version(ctx):
    pending = ctx.record.next_versions.exclude(state__in=FINAL).first()
    return _("Det finns redan en ny version under arbete: %(plan)s.") % {
        "plan": pending.reference if pending else ""
    }


def _evaluation_open(ctx):
    evaluation = ctx.data.get("evaluation")
    return evaluation is None or evaluation.submitted_at is None


# -- the table ---------------------------------------------------------------------------


def _event_fields(ctx):
    return {"from_state": ctx.from_state or "", "to_state": ctx.record.state, "role": ""}


def _drafter(ctx):
    return is_drafter(ctx.actor, ctx.record)


def _decided(ctx):
    return _(
        "Planen har redan hanterats i det här steget och är nu %(state)s. Ingenting ändrades."
    ) % _state(ctx.record)


def _establishes(ctx):
    return ctx.record.is_waiting and next_state(ctx.record) == State.ESTABLISHED


def _assessed(ctx):
    """A plan is fastställd only for a platform with a current, signed-off assessment."""
    return not _establishes(ctx) or not _assessment_missing(ctx)


def _assessment_missing(ctx):
    return validation.data_protection(ctx.record, timezone.localdate(ctx.now))


def _decision(action, target, apply, label, style, guards=()):
    """Approve, return and reject: the step's decider, in a waiting state."""
    return Transition(
        action,
        frozenset(WAITING),
        target=target,
        may=_may_decide,
        refusal=_decide_refusal,
        conflict=_decided,
        apply=apply,
        label=label,
        url_name="activityplans:decide",
        style=style,
        guards=guards,
    )


_DRAFT_FOR = Guard(
    _applicant_allowed,
    gettext_lazy("Du kan bara upprätta planer för dig själv eller din personal."),
    denies=True,
)


def _approve_label(ctx):
    plan = ctx.record
    if next_state(plan) == State.ESTABLISHED:
        return _("Fastställ planen")
    if plan.state == State.SUBMITTED:
        return _("Godkänn uppdraget")
    return _("Förankra planen")


TRANSITIONS = [
    Transition(
        Do.CREATE,
        CREATE,
        target=State.DRAFT,
        may=lambda ctx: ctx.actor.is_active and may_draft_for(ctx.actor, ctx.parent),
        refusal=gettext_lazy("Du kan bara upprätta planer för dig själv eller din personal."),
        apply=apply_create,
        url_name="activityplans:create",
        url_args=lambda applicant: [],
        event=Action.CREATED,
    ),
    Transition(
        Do.EDIT,
        EDITABLE,
        target="(unchanged)",
        may=_drafter,
        refusal=gettext_lazy("Bara den sökande eller den som upprättade planen kan ändra den."),
        conflict=lambda ctx: _("Planen är %(state)s och kan inte ändras.") % _state(ctx.record),
        guards=(_DRAFT_FOR,),
        apply=apply_edit,
        url_name="activityplans:edit",
        style="outline-primary",
        event=False,  # a saved draft is not a transition of the record
    ),
    Transition(
        Do.SUBMIT,
        EDITABLE,
        target=f"{State.SUBMITTED} ({State.NOTED} for monitoring)",
        may=_drafter,
        refusal=gettext_lazy("Bara den sökande eller den som upprättade planen kan skicka in den."),
        conflict=lambda ctx: _("Planen är redan %(state)s.") % _state(ctx.record),
        apply=apply_submit,
        url_name="activityplans:submit",
    ),
    _decision(
        Do.APPROVE,
        "the next step of the chain",
        apply_approve,
        _approve_label,
        "success",
        guards=(Guard(_assessed, _assessment_missing),),
    ),
    _decision(Do.RETURN, State.RETURNED, apply_return, Do.RETURN.label, "outline-primary"),
    _decision(
        Do.REJECT, State.REJECTED, apply_reject, Do.REJECT.label, "outline-danger decision-reject"
    ),
    Transition(
        Do.WITHDRAW,
        NOT_FINAL,
        target=State.WITHDRAWN,
        may=_drafter,
        refusal=gettext_lazy("Bara den sökande kan återkalla planen."),
        conflict=lambda ctx: _("Planen är %(state)s och kan inte återkallas.") % _state(ctx.record),
        apply=apply_withdraw,
        url_name="activityplans:withdraw",
        style="outline-danger",
    ),
    Transition(
        Do.NEW_VERSION,
        frozenset({State.ESTABLISHED}),
        target=f"a new {State.DRAFT}",
        may=lambda ctx: _may_start_new_version(ctx.actor, ctx.record),
        refusal=gettext_lazy("Du kan inte starta en ny version av den här planen."),
        conflict=gettext_lazy("Du kan inte starta en ny version av den här planen."),
        guards=(Guard(_no_pending_version, _pending_version),),
        apply=apply_new_version,
        url_name="activityplans:new_version",
        style="outline-primary",
        event=False,  # the copy's "created" event is written by apply
    ),
    Transition(
        Do.EVALUATE,
        frozenset({State.ESTABLISHED}),
        target="(unchanged)",
        may=lambda ctx: _is_responsible(ctx.actor, ctx.record),
        refusal=gettext_lazy("Bara den ansvarige kan lämna utvärderingen."),
        conflict=gettext_lazy("Bara den ansvarige kan lämna utvärderingen."),
        guards=(Guard(_evaluation_open, gettext_lazy("Utvärderingen är redan lämnad.")),),
        apply=apply_evaluate,
        event=Action.EVALUATED,
    ),
]

WORKFLOW = Workflow(
    Plan,
    TRANSITIONS,
    related=("applicant", "unit", "account"),
    event_fields=_event_fields,
    conflict_type=PlanConflict,
)
