"""What each transition of a plan does (the `apply` functions of activityplans.workflow's
table) and the helpers they share: the plan's state and reminder deadlines, its extra
events, establishing the account in the register and scheduling its evaluations."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Kind, Status
from accounts.services import PLAN_FIELDS, register_account, update_account
from accounts.urlkeys import InvalidAccountURL, url_key
from organisation.models import Role
from organisation.workdays import add_working_days

from . import routing
from .models import (
    WAITING,
    Action,
    Assignment,
    Duration,
    Evaluation,
    Outcome,
    Plan,
    PlanEvent,
    State,
)
from .validation import submission_errors

REMIND_AFTER_WORKING_DAYS = 5
ESCALATE_AFTER_WORKING_DAYS = 10

# The fields a plan carries; copied into a new version.
PLAN_FIELDS_EDITABLE = (
    "applicant",
    "unit",
    "assignment",
    "platform",
    "account_kind",
    "account_name",
    "handle",
    "url",
    "account",
    "purpose",
    "goals",
    "audience",
    "complements",
    "content_plan",
    "frequency",
    "time_allocated",
    "answers_within_48h",
    "substitute",
    "platform_knowledge",
    "personal_data",
    "accessibility",
    "consent_confirmed",
    "duration",
    "ends_on",
    "evaluation_plan",
    "ambassador_statement",
)


STEP_ACTIONS = {State.SUBMITTED: Action.APPROVED, State.CHEF_APPROVED: Action.ANCHORED}


def plan_url(plan):
    return reverse("activityplans:detail", args=[plan.pk])


def responsible_for(plan):
    return plan.account.responsible if plan.account_id else plan.applicant


def next_state(plan):
    chain = plan.chain
    return chain[chain.index(plan.state) + 1]


# -- applying ----------------------------------------------------------------------------


def role_as_drafter(actor, plan):
    """How the person who drafts, submits or withdraws a plan acts on it."""
    if actor.pk == plan.applicant_id:
        return _("Sökande")
    roles = actor.roles_over(plan.unit)
    for role in (
        Role.KOMMUNIKATIONSCHEF,
        Role.KOMMUNIKATIONSAVDELNINGEN,
        Role.KOMMUNIKATOR,
        Role.CHEF,
    ):
        if role in roles:
            return _("%(role)s, för %(person)s") % {
                "role": Role(role).label,
                "person": plan.applicant,
            }
    return _("För %(person)s") % {"person": plan.applicant}


def enter(plan, to_state, now):
    """Put the plan in `to_state`, with the reminder deadlines of a waiting step."""
    plan.state = to_state
    plan.state_changed_at = plan.updated_at = now
    if to_state in WAITING:
        plan.remind_at = add_working_days(now, REMIND_AFTER_WORKING_DAYS)
        plan.escalate_at = add_working_days(now, ESCALATE_AFTER_WORKING_DAYS)
    else:
        plan.remind_at = plan.escalate_at = None
    plan.save()


def write_event(plan, actor, action, from_state, role, comment="", *, at):
    """An event of a plan besides the one perform writes (a superseded version, a copy)."""
    return PlanEvent.write(
        plan,
        action,
        actor=actor,
        at=at,
        comment=comment,
        from_state=from_state,
        to_state=plan.state,
        role=role,
    )


def move(plan, to_state, actor, action, role, comment="", *, now):
    """Put the locked plan in `to_state` and write its event: a step that another
    transition takes on this plan (the version it supersedes, a plan withdrawn at a
    handover)."""
    from_state = plan.state
    enter(plan, to_state, now)
    return write_event(plan, actor, action, from_state, role, comment, at=now)


def assign_fields(plan, data):
    for name in PLAN_FIELDS_EDITABLE:
        if name in data:
            setattr(plan, name, data[name])
    if plan.duration == Duration.ONGOING:
        plan.ends_on = None
    if plan.assignment != Assignment.TAKEOVER and plan.previous_id is None:
        plan.account = None  # only a takeover or a new version names a register account


def _move(ctx, action, to_state, role, comment=""):
    enter(ctx.record, to_state, ctx.now)
    ctx.event_action = action
    ctx.event_fields["role"] = role
    ctx.comment = comment


def _announce_waiting(ctx):
    plan = ctx.record
    ctx.notify(
        routing.current_actor(plan, deputies=ctx.deputies),
        "plan_waiting",
        {"plan": plan},
        plan_url(plan),
    )


def apply_create(ctx):
    """A draft for the applicant (the parent: the actor, or someone in a chef's units)."""
    actor, now, applicant = ctx.actor, ctx.now, ctx.parent
    plan = Plan(created_by=actor, created_at=now, updated_at=now, state_changed_at=now)
    assign_fields(plan, {**ctx.data.get("fields", {}), "applicant": applicant})
    if plan.unit_id is None:
        plan.unit = applicant.unit
    plan.save()
    plan.reference = f"AP-{timezone.localdate(now).year}-{plan.pk:04d}"
    plan.save(update_fields=["reference"])
    plan.administrators.set(ctx.data.get("administrators", ()))
    ctx.event_fields = {"from_state": State.DRAFT, "role": role_as_drafter(actor, plan)}
    return plan


def apply_edit(ctx):
    plan = ctx.record
    assign_fields(plan, ctx.data.get("fields", {}))
    plan.updated_at = ctx.now
    plan.save()
    administrators = ctx.data.get("administrators")
    if administrators is not None:
        plan.administrators.set(administrators)


def apply_submit(ctx):
    plan, actor = ctx.record, ctx.actor
    errors = submission_errors(plan, timezone.localdate(ctx.now))
    if errors:
        raise ValidationError(errors)
    role = role_as_drafter(actor, plan)
    if plan.assignment == Assignment.MONITORING:
        _move(ctx, Action.NOTED, State.NOTED, role)
        chef = ctx.deputies.acting_for(routing.designated(plan, State.SUBMITTED))
        ctx.notify(chef, "plan_monitoring", {"plan": plan, "actor": actor}, plan_url(plan))
        return
    comment = _("Inskickad igen efter komplettering.") if plan.state == State.RETURNED else ""
    _move(ctx, Action.SUBMITTED, State.SUBMITTED, role, comment)
    _announce_waiting(ctx)


def _decided(ctx, action, to_state, comment):
    plan = ctx.record
    _move(ctx, action, to_state, routing.role_label(ctx.actor, plan, ctx.now), comment)


def _tell_applicant(ctx):
    plan, actor = ctx.record, ctx.actor
    # Read when perform sends it, after the decision's event is written.
    ctx.notify(
        plan.applicant,
        "plan_decision",
        lambda: {"plan": plan, "actor": actor, "event": plan.events.last()},
        plan_url(plan),
    )


def _comment(ctx, required_message=None):
    comment = (ctx.data.get("comment") or "").strip()
    if required_message and not comment:
        raise ValidationError({"comment": required_message})
    return comment


def apply_return(ctx):
    comment = _comment(ctx, _("Skriv vad som behöver kompletteras."))
    _decided(ctx, Action.RETURNED, State.RETURNED, comment)
    _tell_applicant(ctx)


def apply_reject(ctx):
    comment = _comment(ctx, _("Skriv varför planen avslås."))
    _decided(ctx, Action.REJECTED, State.REJECTED, comment)
    _tell_applicant(ctx)


def apply_approve(ctx):
    plan, comment = ctx.record, _comment(ctx)
    target = next_state(plan)
    from_state = plan.state
    if target == State.ESTABLISHED:
        url = ctx.data.get("url") or ""
        if url:
            try:
                url_key(url)
            except InvalidAccountURL as exc:
                raise ValidationError({"url": str(exc)}) from exc
            plan.url = url
        establish(plan, ctx.actor, ctx.now)
    action = Action.ESTABLISHED if target == State.ESTABLISHED else STEP_ACTIONS[from_state]
    _decided(ctx, action, target, comment)
    if target in WAITING:
        _announce_waiting(ctx)
    _tell_applicant(ctx)


def apply_withdraw(ctx):
    plan = ctx.record
    waiting_for = routing.current_actor(plan, deputies=ctx.deputies) if plan.is_waiting else None
    _move(ctx, Action.WITHDRAWN, State.WITHDRAWN, role_as_drafter(ctx.actor, plan), _comment(ctx))
    ctx.notify(waiting_for, "plan_withdrawn", {"plan": plan, "actor": ctx.actor}, plan_url(plan))


def apply_new_version(ctx):
    """A draft copy of an established plan, to change what it decided (purpose, audience,
    responsible person…); it goes through the whole approval flow again."""
    plan, actor, now = ctx.record, ctx.actor, ctx.now
    data = {name: getattr(plan, name) for name in PLAN_FIELDS_EDITABLE}
    data["applicant"] = responsible_for(plan)
    copy = Plan(
        created_by=actor,
        previous=plan,
        version=plan.version + 1,
        reference=plan.reference,
        created_at=now,
        updated_at=now,
        state_changed_at=now,
    )
    assign_fields(copy, data)
    copy.save()
    copy.administrators.set(plan.administrators.all())
    write_event(
        copy,
        actor,
        Action.CREATED,
        State.DRAFT,
        role_as_drafter(actor, copy),
        _("Ny version av fastställd plan."),
        at=now,
    )
    return copy


def apply_evaluate(ctx):
    plan, actor, now = ctx.record, ctx.actor, ctx.now
    evaluation = Evaluation.objects.select_for_update().get(pk=ctx.data["evaluation"].pk)
    if evaluation.submitted_at is not None:  # re-read under the lock
        raise ctx.workflow.conflict_type(_("Utvärderingen är redan lämnad."))
    answers = ctx.data.get("answers", {})
    for name in ("goals_met", "reach", "questions_handling", "outcome", "comment"):
        setattr(evaluation, name, answers.get(name, ""))
    evaluation.submitted_at = now
    evaluation.submitted_by = actor
    evaluation.save()
    ctx.event_fields["role"] = _("Ansvarig")
    ctx.comment = evaluation.get_outcome_display()
    communicator = ctx.deputies.acting_for(routing.communicator_for(plan))
    ctx.notify(
        communicator,
        "plan_evaluation",
        {"plan": plan, "evaluation": evaluation, "actor": actor},
        plan_url(plan),
    )
    ongoing = plan.duration == Duration.ONGOING or (
        plan.ends_on and plan.ends_on > evaluation.due_on
    )
    if evaluation.outcome != Outcome.CLOSE and ongoing:
        next_due = a_year_after(evaluation.due_on)
        if plan.ends_on and plan.ends_on < next_due:
            next_due = plan.ends_on
        Evaluation.objects.get_or_create(plan=plan, due_on=next_due)
    return evaluation


# -- establishing ------------------------------------------------------------------------


def establish(plan, actor, now):
    """Put the account on the register (or update the existing one) as the plan says."""
    if not plan.url and plan.account_id is None:
        raise ValidationError(
            {"url": _("Ange kontots adress. Kontot förs in i registret som aktivt.")}
        )
    communicator = routing.communicator_for(plan)
    administrators = {a.pk for a in plan.administrators.all()}
    if communicator is not None:
        administrators.add(communicator.pk)
    data = {
        "kind": Kind.AMBASSADOR
        if plan.assignment == Assignment.AMBASSADOR
        else plan.account_kind or Kind.SERVICE,
        "unit": plan.unit,
        "responsible": plan.applicant,
        "substitute": plan.substitute,
        "purpose": plan.purpose,
        "audience": plan.audience,
        "status": Status.ACTIVE,
        "plan_reference": plan.reference,
    }
    if plan.accessibility.strip():
        data["accessibility_practice"] = plan.accessibility
    for name, account_field in (
        ("platform", "platform"),
        ("account_name", "display_name"),
        ("handle", "handle"),
        ("url", "url"),
    ):
        if getattr(plan, name):
            data[account_field] = getattr(plan, name)
    if plan.account_id:
        if plan.account.kind == Kind.MAIN and plan.assignment != Assignment.AMBASSADOR:
            data["kind"] = Kind.MAIN
        account = update_account(
            actor, plan.account_id, data, administrators, fields=PLAN_FIELDS, now=now
        )
    else:
        account = register_account(actor, data, administrators, fields=PLAN_FIELDS, now=now)
    plan.account = account
    plan.established_at = now
    if plan.previous_id:
        previous = Plan.objects.select_for_update().get(pk=plan.previous_id)
        move(
            previous,
            State.SUPERSEDED,
            actor,
            Action.SUPERSEDED,
            "",
            _("Ersatt av version %(version)s.") % {"version": plan.version},
            now=now,
        )
    schedule_evaluation(plan, now)


def a_year_after(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def schedule_evaluation(plan, now):
    due = a_year_after(timezone.localdate(now))
    if plan.duration == Duration.LIMITED and plan.ends_on and plan.ends_on < due:
        due = plan.ends_on
    Evaluation.objects.get_or_create(plan=plan, due_on=due)
