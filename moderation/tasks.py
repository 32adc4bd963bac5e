from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task(name="moderation.tasks.remind_deadlines")
def remind_deadlines():
    return jobs.remind_deadlines(timezone.now())


@shared_task(name="moderation.tasks.remind_unwatched")
def remind_unwatched():
    return jobs.remind_unwatched(timezone.now())


@shared_task(name="moderation.tasks.send_batch")
def send_batch(batch_id):
    return jobs.send_batch(batch_id, timezone.now())


@shared_task(name="moderation.tasks.poll_platforms")
def poll_platforms():
    return jobs.poll_platforms(timezone.now())
