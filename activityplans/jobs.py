"""Sweeps over plans and evaluations. Each takes `now`, is idempotent and safe to run
in two processes at once: a reminder is sent only by whoever inserts its unique
Reminder row (notifications.services.notify_once)."""

import datetime

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from notifications.models import Reminder
from notifications.rendering import loader
from notifications.services import Reminders, link_format, notify_once
from organisation.deputies import Deputies

from . import routing
from .models import Evaluation, Plan, State
from .services import plan_url


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


EVALUATION_KINDS = ("evaluation_due", "evaluation_overdue")
evaluation_contexts = loader(
    plan=Plan.objects.select_related("account"), evaluation=Evaluation.objects.all()
)  # the title is the account's name


def remind_evaluations(now):
    """Remind the responsible person 14 days before an evaluation is due, and again
    when it is overdue.

    One query finds the evaluations whose reminder of the stage they are in was not
    sent (by the unique Reminder index); the reminders go out together (Reminders)."""
    today = timezone.localdate(now)
    subject = OuterRef("reminder_subject")
    due = (
        Evaluation.objects.pending()
        .filter(plan__state=State.ESTABLISHED, due_on__lte=today + EVALUATION_NOTICE)
        .annotate(reminder_subject=Concat(Value("evaluation:"), Cast("pk", CharField())))
        .annotate(
            sent_due=Exists(Reminder.objects.filter(subject=subject, stage="due")),
            sent_overdue=Exists(Reminder.objects.filter(subject=subject, stage="overdue")),
        )
        .filter(Q(due_on__gte=today, sent_due=False) | Q(due_on__lt=today, sent_overdue=False))
        .values_list(
            "pk", "due_on", "plan_id", "plan__account__responsible_id", "plan__applicant_id"
        )
    )
    reminders = Reminders(now, unsent_only=True)
    url = link_format("activityplans:detail")  # transitions.plan_url, once
    for pk, due_on, plan, account_responsible, applicant in due:
        stage = "overdue" if due_on < today else "due"
        reminders.add(
            f"evaluation:{pk}",
            stage,
            [account_responsible or applicant],  # services.responsible_for
            f"evaluation_{stage}",
            {"plan": plan, "evaluation": pk},
            url.format(plan),
        )
    return reminders.send()
