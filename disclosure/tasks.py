from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task
def remind_requests():
    return jobs.remind_requests(timezone.now())
