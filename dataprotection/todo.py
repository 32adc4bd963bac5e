"""What assessments wait for a user, for "Att göra": the dataskyddsombud's decisions,
kommunikationsavdelningen's returned drafts and reviews that are due."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.worklist import OVERDUE, TodoItem, start_of_day

from .models import Assessment, State
from .workflow import may_decide, may_write


def items(user, now):
    found = []
    if may_decide(user):
        for assessment in Assessment.objects.filter(state=State.SUBMITTED).select_related(
            "account"
        ):
            found.append(
                TodoItem(
                    title=_("Godkänn: %(name)s") % {"name": assessment},
                    url=reverse("dataprotection:detail", args=[assessment.pk]),
                    kind=_("Dataskydd"),
                    due_at=assessment.submitted_at or now,
                )
            )
    if may_write(user):
        today = timezone.localdate(now)
        for assessment in Assessment.objects.filter(state=State.RETURNED).select_related("account"):
            found.append(
                TodoItem(
                    title=_("Komplettera: %(name)s") % {"name": assessment},
                    url=reverse("dataprotection:detail", args=[assessment.pk]),
                    kind=_("Dataskydd"),
                    due_at=assessment.decided_at or now,
                )
            )
        for assessment in Assessment.objects.expired(today).select_related("account"):
            found.append(
                TodoItem(
                    title=_("Ompröva: %(name)s") % {"name": assessment},
                    url=reverse("dataprotection:detail", args=[assessment.pk]),
                    kind=_("Dataskydd"),
                    due_at=start_of_day(assessment.review_on),
                    urgency=OVERDUE,
                )
            )
    return found
