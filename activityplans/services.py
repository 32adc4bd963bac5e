"""Every change to an Aktivitetsplan goes through here.

Each function runs in one transaction, locks the plan row, re-checks its state, writes
an append-only PlanEvent and writes its notifications to the outbox. A second identical
request (double click, two tabs, two substitutes) finds the state changed and gets a
PlanConflict, never a second transition.

Size: every transition of the plan and its evaluation, with submission_errors' list of
the form's rules; the workflow kernel is to take the transitions over, and the module is
not split before then so that the code moves once.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Kind, Status
from accounts.services import PLAN_FIELDS, register_account, update_account
from accounts.urlkeys import InvalidAccountURL, url_key
from notifications.services import notify
from organisation.deputies import Deputies
from organisation.models import Role
from organisation.workdays import add_working_days

from . import routing
from .models import (
    FINAL,
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


class PlanConflict(Exception):
    """The plan is no longer in the state the request expected."""


def plan_url(plan):
    return reverse("activityplans:detail", args=[plan.pk])


# -- drafting ---------------------------------------------------------------------------


def may_draft_for(actor, applicant):
    """A person drafts their own plan; a chef may also draft for someone in their units."""
    if actor.pk == applicant.pk:
        return True
    return applicant.unit_id is not None and Role.CHEF in actor.roles_over(applicant.unit)


def may_edit(actor, plan):
    return plan.is_editable and actor.pk in (plan.applicant_id, plan.created_by_id)


def create_draft(actor, data, administrators=(), *, now):
    applicant = data.get("applicant") or actor
    if not may_draft_for(actor, applicant):
        raise PermissionDenied(_("Du kan bara upprätta planer för dig själv eller din personal."))
    with transaction.atomic():
        plan = Plan(created_by=actor, created_at=now, updated_at=now, state_changed_at=now)
        _apply(plan, {**data, "applicant": applicant})
        if plan.unit_id is None:
            plan.unit = applicant.unit
        plan.save()
        plan.reference = f"AP-{timezone.localdate(now).year}-{plan.pk:04d}"
        plan.save(update_fields=["reference"])
        plan.administrators.set(administrators)
        role = _role_as_drafter(actor, plan)
        _event(plan, actor, Action.CREATED, State.DRAFT, State.DRAFT, role, at=now)
    return plan


def save_draft(actor, plan_id, data, administrators=None, *, now):
    with transaction.atomic():
        plan = _locked(plan_id)
        if not plan.is_editable:
            raise PlanConflict(_("Planen är %(state)s och kan inte ändras.") % _state(plan))
        if not may_edit(actor, plan):
            raise PermissionDenied(
                _("Bara den sökande eller den som upprättade planen kan ändra den.")
            )
        applicant = data.get("applicant") or plan.applicant
        if applicant.pk != plan.applicant_id and not may_draft_for(actor, applicant):
            raise PermissionDenied(
                _("Du kan bara upprätta planer för dig själv eller din personal.")
            )
        _apply(plan, data)
        plan.updated_at = now
        plan.save()
        if administrators is not None:
            plan.administrators.set(administrators)
    return plan


def _apply(plan, data):
    for name in PLAN_FIELDS_EDITABLE:
        if name in data:
            setattr(plan, name, data[name])
    if plan.duration == Duration.ONGOING:
        plan.ends_on = None
    if plan.assignment != Assignment.TAKEOVER and plan.previous_id is None:
        plan.account = None  # only a takeover or a new version names a register account


# -- submission ---------------------------------------------------------------------------

# Besides the purpose, which every plan needs (checked first).
REQUIRED_TEXT = (
    "goals",
    "audience",
    "complements",
    "content_plan",
    "frequency",
    "time_allocated",
    "platform_knowledge",
    "personal_data",
    "evaluation_plan",
)


def submission_errors(plan, today):
    """Every missing or inconsistent field, as {field: [message]} ("__all__" for the
    plan as a whole). Empty when the plan can be submitted."""
    errors = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    required = _("Fyll i det här fältet innan du skickar in planen.")
    if not plan.platform:
        add("platform", _("Välj plattform."))
    if not plan.purpose.strip():
        add("purpose", required)
    if plan.assignment == Assignment.MONITORING:
        if routing.designated(plan, State.SUBMITTED) is None:
            add(
                "__all__",
                _("Enheten har ingen chef som kan informeras. Kontakta systemadministratören."),
            )
        return errors

    for name in REQUIRED_TEXT:
        if not getattr(plan, name).strip():
            add(name, required)
    if not plan.answers_within_48h:
        add(
            "answers_within_48h",
            _("Bekräfta att ni har tid att hantera frågor och olämpliga inlägg inom 48 timmar."),
        )
    if not plan.consent_confirmed:
        add(
            "consent_confirmed",
            _("Bekräfta att du inhämtar samtycke innan du fotograferar eller namnger någon."),
        )

    account = plan.account
    if plan.assignment == Assignment.TAKEOVER or plan.previous_id:
        if account is None:
            add("account", _("Välj kontot i registret som ska tas över."))
        elif account.status == Status.CLOSED:
            add("account", _("Kontot är avslutat och kan inte tas över."))
    elif not plan.account_name.strip():
        add("account_name", _("Ange vad kontot ska heta."))
    if plan.assignment == Assignment.NEW_ACCOUNT and not plan.previous_id and not plan.account_kind:
        add("account_kind", _("Välj typ av konto."))
    if plan.assignment == Assignment.AMBASSADOR:
        if not plan.url:
            add("url", _("Ange adressen till ditt personliga konto."))
        if not plan.ambassador_statement:
            add(
                "ambassador_statement",
                _("Kontot ska ange att det används i tjänsten för kommunen."),
            )
    if plan.url:
        try:
            key = url_key(plan.url)
        except InvalidAccountURL as exc:
            add("url", str(exc))
        else:
            clash = Account.objects.filter(url_key=key).exclude(pk=plan.account_id).first()
            if clash is not None:
                add(
                    "url",
                    _(
                        "Adressen finns redan i registret (%(account)s). Välj ”Ta över ett befintligt konto” i stället."
                    )
                    % {"account": clash},
                )

    admins = list(plan.administrators.all())
    communicator = routing.communicator_for(plan)
    others = [a for a in admins if communicator is None or a.pk != communicator.pk]
    if len(others) < 2:
        add(
            "administrators", _("Ange minst två administratörer utöver förvaltningskommunikatören.")
        )
    if plan.substitute_id is None:
        add("substitute", _("Ange en ersättare som tar över när du är borta."))
    elif plan.substitute_id == plan.applicant_id:
        add("substitute", _("Ersättaren ska vara en annan person än du."))
    if plan.duration == Duration.LIMITED:
        if plan.ends_on is None:
            add("ends_on", _("Ange till och med vilket datum aktiviteten pågår."))
        elif plan.ends_on <= today:
            add("ends_on", _("Slutdatumet ska ligga i framtiden."))
    if routing.designated(plan, State.SUBMITTED) is None:
        add(
            "__all__",
            _("Enheten har ingen chef som kan godkänna uppdraget. Kontakta systemadministratören."),
        )
    elif any(routing.designated(plan, state) is None for state in plan.chain[2:-1]):
        add(
            "__all__",
            _(
                "Det finns ingen annan än du som kan fatta beslut i ett av stegen. Kontakta kommunikationsavdelningen."
            ),
        )
    if (
        plan.unit_id
        and plan.applicant.unit_id
        and plan.unit_id not in plan.applicant.unit.ancestor_ids
    ):
        add("unit", _("Välj din egen enhet eller en enhet ovanför den."))
    return errors


def submit(actor, plan_id, *, now):
    with transaction.atomic():
        plan = _locked(plan_id)
        if not plan.is_editable:
            raise PlanConflict(_("Planen är redan %(state)s.") % _state(plan))
        if not may_edit(actor, plan):
            raise PermissionDenied(
                _("Bara den sökande eller den som upprättade planen kan skicka in den.")
            )
        errors = submission_errors(plan, timezone.localdate(now))
        if errors:
            raise ValidationError(errors)
        role = _role_as_drafter(actor, plan)
        if plan.assignment == Assignment.MONITORING:
            _move(plan, actor, Action.NOTED, State.NOTED, now, role)
            chef = Deputies.at(now).acting_for(routing.designated(plan, State.SUBMITTED))
            notify(
                chef, "plan_monitoring", {"plan": plan, "actor": actor}, url=plan_url(plan), now=now
            )
            return plan
        comment = _("Inskickad igen efter komplettering.") if plan.state == State.RETURNED else ""
        _move(plan, actor, Action.SUBMITTED, State.SUBMITTED, now, role, comment)
        _announce_waiting(plan, now)
    return plan


# -- decisions ---------------------------------------------------------------------------

APPROVE, RETURN, REJECT = "approve", "return", "reject"

STEP_ACTIONS = {State.SUBMITTED: Action.APPROVED, State.CHEF_APPROVED: Action.ANCHORED}


def next_state(plan):
    chain = plan.chain
    return chain[chain.index(plan.state) + 1]


def decide(actor, plan_id, expected_state, decision, comment="", url="", *, now):
    """Approve, return or reject the step the plan waits in. `expected_state` is the
    state the actor saw; if the plan has moved on, nothing happens but a PlanConflict."""
    comment = (comment or "").strip()
    with transaction.atomic():
        plan = _locked(plan_id)
        if plan.state != expected_state or not plan.is_waiting:
            raise PlanConflict(
                _(
                    "Planen har redan hanterats i det här steget och är nu %(state)s. Ingenting ändrades."
                )
                % _state(plan)
            )
        if not routing.may_decide(actor, plan, now):
            if actor.pk == plan.applicant_id:
                raise PermissionDenied(_("Du kan inte fatta beslut om din egen plan."))
            raise PermissionDenied(_("Planen väntar inte på ditt beslut."))
        role = routing.role_label(actor, plan, now)
        if decision == RETURN:
            if not comment:
                raise ValidationError({"comment": _("Skriv vad som behöver kompletteras.")})
            _move(plan, actor, Action.RETURNED, State.RETURNED, now, role, comment)
        elif decision == REJECT:
            if not comment:
                raise ValidationError({"comment": _("Skriv varför planen avslås.")})
            _move(plan, actor, Action.REJECTED, State.REJECTED, now, role, comment)
        elif decision == APPROVE:
            target = next_state(plan)
            if target == State.ESTABLISHED:
                if url:
                    try:
                        url_key(url)
                    except InvalidAccountURL as exc:
                        raise ValidationError({"url": str(exc)}) from exc
                    plan.url = url
                _establish(plan, actor, now)
            action = Action.ESTABLISHED if target == State.ESTABLISHED else STEP_ACTIONS[plan.state]
            _move(plan, actor, action, target, now, role, comment)
            if target in WAITING:
                _announce_waiting(plan, now)
        else:
            raise ValueError(decision)
        notify(
            plan.applicant,
            "plan_decision",
            {"plan": plan, "actor": actor, "event": plan.events.last()},
            url=plan_url(plan),
            now=now,
        )
    return plan


def withdraw(actor, plan_id, comment="", *, now):
    with transaction.atomic():
        plan = _locked(plan_id)
        if plan.state in FINAL:
            raise PlanConflict(_("Planen är %(state)s och kan inte återkallas.") % _state(plan))
        if actor.pk not in (plan.applicant_id, plan.created_by_id):
            raise PermissionDenied(_("Bara den sökande kan återkalla planen."))
        waiting_for = routing.current_actor(plan, now) if plan.is_waiting else None
        _move(
            plan,
            actor,
            Action.WITHDRAWN,
            State.WITHDRAWN,
            now,
            _role_as_drafter(actor, plan),
            comment.strip(),
        )
        if waiting_for is not None:
            notify(
                waiting_for,
                "plan_withdrawn",
                {"plan": plan, "actor": actor},
                url=plan_url(plan),
                now=now,
            )
    return plan


def _establish(plan, actor, now):
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
        _move(
            previous,
            actor,
            Action.SUPERSEDED,
            State.SUPERSEDED,
            now,
            "",
            _("Ersatt av version %(version)s.") % {"version": plan.version},
        )
    _schedule_evaluation(plan, now)


# -- new versions ------------------------------------------------------------------------


def may_start_new_version(actor, plan):
    if plan.state != State.ESTABLISHED:
        return False
    if actor.pk in (plan.applicant_id, plan.account.responsible_id if plan.account_id else None):
        return True
    roles = actor.roles_over(plan.unit)
    return bool(
        roles
        & {Role.CHEF, Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF, Role.KOMMUNIKATIONSAVDELNINGEN}
    )


def start_new_version(actor, plan_id, *, now):
    """A draft copy of an established plan, to change what it decided (purpose, audience,
    responsible person…); it goes through the whole approval flow again."""
    with transaction.atomic():
        plan = _locked(plan_id)
        if not may_start_new_version(actor, plan):
            raise PermissionDenied(_("Du kan inte starta en ny version av den här planen."))
        pending = plan.next_versions.exclude(state__in=FINAL).first()
        if pending is not None:
            raise PlanConflict(
                _("Det finns redan en ny version under arbete: %(plan)s.")
                % {"plan": pending.reference}
            )
        data = {name: getattr(plan, name) for name in PLAN_FIELDS_EDITABLE}
        data["applicant"] = plan.account.responsible if plan.account_id else plan.applicant
        copy = Plan(
            created_by=actor,
            previous=plan,
            version=plan.version + 1,
            reference=plan.reference,
            created_at=now,
            updated_at=now,
            state_changed_at=now,
        )
        _apply(copy, data)
        copy.save()
        copy.administrators.set(plan.administrators.all())
        _event(
            copy,
            actor,
            Action.CREATED,
            State.DRAFT,
            State.DRAFT,
            _role_as_drafter(actor, copy),
            _("Ny version av fastställd plan."),
            at=now,
        )
    return copy


DIFF_FIELDS = (
    "applicant",
    "unit",
    "account_name",
    "handle",
    "url",
    "purpose",
    "goals",
    "audience",
    "complements",
    "content_plan",
    "frequency",
    "time_allocated",
    "substitute",
    "platform_knowledge",
    "personal_data",
    "accessibility",
    "duration",
    "ends_on",
    "evaluation_plan",
)


def changes_since_approved(plan):
    """[(label, approved value, this version's value)] for every field that differs from
    the approved version this plan would replace."""
    previous = plan.previous
    if previous is None:
        return []
    changes = []
    for name in DIFF_FIELDS:
        field = Plan._meta.get_field(name)
        old, new = _display(previous, field), _display(plan, field)
        if old != new:
            changes.append((field.verbose_name, old, new))
    old_admins = ", ".join(sorted(str(u) for u in previous.administrators.all()))
    new_admins = ", ".join(sorted(str(u) for u in plan.administrators.all()))
    if old_admins != new_admins:
        changes.append(
            (Plan._meta.get_field("administrators").verbose_name, old_admins, new_admins)
        )
    return changes


def _display(plan, field):
    value = getattr(plan, field.name)
    if field.choices:
        return str(getattr(plan, f"get_{field.name}_display")())
    return "" if value is None else str(value)


# -- evaluations -------------------------------------------------------------------------


def _a_year_after(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _schedule_evaluation(plan, now):
    due = _a_year_after(timezone.localdate(now))
    if plan.duration == Duration.LIMITED and plan.ends_on and plan.ends_on < due:
        due = plan.ends_on
    Evaluation.objects.get_or_create(plan=plan, due_on=due)


def responsible_for(plan):
    return plan.account.responsible if plan.account_id else plan.applicant


def may_evaluate(actor, evaluation):
    plan = evaluation.plan
    return plan.state == State.ESTABLISHED and actor.pk in (
        plan.applicant_id,
        responsible_for(plan).pk,
    )


def submit_evaluation(actor, evaluation_id, data, *, now):
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update().select_related("plan").get(pk=evaluation_id)
        )
        if evaluation.submitted_at is not None:
            raise PlanConflict(_("Utvärderingen är redan lämnad."))
        if not may_evaluate(actor, evaluation):
            raise PermissionDenied(_("Bara den ansvarige kan lämna utvärderingen."))
        for name in ("goals_met", "reach", "questions_handling", "outcome", "comment"):
            setattr(evaluation, name, data.get(name, ""))
        evaluation.submitted_at = now
        evaluation.submitted_by = actor
        evaluation.save()
        plan = evaluation.plan
        _event(
            plan,
            actor,
            Action.EVALUATED,
            plan.state,
            plan.state,
            _("Ansvarig"),
            evaluation.get_outcome_display(),
            at=now,
        )
        communicator = Deputies.at(now).acting_for(routing.communicator_for(plan))
        if communicator is not None:
            notify(
                communicator,
                "plan_evaluation",
                {"plan": plan, "evaluation": evaluation, "actor": actor},
                url=plan_url(plan),
                now=now,
            )
        ongoing = plan.duration == Duration.ONGOING or (
            plan.ends_on and plan.ends_on > evaluation.due_on
        )
        if evaluation.outcome != Outcome.CLOSE and ongoing:
            next_due = _a_year_after(evaluation.due_on)
            if plan.ends_on and plan.ends_on < next_due:
                next_due = plan.ends_on
            Evaluation.objects.get_or_create(plan=plan, due_on=next_due)
    return evaluation


# -- helpers -----------------------------------------------------------------------------


def _locked(plan_id):
    # of=("self",): lock the plan row only, not its applicant and unit (shared by other plans).
    return (
        Plan.objects.select_for_update(of=("self",))
        .select_related("applicant", "unit")
        .get(pk=plan_id)
    )


def _state(plan):
    return {"state": plan.get_state_display().lower()}


def _role_as_drafter(actor, plan):
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


def _event(plan, actor, action, from_state, to_state, role, comment="", *, at):
    return PlanEvent.write(
        plan,
        action,
        actor=actor,
        at=at,
        comment=comment,
        from_state=from_state,
        to_state=to_state,
        role=role,
    )


def _move(plan, actor, action, to_state, now, role, comment=""):
    from_state = plan.state
    plan.state = to_state
    plan.state_changed_at = plan.updated_at = now
    if to_state in WAITING:
        plan.remind_at = add_working_days(now, REMIND_AFTER_WORKING_DAYS)
        plan.escalate_at = add_working_days(now, ESCALATE_AFTER_WORKING_DAYS)
    else:
        plan.remind_at = plan.escalate_at = None
    plan.save()
    _event(plan, actor, action, from_state, to_state, role, comment, at=now)


def _announce_waiting(plan, now):
    person = routing.current_actor(plan, now)
    if person is not None:
        notify(person, "plan_waiting", {"plan": plan}, url=plan_url(plan), now=now)


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
    their own plan); established plans stay as the record of what was decided."""
    for plan in Plan.objects.filter(applicant=old).exclude(state__in=FINAL):
        with transaction.atomic():
            plan = _locked(plan.pk)
            _move(
                plan,
                actor,
                Action.WITHDRAWN,
                State.WITHDRAWN,
                now,
                _("Överlämning"),
                _("%(person)s har slutat; %(successor)s tar över.")
                % {"person": old, "successor": successor},
            )
