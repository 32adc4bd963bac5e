from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task(name="accounts.tasks.read_feeds")
def read_feeds():
    return jobs.read_feeds(timezone.now())


@shared_task(name="accounts.tasks.remind_passive")
def remind_passive():
    return jobs.remind_passive(timezone.now())


@shared_task(name="accounts.tasks.remind_coverage")
def remind_coverage():
    return jobs.remind_coverage(timezone.now())


@shared_task(name="accounts.tasks.remind_confirmation")
def remind_confirmation():
    return jobs.remind_confirmation(timezone.now())
