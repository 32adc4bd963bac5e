"""The periodic sweeps: one list that feeds both Celery beat and `manage.py run_jobs`.

Each sweep is a plain function `job(now)` in an app's jobs.py, wrapped by a thin Celery
task in the app's tasks.py. Sweeps are idempotent, so a cron deployment can run them all
with `manage.py run_jobs` instead of beat.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Sweep:
    name: str
    job: str  # dotted path of a function taking `now`
    task: str  # dotted path (Celery name) of the task wrapping it
    every: int  # seconds between runs

    def run(self, now):
        return import_string(self.job)(now)


SWEEPS = [
    Sweep(
        name="notifications.deliver_pending",
        job="notifications.jobs.deliver_pending",
        task="notifications.tasks.deliver_pending",
        every=60,
    ),
    Sweep(
        name="activityplans.remind_waiting_plans",
        job="activityplans.jobs.remind_waiting_plans",
        task="activityplans.tasks.remind_waiting_plans",
        every=15 * 60,
    ),
    Sweep(
        name="activityplans.remind_evaluations",
        job="activityplans.jobs.remind_evaluations",
        task="activityplans.tasks.remind_evaluations",
        every=60 * 60,
    ),
    Sweep(
        name="dataprotection.remind_expired_reviews",
        job="dataprotection.jobs.remind_expired_reviews",
        task="dataprotection.tasks.remind_expired_reviews",
        every=60 * 60,
    ),
    Sweep(
        name="internalcontrol.generate_queued",
        job="internalcontrol.jobs.generate_queued",
        task="internalcontrol.tasks.generate_queued",
        every=5 * 60,
    ),
    Sweep(
        name="moderation.remind_deadlines",
        job="moderation.jobs.remind_deadlines",
        task="moderation.tasks.remind_deadlines",
        every=5 * 60,
    ),
    Sweep(
        name="moderation.poll_platforms",
        job="moderation.jobs.poll_platforms",
        task="moderation.tasks.poll_platforms",
        every=5 * 60,
    ),
    Sweep(
        name="moderation.remind_unwatched",
        job="moderation.jobs.remind_unwatched",
        task="moderation.tasks.remind_unwatched",
        every=60 * 60,
    ),
    Sweep(
        name="archive.create_semiannual",
        job="archive.jobs.create_semiannual",
        task="archive.tasks.create_semiannual",
        every=60 * 60,
    ),
    Sweep(
        name="archive.capture_due",
        job="archive.jobs.capture_due",
        task="archive.tasks.capture_due",
        every=10 * 60,
    ),
    Sweep(
        name="archive.build_waiting_packages",
        job="archive.jobs.build_waiting_packages",
        task="archive.tasks.build_waiting_packages",
        every=10 * 60,
    ),
    Sweep(
        name="archive.remind_uploads",
        job="archive.jobs.remind_uploads",
        task="archive.tasks.remind_uploads",
        every=60 * 60,
    ),
    Sweep(
        name="accounts.read_feeds",
        job="accounts.jobs.read_feeds",
        task="accounts.tasks.read_feeds",
        every=60 * 60,
    ),
    Sweep(
        name="accounts.remind_passive",
        job="accounts.jobs.remind_passive",
        task="accounts.tasks.remind_passive",
        every=6 * 60 * 60,
    ),
    Sweep(
        name="accounts.remind_coverage",
        job="accounts.jobs.remind_coverage",
        task="accounts.tasks.remind_coverage",
        every=6 * 60 * 60,
    ),
    Sweep(
        name="accounts.remind_confirmation",
        job="accounts.jobs.remind_confirmation",
        task="accounts.tasks.remind_confirmation",
        every=60 * 60,
    ),
    Sweep(
        name="disclosure.remind_requests",
        job="disclosure.jobs.remind_requests",
        task="disclosure.tasks.remind_requests",
        every=15 * 60,
    ),
    Sweep(
        name="retention.gallra",
        job="retention.jobs.gallra",
        task="retention.tasks.gallra",
        every=24 * 60 * 60,
    ),
]


def beat_schedule():
    return {s.name: {"task": s.task, "schedule": float(s.every)} for s in SWEEPS}
