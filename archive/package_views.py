"""The period page's package panel and its URLs: ask for the package (built by the
worker on the pdf queue, archive.builds), follow the build, download the stored one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import builds
from .access import period_or_404, require_archive_role


def package_panel(period, now):
    """What the period page's package panel shows: where the package stands."""
    state, package, build, previous, snapshots = builds.package_state(period, now)
    return {
        "state": state,
        "package": package,
        "build": build,
        "previous": previous,
        "snapshots": snapshots,
        "ready": state == builds.PackageState.READY,
        "building": state == builds.PackageState.BUILDING,
        "failed": state == builds.PackageState.FAILED,
        "waiting": state in (builds.PackageState.QUEUED, builds.PackageState.BUILDING),
    }


@require_safe
@login_required
def period_package(request, key):
    """The stored package of the period's current content; never built here (a large
    period takes minutes): without one, back to the period page, which offers the build."""
    require_archive_role(request.user)
    period = period_or_404(key)
    from .package import PackageError

    try:
        package = builds.stored_package(period)
    except PackageError as exc:
        messages.error(request, _("Paketet kan inte lämnas ut: %(reason)s") % {"reason": exc})
        return redirect("archive:period", period.key)
    if package is None:
        messages.info(request, _("Paketet är inte byggt för periodens nuvarande innehåll än."))
        return redirect("archive:period", period.key)
    return attachment(package.file.open("rb"), "application/zip", package.name)


def attachment(handle, content_type, filename):
    """A stored file as a download, never sniffed as anything else."""
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def period_package_build(request, key):
    """Ask for the period's package: built by the worker on the pdf queue."""
    require_archive_role(request.user)
    period = period_or_404(key)
    package, build = builds.request_package(request.user, period, now=timezone.now())
    if package is not None:
        messages.info(request, _("Paketet är redan byggt för periodens nuvarande innehåll."))
    else:
        messages.success(
            request, _("Paketet byggs. Sidan visar hur långt det har kommit och sedan länken.")
        )
    return redirect(f"{reverse('archive:period', args=[period.key])}#paket")


@require_safe
@login_required
def period_package_status(request, key):
    """The package panel's state as JSON, for the period page's small script to poll."""
    require_archive_role(request.user)
    period = period_or_404(key)
    panel = package_panel(period, timezone.now())
    build = panel["build"]
    return JsonResponse(
        {
            "state": panel["state"],
            "done": build.done if build else 0,
            "total": build.total if build else 0,
            "percent": build.percent if build else (100 if panel["package"] else 0),
            "waiting": panel["waiting"],
        }
    )
