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

    @classmethod
    def of(cls, name, *, every):
        """The sweep "app.fn": the job app.jobs.fn, its task app.tasks.fn."""
        app, _dot, fn = name.partition(".")
        return cls(name, job=f"{app}.jobs.{fn}", task=f"{app}.tasks.{fn}", every=every)

    def run(self, now):
        return import_string(self.job)(now)


SWEEPS = [
    Sweep.of("notifications.deliver_pending", every=60),
    Sweep.of("activityplans.remind_waiting_plans", every=15 * 60),
    Sweep.of("activityplans.remind_evaluations", every=60 * 60),
    Sweep.of("dataprotection.remind_expired_reviews", every=60 * 60),
    Sweep.of("internalcontrol.generate_queued", every=5 * 60),
    Sweep.of("moderation.remind_deadlines", every=5 * 60),
    Sweep.of("moderation.poll_platforms", every=5 * 60),
    Sweep.of("moderation.remind_unwatched", every=60 * 60),
    Sweep.of("archive.create_semiannual", every=60 * 60),
    Sweep.of("archive.capture_due", every=10 * 60),
    Sweep.of("archive.build_waiting_packages", every=10 * 60),
    Sweep.of("archive.remind_uploads", every=60 * 60),
    Sweep.of("accounts.read_feeds", every=60 * 60),
    Sweep.of("accounts.remind_passive", every=6 * 60 * 60),
    Sweep.of("accounts.remind_coverage", every=6 * 60 * 60),
    Sweep.of("accounts.remind_confirmation", every=60 * 60),
    Sweep.of("disclosure.remind_requests", every=15 * 60),
    Sweep.of("retention.gallra", every=24 * 60 * 60),
]


def beat_schedule():
    return {s.name: {"task": s.task, "schedule": float(s.every)} for s in SWEEPS}
