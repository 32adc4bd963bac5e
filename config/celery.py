import logging
import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kanalkoll")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _configure(sender, **kwargs):
    from config.sweeps import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
    # The filesystem transport (the zero-setup default) needs its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def enqueue(task, *args):
    """Hand work to a worker (call it on commit). Every task enqueued this way has a sweep
    that finds its work in the database, so if the broker is down nothing is lost: the
    failure is logged and the sweep does the work later."""
    try:
        task.apply_async(args, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure leaves the work to the sweep
        logging.getLogger(__name__).warning(
            "Broker unavailable; %s left for its sweep", task.name, exc_info=True
        )
