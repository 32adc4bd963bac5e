from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core import pages
from core.views import found

from . import services
from .models import Notification
from .rendering import render_pending


@require_safe
@login_required
def notification_list(request):
    qs = Notification.objects.for_user(request.user).order_by("-created_at", "-pk")  # newest first
    page = pages.get_page(Paginator(qs, 30), request.GET.get("page"))
    # Reminders that a sweep wrote unrendered and no worker has sent yet: render them
    # now, together, so that no row is shown without its text.
    page.object_list = list(page.object_list)
    for notification in page.object_list:
        notification.recipient = request.user
    render_pending(page.object_list, timezone.now())
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def open_notification(request, pk):
    notification = found(
        Notification.objects.filter(pk=pk, recipient=request.user).first(),
        _("Aviseringen finns inte."),
    )
    services.mark_read(request.user, [notification.pk], now=timezone.now())
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(request.user, now=timezone.now())
    return redirect("notifications:list")
