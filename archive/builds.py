"""The period package, built by the worker on the pdf queue and never in a web request:
asked for from the period page (request_package), one build per period and content
(archive.models.PackageBuild), claimed and written by the worker (build_requested) with
its progress, recorded as the Package that services.package_for_download keeps.
Asking again while nothing changed reuses the stored package or the waiting build."""

import datetime
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from .access import may_use_archive
from .models import Package, PackageBuild
from .periods import Period
from .services import package_for_download, verify_package

log = logging.getLogger(__name__)

# A build's claim: a worker that dies leaves the build to be taken again after this.
BUILD_CLAIM = datetime.timedelta(hours=1)
# How often a build writes its progress: every this many snapshots (and at the end).
PROGRESS_EVERY = 25


class PackageState:
    """Where the period's package stands, as the period page shows it."""

    NONE = "none"  # never asked for (or only for content that has changed since)
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


def package_state(period, now):
    """(state, package, build, previous, snapshots) of the period's package for its
    current content: the stored package if one holds exactly that, else the build asked
    for it; `previous` is the newest stored package of other content (the one that is
    stale); `snapshots` how many the package holds."""
    from .package import content_key

    digest, count = content_key(period)
    stored = list(Package.objects.filter(period_key=period.key).order_by("-version")[:50])
    package = next((p for p in stored if p.content_sha256 == digest), None)
    previous = next((p for p in stored if p.content_sha256 != digest), None)
    if package is not None:
        return PackageState.READY, package, None, previous, count
    build = PackageBuild.objects.filter(period_key=period.key, content_sha256=digest).first()
    if build is None or build.package_id is not None:  # built, then the content moved on
        return PackageState.NONE, None, None, previous, count
    if build.failed:
        return PackageState.FAILED, None, build, previous, count
    if build.started_at is not None and build.claimed_until and build.claimed_until > now:
        return PackageState.BUILDING, None, build, previous, count
    return PackageState.QUEUED, None, build, previous, count


def stored_package(period):
    """The stored package of the period's current content, checked against its SHA-256,
    or None if it has not been built (a build is asked for with request_package)."""
    from .package import content_key

    digest, _count = content_key(period)
    package = Package.objects.filter(period_key=period.key, content_sha256=digest).first()
    if package is not None:
        verify_package(package)
    return package


def request_package(actor, period, *, now):
    """Ask for the period's package as its content stands. Returns (package, build): the
    stored package if one holds this content (nothing is built), else the one build for
    this content, handed to the pdf queue on commit when it is new or asked again after
    it failed. Asking again while it waits or builds changes nothing."""
    from .package import content_digest, package_content

    if not may_use_archive(actor):
        raise PermissionDenied(
            _("Arkivet är till för kommunarkivet och kommunikationsavdelningen.")
        )
    digest = content_digest(package_content(period))
    package = Package.objects.filter(period_key=period.key, content_sha256=digest).first()
    if package is not None:
        return package, None
    with transaction.atomic():
        build, created = PackageBuild.objects.select_for_update().get_or_create(
            period_key=period.key,
            content_sha256=digest,
            defaults={"requested_at": now, "requested_by": actor},
        )
        if not created and not (build.failed or build.package_id is not None):
            return None, build  # waiting or building: the same build
        if not created:  # failed, or built when the content was different: again
            build.requested_at, build.requested_by = now, actor
            build.error, build.package, build.started_at, build.claimed_until = "", None, None, None
            build.done = build.total = 0
            build.save()
        transaction.on_commit(lambda: _hand_to_worker(build.pk))
    return None, build


def _hand_to_worker(build_id):
    from config.celery import enqueue

    from .tasks import build_package

    enqueue(build_package, build_id)  # a broker that is down leaves it to the sweep


def waiting_builds(now):
    """The ids of builds that no worker holds: never started, or whose claim ran out."""
    return list(
        PackageBuild.objects.filter(package__isnull=True, error="")
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)
    )


def build_requested(build_id, *, now):
    """Build an asked-for package (the worker on the pdf queue, or the sweep): claim the
    build, write the package with its progress, record it. Returns the Package, or None
    if another worker holds the build or it is done. A failure is recorded on the build
    (the period page shows it and offers to try again) and raised."""
    from .package import PackageError

    claimed = (
        PackageBuild.objects.filter(pk=build_id, package__isnull=True, error="")
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + BUILD_CLAIM, started_at=now, done=0, total=0)
    )
    if not claimed:
        return None
    build = PackageBuild.objects.select_related("requested_by").get(pk=build_id)
    rows = PackageBuild.objects.filter(pk=build_id)

    def progress(done, total):
        if done == total or done % PROGRESS_EVERY == 0:
            rows.update(done=done, total=total)

    try:
        package = package_for_download(
            build.requested_by, Period.from_key(build.period_key), now, progress=progress
        )
    except PackageError as exc:
        rows.update(error=str(exc)[:300], claimed_until=None)
        log.error("Archive package build %s failed: %s", build_id, exc)
        return None
    except Exception:
        rows.update(error=_("Paketet kunde inte byggas. Felet är loggat."), claimed_until=None)
        raise
    rows.update(package=package, claimed_until=None, done=F("total"))
    return package
