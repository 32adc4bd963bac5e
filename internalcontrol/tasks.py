from celery import shared_task
from django.utils import timezone

from . import jobs, services


@shared_task(name="internalcontrol.tasks.generate_pack")
def generate_pack(pack_id):
    pack = services.generate(pack_id, now=timezone.now())
    return pack.pk if pack is not None else None


@shared_task(name="internalcontrol.tasks.generate_queued")
def generate_queued():
    return jobs.generate_queued(timezone.now())
