from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from config import health
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


@never_cache
@require_GET
def healthz(request):
    """Each part of the running service (config/health.py): 200 while the database and
    the broker answer, 503 otherwise; "status" is "degraded" while a worker, beat or the
    outbox is behind."""
    body, status = health.report(timezone.now())
    return JsonResponse(body, status=status)
