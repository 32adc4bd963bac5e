from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task(name="dataprotection.tasks.remind_expired_reviews")
def remind_expired_reviews():
    return jobs.remind_expired_reviews(timezone.now())
