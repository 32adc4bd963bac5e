"""What assessments wait for a user, for "Att göra": the dataskyddsombud's decisions,
kommunikationsavdelningen's returned drafts and reviews that are due."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.worklist import OVERDUE, TodoItem, start_of_day

from .models import Assessment, State
from .workflow import may_decide, may_write


def _todo(assessments, title, due_at, **extra):
    """One "Att göra" item per assessment: `title` with its name, due at `due_at(it)`."""
    return [
        TodoItem(
            title=title % {"name": assessment},
            url=reverse("dataprotection:detail", args=[assessment.pk]),
            kind=_("Dataskydd"),
            due_at=due_at(assessment),
            **extra,
        )
        for assessment in assessments.select_related("account")
    ]


def items(user, now):
    found = []
    if may_decide(user):
        submitted = Assessment.objects.filter(state=State.SUBMITTED)
        found += _todo(submitted, _("Godkänn: %(name)s"), lambda a: a.submitted_at or now)
    if may_write(user):
        today = timezone.localdate(now)
        returned = Assessment.objects.filter(state=State.RETURNED)
        found += _todo(returned, _("Komplettera: %(name)s"), lambda a: a.decided_at or now)
        expired = Assessment.objects.expired(today)
        found += _todo(
            expired,
            _("Ompröva: %(name)s"),
            lambda a: start_of_day(a.review_on),
            urgency=OVERDUE,
        )
    return found
