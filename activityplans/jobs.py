"""Sweeps over plans and evaluations. Each takes `now`, is idempotent and safe to run
in two processes at once: a reminder is sent only by whoever inserts its unique
Reminder row (notifications.services.notify_once)."""

import datetime

from django.db import transaction
from django.utils import timezone

from notifications.services import notify_once
from organisation.deputies import Deputies

from . import routing
from .models import Evaluation, Plan, State
from .services import plan_url, responsible_for


def _step_key(plan):
    """One key per passage through a step: a returned and resubmitted plan is a new passage."""
    return f"plan:{plan.pk}:{plan.state}:{plan.state_changed_at.isoformat()}"


def remind_waiting_plans(now):
    """5 working days in a step: remind whoever the plan waits for. 10 working days:
    tell the förvaltningskommunikatör (or the kommunikationschef, if the plan waits for
    the communicator). Each through whoever does their work today."""
    deputies = Deputies.at(now)
    sent = 0
    for field, stage in (("remind_at", "remind"), ("escalate_at", "escalate")):
        due = Plan.objects.waiting().filter(**{f"{field}__lte": now}).values_list("pk", flat=True)
        for plan_id in list(due):
            with transaction.atomic():
                # Lock the plan row only: its applicant and unit are shared with other plans
                # and locking them would make a concurrent sweep skip those plans too.
                plan = (
                    Plan.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(
                        pk=plan_id, state__in=[State.SUBMITTED, State.CHEF_APPROVED, State.ANCHORED]
                    )
                    .filter(**{f"{field}__lte": now})
                    .select_related("applicant", "unit")
                    .first()
                )
                if plan is None:
                    continue
                actor = routing.current_actor(plan, deputies=deputies)
                if stage == "remind":
                    recipients, kind = [actor], "plan_reminder"
                else:
                    communicator = routing.communicator_for(plan)
                    if communicator is None or (actor is not None and communicator.pk == actor.pk):
                        communicator = routing.kommunikationschef(exclude=plan.applicant)
                    recipients, kind = [deputies.acting_for(communicator)], "plan_escalation"
                context = {"plan": plan, "waiting_for": actor, "since": plan.state_changed_at}
                if notify_once(
                    _step_key(plan), stage, recipients, kind, context, plan_url(plan), now=now
                ):
                    sent += 1
                Plan.objects.filter(pk=plan.pk).update(**{field: None})
    return sent


EVALUATION_NOTICE = datetime.timedelta(days=14)


def remind_evaluations(now):
    """Remind the responsible person 14 days before an evaluation is due, and again
    when it is overdue."""
    today = timezone.localdate(now)
    sent = 0
    pending = Evaluation.objects.pending().filter(
        plan__state=State.ESTABLISHED, due_on__lte=today + EVALUATION_NOTICE
    )
    for evaluation in pending.select_related("plan", "plan__account", "plan__applicant"):
        stage = "overdue" if evaluation.due_on < today else "due"
        with transaction.atomic():
            person = responsible_for(evaluation.plan)
            if notify_once(
                f"evaluation:{evaluation.pk}",
                stage,
                [person],
                f"evaluation_{stage}",
                {"plan": evaluation.plan, "evaluation": evaluation},
                plan_url(evaluation.plan),
                now=now,
            ):
                sent += 1
    return sent
