from celery import shared_task
from django.utils import timezone

from . import builds, jobs, services


@shared_task(name="archive.tasks.create_semiannual")
def create_semiannual():
    return jobs.create_semiannual(timezone.now())


@shared_task(name="archive.tasks.capture")
def capture(snapshot_id):
    return services.capture_one(snapshot_id, now=timezone.now())


@shared_task(name="archive.tasks.capture_due")
def capture_due():
    """Fan out: one capture task per due snapshot, so that every worker on the pdf queue
    takes a share; each task claims its snapshot, so none is captured twice."""
    from config.celery import enqueue

    ids = jobs.due_ids(timezone.now())
    for snapshot_id in ids:
        enqueue(capture, snapshot_id)  # a broker that fails leaves the rest to the next run
    return len(ids)


@shared_task(name="archive.tasks.remind_uploads")
def remind_uploads():
    return jobs.remind_uploads(timezone.now())


@shared_task(name="archive.tasks.build_package")
def build_package(build_id):
    """Build an asked-for period package (archive.builds.request_package)."""
    package = builds.build_requested(build_id, now=timezone.now())
    return package.pk if package else None


@shared_task(name="archive.tasks.build_waiting_packages")
def build_waiting_packages():
    return jobs.build_waiting_packages(timezone.now())
