from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task(name="notifications.tasks.deliver")
def deliver(notification_id):
    return jobs.deliver_one(notification_id, timezone.now())


@shared_task(name="notifications.tasks.deliver_many")
def deliver_many(notification_ids):
    return jobs.deliver_many(notification_ids, timezone.now())


@shared_task(name="notifications.tasks.deliver_pending")
def deliver_pending():
    return jobs.deliver_pending(timezone.now())
