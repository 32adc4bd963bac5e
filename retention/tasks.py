from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task(name="retention.tasks.gallra")
def gallra():
    return jobs.gallra(timezone.now())
