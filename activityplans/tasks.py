from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task(name="activityplans.tasks.remind_waiting_plans")
def remind_waiting_plans():
    return jobs.remind_waiting_plans(timezone.now())


@shared_task(name="activityplans.tasks.remind_evaluations")
def remind_evaluations():
    return jobs.remind_evaluations(timezone.now())
