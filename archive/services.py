"""Every change to a snapshot goes through here: created once per account and period
(or on request), then moved by archive.workflow's transitions through
core.workflow.perform (captured automatically or uploaded, rendered to PDF/A-2b and
sealed, retaken); and the package's hand-out and receipt.

Size: the snapshot's services as one unit (the capture, the PDF, the builds of the
package and the seal checks are modules of their own: capture.py, document.py,
builds.py, integrity.py).
"""

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Account
from core.workflow import perform, perform_create, perform_create_many
from organisation.models import Role

from .models import (
    Method,
    Package,
    Reason,
    Receipt,
    Snapshot,
    SnapshotEvent,
    State,
)
from .periods import Period, last_ended
from .workflow import (  # noqa: F401 - who may and the conflict, read by the views
    Do,
    SnapshotConflict,
    accounts_active_in,
    enqueue,
    may_request,
    register_data,
    snapshot_url,
)

CLAIM = datetime.timedelta(minutes=10)

log = logging.getLogger(__name__)


def create_semiannual(now):
    """Make the due snapshots of the half-year that ended last: one per account and
    period (a unique constraint), however often and in how many processes this runs
    (archive.workflow's bulk creation, one run at a time). Returns how many it made."""
    made = perform_create_many(None, Snapshot, Do.SCHEDULE, now=now, period=last_ended(now))
    return len(made)


FINAL_FRESH = datetime.timedelta(days=30)


def start_final_snapshot(actor, account, *, now):
    """A confirmed closure asks for the final snapshot, unless one is waiting or was sealed
    in the last 30 days (an old one, from a closure cancelled long ago, does not do)."""
    finals = account.snapshots.filter(reason=Reason.FINAL)
    if finals.filter(state__in=[State.DUE, State.NEEDS_UPLOAD]).exists():
        return None
    if finals.filter(state=State.SEALED, sealed_at__gte=now - FINAL_FRESH).exists():
        return None
    return request_snapshot(actor, account.pk, Reason.FINAL, now=now, check=False)


def request_snapshot(actor, account_id, reason=Reason.ON_DEMAND, *, now, check=True):
    """A snapshot on demand (or, `check=False`, the final one a closure orders as the
    system): archive.workflow's creation transition, then its later steps."""
    account = Account.objects.get(pk=account_id)
    action = Do.REQUEST if check else Do.ORDER
    return perform_create(actor, Snapshot, action, parent=account, now=now, reason=reason)


def new_version(actor, snapshot_id, *, now):
    """A new capture of a sealed snapshot (archive.workflow.apply_retake)."""
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    return perform(actor, snapshot, Do.RETAKE, expected_state=State.SEALED, now=now)


# -- capture ---------------------------------------------------------------------------


def claim(snapshot_id, now):
    """Claim a due snapshot for capture with a conditional UPDATE; True if this caller won
    (and then the attempt is an event)."""
    with transaction.atomic():
        won = bool(
            Snapshot.objects.filter(pk=snapshot_id, state=State.DUE)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
        )
        if won:
            attempts = Snapshot.objects.values_list("attempts", flat=True).get(pk=snapshot_id)
            SnapshotEvent.objects.create(
                snapshot_id=snapshot_id,
                action=SnapshotEvent.Action.CLAIMED,
                actor=None,
                at=now,
                data={"attempt": attempts},
            )
    return won


def capture_one(snapshot_id, *, now):
    """Capture a due snapshot automatically; on refusal or failure ask for an upload.
    Returns the snapshot's new state, or None if someone else had claimed it.

    A failure of any kind (the browser's package missing from the install, a crash in
    the browser, a PDF that cannot be rendered) is logged and asks for an upload with its
    reason, so that archiving never stalls on a snapshot that is retried in silence."""
    if not claim(snapshot_id, now):
        return None
    snapshot = Snapshot.objects.select_related("account", "account__responsible").get(
        pk=snapshot_id
    )
    try:
        png = _screenshot(snapshot)
    except _NoScreenshot as exc:
        return ask_for_upload(snapshot.pk, exc.reason, now)
    try:
        attach(snapshot.pk, png, Method.AUTOMATIC, None, now)
    except SnapshotConflict:
        return None  # an upload sealed it while the browser was at work
    except Exception as exc:  # noqa: BLE001 - e.g. the PDF could not be rendered
        return ask_for_upload(snapshot.pk, _unexpected(snapshot, exc), now)
    return State.SEALED


class _NoScreenshot(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _screenshot(snapshot):
    """The browser's PNG of the account's start page, or _NoScreenshot with the reason."""
    try:
        from . import capture as browser
    except Exception as exc:  # noqa: BLE001 - e.g. an install without the browser's package
        raise _NoScreenshot(_unexpected(snapshot, exc)) from exc
    try:
        return browser.capture(snapshot.account.url)
    except (browser.CaptureRefused, browser.CaptureFailed) as exc:
        raise _NoScreenshot(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a crash in the browser or its driver
        raise _NoScreenshot(_unexpected(snapshot, exc)) from exc


def _unexpected(snapshot, exc):
    """Log an unexpected capture failure with its traceback; the reason to show."""
    log.exception("Capture of snapshot %s (%s) failed", snapshot.pk, snapshot.account.url)
    with translation.override(settings.LANGUAGE_CODE):  # a record in Swedish
        return _("Den automatiska fångsten misslyckades av ett oväntat fel: %(error)s") % {
            "error": f"{type(exc).__name__}: {exc}"[:500]
        }


def ask_for_upload(snapshot_id, reason, now):
    """The automatic capture failed: ask the responsible person for a screenshot. Returns
    the snapshot's state (unchanged if it is no longer due)."""
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    try:
        return perform(
            None, snapshot, Do.ASK_FOR_UPLOAD, expected_state=None, now=now, reason=reason
        )
    except SnapshotConflict:
        return Snapshot.objects.values_list("state", flat=True).get(pk=snapshot_id)


def upload(actor, snapshot_id, file, *, now, expected_state=None):
    """The responsible person's screenshot when the automatic capture could not be made."""
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    perform(actor, snapshot, Do.UPLOAD, expected_state=expected_state, now=now, file=file)
    return Snapshot.objects.get(pk=snapshot_id)


def attach(snapshot_id, png, method, actor, now):
    """Seal a due snapshot with this screenshot (archive.workflow.apply_seal): the
    automatic capture's step, or a screenshot already checked."""
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    return perform(actor, snapshot, Do.SEAL, expected_state=None, now=now, png=png, method=method)


# -- delivery ----------------------------------------------------------------------------


def may_receive(user):
    return user.is_active and user.has_role(Role.ARKIVARIE)


def package_for_download(actor, period, now, progress=None):
    """The period's package as it stands: the stored one if the sealed snapshots (and the
    missing accounts) are the same as when it was built, else a new version, built, its
    SHA-256 recorded and kept. Every hand-out checks the stored file against its SHA-256
    first (a mismatch raises PackageError). A build of a large period takes minutes: only
    the worker on the pdf queue calls this (build_requested), never a web request;
    `progress(done, total)` is told as the snapshots are written."""
    from .package import build_package, content_digest, file_sha256, package_content

    content = package_content(period)
    digest = content_digest(content)
    package = Package.objects.filter(period_key=period.key, content_sha256=digest).first()
    if package is None:
        path, name = build_package(period, now, progress=progress)
        try:
            with open(path, "rb") as handle:
                sha = file_sha256(handle)
                handle.seek(0)
                try:
                    with transaction.atomic():
                        latest = Package.objects.filter(period_key=period.key).count()
                        package = Package(
                            period_key=period.key,
                            version=latest + 1,
                            name=name.replace(".zip", f"-v{latest + 1}.zip"),
                            size=Path(path).stat().st_size,
                            sha256=sha,
                            content_sha256=digest,
                            snapshots=content["snapshots"],
                            missing=content["missing"],
                            built_at=now,
                            built_by=actor,
                        )
                        package.file.save(package.name, File(handle), save=False)
                        package.save()
                except IntegrityError:
                    # Another download built the same package at the same moment.
                    package = Package.objects.get(period_key=period.key, content_sha256=digest)
        finally:
            Path(path).unlink(missing_ok=True)
    verify_package(package)
    return package


def verify_package(package):
    from .package import PackageError, file_sha256

    try:
        with package.file.open("rb") as handle:
            sha = file_sha256(handle)
    except FileNotFoundError as exc:
        raise PackageError(f"The stored package {package} is missing.") from exc
    if sha != package.sha256:
        log.error("Archive package %s does not match its SHA-256", package.pk)
        raise PackageError(f"The stored package {package} does not match its SHA-256.")


def record_receipt(actor, period_key, package_id=None, partial=False, note="", *, now):
    """Kommunarkivet's kvittens of a period's delivery: of one package version, which
    must still be what the period's sealed snapshots are. An incomplete delivery is
    acknowledged only as a partial receipt, with a comment."""
    if not may_receive(actor):
        raise PermissionDenied(_("Bara kommunarkivet kvitterar leveranser."))
    period = Period.from_key(period_key)
    if period.due_at > now:
        # A receipt for a period still running would block the real one later.
        raise SnapshotConflict(_("Perioden %(key)s är inte slut än.") % {"key": period_key})
    note = note.strip()
    from .package import content_digest, package_content

    with transaction.atomic():
        package = (
            Package.objects.select_for_update().filter(pk=package_id, period_key=period.key).first()
            if package_id
            else None
        )
        if package is None:
            raise SnapshotConflict(_("Välj vilket paket du kvitterar."))
        if Receipt.objects.filter(package=package).exists():
            raise SnapshotConflict(
                _("Paketet version %(version)s är redan kvitterat.") % {"version": package.version}
            )
        if content_digest(package_content(period)) != package.content_sha256:
            raise SnapshotConflict(
                _(
                    "Paketet version %(version)s stämmer inte längre med periodens "
                    "ögonblicksbilder. Ladda ned paketet på nytt och kvittera den nya versionen."
                )
                % {"version": package.version}
            )
        if package.missing and not partial:
            raise SnapshotConflict(
                _(
                    "Leveransen är ofullständig: %(n)s konton saknas. Kvittera den som "
                    "delkvittens och skriv en kommentar."
                )
                % {"n": len(package.missing)}
            )
        if partial and not package.missing:
            raise SnapshotConflict(_("Leveransen är komplett; kvittera den utan delkvittens."))
        if partial and not note:
            raise SnapshotConflict(_("Skriv en kommentar till delkvittensen."))
        return Receipt.objects.create(
            period_key=period.key,
            package=package,
            package_sha256=package.sha256,
            snapshots=package.snapshots,
            missing=package.missing,
            partial=partial,
            received_by=actor,
            received_at=now,
            note=note,
        )


def final_snapshot_sealed(account):
    """For the register: an account is closed only after its final snapshot is sealed:
    the latest final snapshot asked for must be sealed (a retake that supersedes it counts)."""
    latest = (
        account.snapshots.filter(reason=Reason.FINAL)
        .exclude(state=State.SUPERSEDED)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.state != State.SEALED:
        raise ValidationError(
            {
                "status": _(
                    "Kontot kan inte avslutas förrän en slutlig ögonblicksbild är tagen och förseglad (Arkiv)."
                )
            }
        )
