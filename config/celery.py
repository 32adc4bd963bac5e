import logging
import os
import threading
import time
from pathlib import Path

from celery import Celery
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kanalkoll")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


@app.on_after_configure.connect
def _configure(sender, **kwargs):
    from config.sweeps import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
    # The filesystem transport (the zero-setup default) needs its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


class Breaker:
    """A per-process circuit breaker for publishing: after a publish fails for want of a
    broker, further publishes are skipped for `settings.KANALKOLL_BROKER_RETRY_AFTER`
    seconds (their work waits in the database for its sweep), so that a request which
    hands out many tasks waits for the broker at most once."""

    clock = staticmethod(time.monotonic)

    def __init__(self):
        self._lock = threading.Lock()
        self._open_until = None

    def is_open(self):
        with self._lock:
            return self._open_until is not None and self.clock() < self._open_until

    def trip(self, seconds):
        with self._lock:
            self._open_until = self.clock() + seconds

    def reset(self):
        with self._lock:
            self._open_until = None


breaker = Breaker()


def _publish_options():
    """Transport options for publishing from enqueue(): one connection attempt (no
    reconnect loop), and short socket timeouts, so that a broker that refuses or never
    answers (a black hole) fails the publish within a fraction of a second. Workers keep
    the general options for their own long-lived connections."""
    from django.conf import settings

    timeout = settings.KANALKOLL_BROKER_PUBLISH_TIMEOUT
    return {"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout}


def enqueue(task, *args):
    """Hand work to a worker (call it on commit). Every task enqueued this way has a sweep
    that finds its work in the database, so if the broker is down nothing is lost: the
    failure is logged and the sweep does the work later. Returns True if it was handed
    over. While the breaker is open (a publish failed a moment ago) nothing is tried."""
    from django.conf import settings
    from kombu.pools import producers

    if breaker.is_open():
        log.info("Broker unavailable a moment ago; %s left for its sweep", task.name)
        return False
    try:
        connection = app.connection_for_write(transport_options=_publish_options())
        with producers[connection].acquire(block=True, timeout=1) as producer:
            task.apply_async(args, retry=False, producer=producer)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the work to the sweep
        if isinstance(exc, OperationalError | OSError):
            breaker.trip(settings.KANALKOLL_BROKER_RETRY_AFTER)
        log.warning("Broker unavailable; %s left for its sweep", task.name, exc_info=True)
        return False
    return True
