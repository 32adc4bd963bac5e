"""The review sweep: a signed-off assessment past its review date reminds the
dataskyddsombud once (notifications.Reminder). One query when nothing is due."""

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from notifications.models import Reminder
from notifications.services import notify_once

from .models import Assessment
from .workflow import assessment_url, data_protection_officers

STAGE = "review_expired"


def reminder_subject(assessment):
    return f"assessment:{assessment.pk}"


def remind_expired_reviews(now):
    today = timezone.localdate(now)
    subject = Concat(Value("assessment:"), Cast(OuterRef("pk"), CharField()))
    already = Reminder.objects.filter(subject=subject, stage=STAGE)
    due = (
        Assessment.objects.signed_off()
        .filter(review_on__lt=today)
        .annotate(reminded=Exists(already))
        .filter(reminded=False)
    )
    sent = 0
    officers = None
    for assessment in due:
        officers = officers if officers is not None else data_protection_officers()
        with transaction.atomic():
            if notify_once(
                reminder_subject(assessment),
                STAGE,
                officers,
                "assessment_review_due",
                {"assessment": assessment},
                assessment_url(assessment),
                now=now,
            ):
                sent += 1
    return sent
