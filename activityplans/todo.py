"""What plans and evaluations wait for a user, for "Att göra"."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import durations
from core.worklist import OVERDUE, SECTION_ROWS, SOON, TodoItem, start_of_day
from organisation.deputies import Deputies
from organisation.models import RoleAssignment
from organisation.workdays import add_working_days

from . import routing
from .models import WAITING, Evaluation, Plan, State


def waiting_ids(user, at):
    """Ids and waiting-since moments of the plans whose current step the user may decide
    at `at` (the caller's now), oldest first, as [(id, state_changed_at)].

    Who decides a step depends on the plan's state, unit and applicant only (routing:
    the state's role up the unit's tree, never the applicant; the day's deputies), so
    the candidates come as rows of those, and the routing is asked once per distinct
    (state, unit, applicant) on one plan loaded for it: a kommunikationschef with
    thousands of anchored plans costs a few hundred checks, not a model per plan."""
    deputies = Deputies.at(at)
    # Only the steps whose deciding role (routing.roles_deciding) someone holds whose
    # work may come to the user today: nobody else decides anything, whatever waits.
    roles = set(
        RoleAssignment.objects.filter(user__in=deputies.chained_to(user)).values_list(
            "role", flat=True
        )
    )
    states = [state for state in WAITING if routing.roles_deciding(state) & roles]
    rows = list(
        Plan.objects.filter(state__in=states)
        .visible_to(user, deputies=deputies)
        .exclude(applicant=user)
        .order_by("state_changed_at", "id")
        .values_list("pk", "state_changed_at", "state", "unit_id", "applicant_id")
    )
    sample = {}
    for pk, _since, *key in rows:
        sample.setdefault(tuple(key), pk)
    samples = list(Plan.objects.filter(pk__in=sample.values()).select_related("applicant", "unit"))
    plans = routing.Routing(samples)  # the deciders from a constant number of queries
    decided = {
        (plan.state, plan.unit_id, plan.applicant_id)
        for plan in samples
        if routing.may_decide(user, plan, deputies=deputies, routing=plans)
    }
    return [(pk, since) for pk, since, *key in rows if tuple(key) in decided]


def plans_of(ids):
    """The plans of `ids`, in that order, with what a list of them shows."""
    by_id = Plan.objects.select_related(
        "applicant", "unit", "unit__forvaltning", "account"
    ).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def waiting_for(user, at):
    """Plans whose current step the user may decide at `at` (the caller's now), oldest
    first (every one of them; a list shows the first of waiting_ids())."""
    return plans_of([pk for pk, _since in waiting_ids(user, at)])


def items(user, now):
    """A plan waiting for a decision, or returned to its applicant, is due since it
    began to wait; an evaluation on its date (shown from 30 days before)."""
    found = []
    waiting = waiting_ids(user, now)
    for plan in plans_of([pk for pk, _since in waiting[:SECTION_ROWS]]):
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
    if len(waiting) > SECTION_ROWS:
        # The rest in one row, where the first of them would sort: the plan list pages
        # through all of them, so "Att göra" stays the same size for a large kommun.
        more = len(waiting) - SECTION_ROWS
        found.append(
            TodoItem(
                title=ngettext(
                    "%(n)d aktivitetsplan till väntar på ditt beslut",
                    "%(n)d aktivitetsplaner till väntar på ditt beslut",
                    more,
                )
                % {"n": more},
                detail=_("Alla som väntar på ditt beslut finns under Aktivitetsplaner."),
                url=reverse("activityplans:list") + "#waiting-heading",
                kind=_("Aktivitetsplan"),
                due_at=waiting[SECTION_ROWS][1],
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
