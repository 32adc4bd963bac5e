import os

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core import registry
from core.worklist import by_urgency


@require_safe
def home(request):
    if request.user.is_authenticated:
        return redirect("todo")
    return redirect("public_register")


@require_safe
@login_required
def todo(request):
    """ "Att göra": what waits for the signed-in user, most urgent first."""
    now = timezone.now()
    items = [item for source in registry.todo_sources for item in source(request.user, now)]
    return render(request, "todo.html", {"items": by_urgency(items)})


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__
    return True, connection.vendor


def _broker_ok():
    from config.celery import app

    url = app.conf.broker_url or ""
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        ok = os.path.isdir(folder) and os.access(folder, os.W_OK)
        return ok, "filesystem" if ok else "filesystem folder missing"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__
    return True, url.split(":", 1)[0]


@never_cache
@require_GET
def healthz(request):
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    body = {
        "status": "ok" if db_ok and broker_ok else "error",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if db_ok and broker_ok else 503)
