"""What `/healthz` reports: each part of a running Kanalkoll, checked on its own.

- database: a `SELECT 1`.
- broker: a connection to the Celery broker (or the filesystem transport's folder).
- workers: which queues have a worker consuming them right now, asked over the broker's
  remote control (a broadcast; every worker answers within `REMOTE_TIMEOUT`). Each queue
  the app routes tasks to (the default queue and `pdf`) must have one.
- beat: exactly one beat answers a ping over the same remote control (Celery's beat
  remote control, CELERY_BEAT_ENABLE_REMOTE_CONTROL; beat stops answering when its
  scheduler has not ticked for a minute). When it last sent a sweep is shown beside it.
- outbox: notifications due and unsent, and how long the oldest has waited. A worker
  sends a notification within seconds of the change; the outbox sweep retries each
  minute; so a notification older than `OUTBOX_LATE` means delivery is stuck.

The database and the broker decide the HTTP status (503 without them the web process
cannot do its work, and a proxy should take it out). Workers, beat and the outbox decide
only `status` ("degraded"): the pages still work while they are late, and every web
process would report the same, so a proxy must not take them all out for it. Monitoring
alerts on any `status` other than "ok".
"""

import datetime
import os
import threading
import time

from django.conf import settings
from django.db import connection

REMOTE_TIMEOUT = 1.0  # seconds each broadcast waits for the answers
# The broadcasts are repeated at most this often per process (an unauthenticated URL
# must not let anyone make every worker answer at will).
REMOTE_CACHE_SECONDS = 10.0
OUTBOX_LATE = datetime.timedelta(minutes=15)

_cache_lock = threading.Lock()
_remote_cache = {"at": None, "value": None}


def database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": type(exc).__name__}
    return {"ok": True, "detail": connection.vendor}


def broker():
    from config.celery import app

    url = app.conf.broker_url or ""
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        ok = os.path.isdir(folder) and os.access(folder, os.W_OK)
        return {"ok": ok, "detail": "filesystem" if ok else "filesystem folder missing"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": type(exc).__name__}
    return {"ok": True, "detail": url.split(":", 1)[0]}


def expected_queues():
    """The default queue and every queue a route sends tasks to."""
    from config.celery import app

    routes = app.conf.task_routes or {}
    routed = {r["queue"] for r in routes.values() if isinstance(r, dict) and r.get("queue")}
    return sorted({app.conf.task_default_queue, *routed})


def _ask_nodes():
    """{"queues": {worker: [queue, ...]}, "beats": [node, ...]}: the workers' consumed
    queues and the beats that answer a ping (celery's beat remote control)."""
    from config.celery import app

    control = app.control
    replies = control.inspect(timeout=REMOTE_TIMEOUT).active_queues() or {}
    queues = {name: sorted(q["name"] for q in consumed) for name, consumed in replies.items()}
    pongs = control.ping(timeout=REMOTE_TIMEOUT) or []
    beats = sorted(name for reply in pongs for name in reply if name.startswith("celerybeat@"))
    return {"queues": queues, "beats": beats}


def nodes(clock=time.monotonic):
    """What the workers and beat answered, asked at most every REMOTE_CACHE_SECONDS;
    None if the broker could not be asked."""
    with _cache_lock:
        cached_at = _remote_cache["at"]
        if cached_at is not None and clock() - cached_at < REMOTE_CACHE_SECONDS:
            return _remote_cache["value"]
    try:
        value = _ask_nodes()
    except Exception:  # noqa: BLE001 - no broker, no answer
        value = None
    with _cache_lock:
        _remote_cache.update(at=clock(), value=value)
    return value


def forget_nodes():
    """Drop the cached answer (tests)."""
    with _cache_lock:
        _remote_cache.update(at=None, value=None)


def workers(answered):
    if answered is None:
        return {"ok": False, "detail": "the broker could not be asked", "queues": {}}
    queues = {
        queue: sorted(name for name, consumed in answered["queues"].items() if queue in consumed)
        for queue in expected_queues()
    }
    missing = [queue for queue, names in queues.items() if not names]
    return {
        "ok": not missing,
        "detail": f"no worker for {', '.join(missing)}" if missing else "",
        "queues": queues,
    }


def beat(answered):
    """Beat answers a ping while its scheduler ticks; exactly one must answer. When it
    last sent a sweep (django-celery-beat's table, written up to
    DatabaseScheduler.sync_every seconds late) is shown beside it."""
    from django_celery_beat.models import PeriodicTask

    from config.sweeps import SWEEPS

    try:
        last = (
            PeriodicTask.objects.filter(name__in=[s.name for s in SWEEPS])
            .exclude(last_run_at=None)
            .order_by("-last_run_at")
            .values_list("last_run_at", flat=True)
            .first()
        )
    except Exception:  # noqa: BLE001
        last = None
    beats = [] if answered is None else answered["beats"]
    if len(beats) == 1:
        detail = ""
    elif beats:
        detail = f"more than one beat: {', '.join(beats)}"
    else:
        detail = "no beat answers"
    return {
        "ok": len(beats) == 1,
        "detail": detail,
        "nodes": beats,
        "last_run_at": last.isoformat() if last else None,
    }


def outbox(now):
    from notifications.models import Notification

    try:
        pending = Notification.objects.pending(now)
        count = pending.count()
        oldest = pending.order_by("due_at").values_list("due_at", flat=True).first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": type(exc).__name__, "pending": None}
    waited = (now - oldest) if oldest else datetime.timedelta(0)
    late = waited > OUTBOX_LATE
    return {
        "ok": not late,
        "detail": f"a notification has waited {int(waited.total_seconds())} s" if late else "",
        "pending": count,
        "oldest_waiting_seconds": int(waited.total_seconds()),
    }


def report(now):
    """(body, HTTP status) for /healthz."""
    body = {"database": database(), "broker": broker()}
    answered = nodes() if body["broker"]["ok"] else None
    body["workers"] = workers(answered)
    body["beat"] = beat(answered)
    body["outbox"] = (
        outbox(now) if body["database"]["ok"] else {"ok": False, "detail": "no database"}
    )
    serving = body["database"]["ok"] and body["broker"]["ok"]
    if not serving:
        status = "error"
    elif all(part["ok"] for part in body.values()):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, **body}, 200 if serving else 503
