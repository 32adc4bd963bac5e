"""What plans and evaluations wait for a user, for "Att göra"."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import durations
from core.worklist import OVERDUE, SOON, TodoItem, start_of_day
from organisation.deputies import Deputies
from organisation.workdays import add_working_days

from . import routing
from .models import Evaluation, Plan, State


def waiting_for(user, at):
    """Plans whose current step the user may decide at `at` (the caller's now), oldest
    first."""
    deputies = Deputies.at(at)
    candidates = list(
        Plan.objects.waiting()
        .visible_to(user, deputies=deputies)
        .exclude(applicant=user)
        .select_related("applicant", "unit", "unit__forvaltning", "account")
        .order_by("state_changed_at", "id")
    )
    # The deciders of every candidate from a constant number of queries.
    plans = routing.Routing(candidates)
    return [
        plan
        for plan in candidates
        if routing.may_decide(user, plan, deputies=deputies, routing=plans)
    ]


def items(user, now):
    """A plan waiting for a decision, or returned to its applicant, is due since it
    began to wait; an evaluation on its date (shown from 30 days before)."""
    found = []
    for plan in waiting_for(user, now):
        found.append(
            TodoItem(
                title=_("Beslut: %(plan)s") % {"plan": plan.title},
                detail=_("%(state)s sedan %(date)s (väntar i %(span)s), sökande %(applicant)s")
                % {
                    "state": plan.get_state_display(),
                    "date": formats.date_format(timezone.localtime(plan.state_changed_at), "j F Y"),
                    "span": durations.describe(now - plan.state_changed_at),
                    "applicant": plan.applicant,
                },
                url=reverse("activityplans:detail", args=[plan.pk]),
                kind=_("Aktivitetsplan"),
                due_at=plan.state_changed_at,
                # The reminder goes out after five working days in a step.
                urgency=OVERDUE if add_working_days(plan.state_changed_at, 5) <= now else "",
            )
        )
    for plan in Plan.objects.filter(state=State.RETURNED, applicant=user).order_by(
        "state_changed_at"
    ):
        found.append(
            TodoItem(
                title=_("Komplettera och skicka in: %(plan)s") % {"plan": plan.title},
                detail=_("Planen har skickats tillbaka för komplettering."),
                url=reverse("activityplans:detail", args=[plan.pk]),
                kind=_("Aktivitetsplan"),
                due_at=plan.state_changed_at,
            )
        )
    today = timezone.localdate(now)
    # The user's own: whoever answers for the plan's account, else its applicant
    # (services.responsible_for), asked in SQL, not row by row.
    evaluations = (
        Evaluation.objects.pending()
        .filter(plan__state=State.ESTABLISHED, due_on__lte=today + datetime.timedelta(days=30))
        .filter(
            Q(plan__account__responsible=user) | Q(plan__account__isnull=True, plan__applicant=user)
        )
        .select_related("plan")
        .order_by("due_on", "id")
    )
    for evaluation in evaluations:
        found.append(
            TodoItem(
                title=_("Utvärdera uppdraget: %(plan)s") % {"plan": evaluation.plan.title},
                detail=(
                    _("Skulle ha lämnats senast %(date)s")
                    if evaluation.due_on < today
                    else _("Ska lämnas senast %(date)s")
                )
                % {"date": formats.date_format(evaluation.due_on, "j F Y")},
                url=reverse("activityplans:evaluate", args=[evaluation.pk]),
                kind=_("Utvärdering"),
                due_at=start_of_day(evaluation.due_on),
                urgency=OVERDUE
                if evaluation.due_on < today
                else SOON
                if evaluation.due_on <= today + datetime.timedelta(days=7)
                else "",
            )
        )
    return found
