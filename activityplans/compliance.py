"""Overdue evaluations, for the compliance overview."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.worklist import SECTION_ROWS, ComplianceEntry, ComplianceSection

from .models import Evaluation, Plan, State
from .services import responsible_for


def sections(user, now):
    today = timezone.localdate(now)
    visible = Plan.objects.visible_to(user, day=today).filter(state=State.ESTABLISHED)
    overdue = (
        Evaluation.objects.overdue(today)
        .filter(plan__in=visible)
        .select_related(
            "plan", "plan__account", "plan__account__responsible", "plan__applicant", "plan__unit"
        )
        .order_by("due_on", "id")
    )
    entries = [
        ComplianceEntry(
            url=reverse("activityplans:detail", args=[e.plan_id]),
            text=e.plan.title,
            detail=_("skulle lämnas %(date)s, ansvarig %(person)s")
            % {"date": formats.date_format(e.due_on, "Y-m-d"), "person": responsible_for(e.plan)},
        )
        for e in overdue[:SECTION_ROWS]
    ]
    return [
        ComplianceSection(
            id="utvardering",
            title=_("Utvärdering av uppdraget är försenad"),
            count=overdue.count(),
            entries=entries,
            empty=_("Inga försenade utvärderingar."),
            remedy=_("Utvärderingen lämnas av den ansvarige på planens sida."),
            account_ids=overdue.exclude(plan__account=None).values_list("plan__account", flat=True),
        )
    ]
