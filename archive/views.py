"""Thin views for "Arkiv": periods and their delivery state, snapshots, uploads, packages."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Q, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.access import get_account_for_user
from core import pages
from core.views import conflict_warned, new_version_view
from core.workflow import Conflict, NotAllowed, allowed, may_create, seen_state
from organisation.deputies import Deputies

from . import integrity, services
from .access import ARCHIVE_ROLES
from .access import period_or_404 as _period_or_404
from .access import require_archive_role as _require_archive_role
from .models import DeliveryState, Package, Reason, Receipt, Snapshot, State
from .package_views import attachment, package_panel
from .periods import Period, last_ended
from .workflow import Do, who_acts

LATE_AFTER = datetime.timedelta(days=30)


def delivery_state(snapshot, now):
    """Delivered, missing or late, as the archivist sees it."""
    if snapshot.state == State.SEALED:
        return DeliveryState.DELIVERED
    if now > snapshot.due_at + LATE_AFTER:
        return DeliveryState.LATE
    return DeliveryState.MISSING


PAGE_SIZE = 100  # accounts a page on a period's page


def _period_rows(period):
    """The snapshot shown for each account of the period, as one query: the newest
    version, but a sealed one stays delivered while its retake waits (the newest sealed
    version if there is one, else the newest). Chosen by a window over the period's rows
    (the first of each account's, in that order), which the database answers in one
    sort of the period, not with a subquery per row."""
    semiannual = Snapshot.objects.current().filter(period_key=period.key, reason=Reason.SEMIANNUAL)
    first = Window(
        RowNumber(),
        partition_by=[F("account_id")],
        order_by=[Case(When(state=State.SEALED, then=1), default=0).desc(), F("version").desc()],
    )
    return semiannual.annotate(shown=first).filter(shown=1)


def _period_counts(rows, now):
    """Delivered, missing and late among the period's rows, counted by the database."""
    late = Q(due_at__lt=now - LATE_AFTER)
    counts = rows.aggregate(
        total=Count("pk"),
        delivered=Count("pk", filter=Q(state=State.SEALED)),
        late=Count("pk", filter=~Q(state=State.SEALED) & late),
        missing=Count("pk", filter=~Q(state=State.SEALED) & ~late),
    )
    return counts


def _progress(counts):
    return round(100 * counts["delivered"] / counts["total"]) if counts["total"] else 0


def _semiannual_periods():
    """The keys of the periods that have half-year snapshots: the first and the last
    from the period index, and each half-year between asked with EXISTS (a query a
    period, however many snapshots it holds), not a DISTINCT over every snapshot."""
    semiannual = Snapshot.objects.filter(reason=Reason.SEMIANNUAL).order_by()
    first = semiannual.order_by("period_key").values_list("period_key", flat=True).first()
    if first is None:
        return set()
    last = semiannual.order_by("-period_key").values_list("period_key", flat=True).first()
    keys, period = set(), Period.from_key(last)
    while period.key >= first:
        if period.key in (first, last) or semiannual.filter(period_key=period.key).exists():
            keys.add(period.key)
        period = period.previous()
    return keys


@require_safe
@login_required
def period_list(request):
    _require_archive_role(request.user)
    now = timezone.now()
    keys = _semiannual_periods()
    keys.add(last_ended(now).key)
    receipts = {}
    for receipt in Receipt.objects.select_related("received_by"):
        receipts.setdefault(receipt.period_key, receipt)  # the newest of each period
    periods = []
    for key in sorted(keys, reverse=True):
        period = Period.from_key(key)
        counts = _period_counts(_period_rows(period), now)
        expected = services.accounts_active_in(period).count() if period.due_at <= now else 0
        periods.append(
            {
                "period": period,
                "counts": {
                    DeliveryState.DELIVERED: counts["delivered"],
                    DeliveryState.MISSING: counts["missing"],
                    DeliveryState.LATE: counts["late"],
                },
                "total": counts["total"],
                "expected": expected,
                "receipt": receipts.get(key),
                "progress": _progress(counts),
            }
        )
    return render(request, "archive/period_list.html", {"periods": periods})


class PackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _(
            "Version %(version)s, hämtad %(date)s: %(n)s ögonblicksbilder, %(missing)s konton "
            "saknas, SHA-256 %(sha)s"
        ) % {
            "version": obj.version,
            "date": timezone.localtime(obj.built_at).strftime("%Y-%m-%d %H:%M"),
            "n": len(obj.snapshots),
            "missing": len(obj.missing),
            "sha": obj.sha256,
        }


class ReceiptForm(forms.Form):
    package = PackageChoiceField(
        label=gettext_lazy("Paket som kvitteras"),
        queryset=Package.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        required=False,  # the service says "choose one", after checking the period
        error_messages={"invalid_choice": gettext_lazy("Välj vilket paket du kvitterar.")},
    )
    partial = forms.BooleanField(
        label=gettext_lazy("Delkvittens: leveransen är ofullständig"),
        required=False,
        help_text=gettext_lazy("De konton som saknas listas i kvittensen. Skriv en kommentar."),
    )
    note = forms.CharField(label=gettext_lazy("Kommentar"), required=False, max_length=300)

    def __init__(self, *args, period, open_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        packages = Package.objects.filter(period_key=period.key)
        self.fields["package"].queryset = (
            packages.filter(receipt__isnull=True) if open_only else packages
        )


@require_safe
@login_required
def period_detail(request, key):
    _require_archive_role(request.user)
    period = _period_or_404(key)
    now = timezone.now()
    deputies = Deputies.at(now)
    counts = _period_counts(_period_rows(period), now)
    page = pages.get_page(
        Paginator(
            _period_rows(period)
            .order_by("account__display_name", "account_id")
            .values_list("pk", flat=True),
            PAGE_SIZE,
        ),
        request.GET.get("page"),
    )
    # The page's ids are chosen over the period's rows, their accounts, units and
    # people loaded for those hundred only.
    shown = Snapshot.objects.select_related(
        "account", "account__unit", "account__unit__forvaltning", "account__responsible"
    ).in_bulk(list(page))
    # The seals of the page's snapshots are checked (each reads its file), not the
    # whole period's on every request.
    rows = [
        {
            "snapshot": s,
            "state": delivery_state(s, now),
            "label": delivery_state(s, now).label,
            "seal": integrity.check(s),
        }
        for s in (shown[pk] for pk in page)
    ]
    for row in rows:  # beside each one not delivered: the viewer's action, or who can act
        if row["state"] != DeliveryState.DELIVERED:
            snapshot = row["snapshot"]
            actions = allowed(request.user, snapshot, now=now, deputies=deputies)
            row["action"] = actions.get(Do.UPLOAD)
            row["who"] = "" if row["action"] else who_acts(snapshot, deputies)
    panel = package_panel(period, now)
    packages = list(Package.objects.filter(period_key=period.key).select_related("built_by"))
    for package in packages:
        package.is_current = panel["package"] is not None and package.pk == panel["package"].pk
    broken = sum(1 for row in rows if row["seal"] and not row["seal"].ok)
    return render(
        request,
        "archive/period_detail.html",
        {
            "period": period,
            "rows": rows,
            "page": page,
            "total": counts["total"],
            "delivered": counts["delivered"],
            "missing": counts["missing"],
            "late": counts["late"],
            "broken": broken,
            "progress": _progress(counts),
            "receipts": Receipt.objects.filter(period_key=period.key).select_related(
                "received_by", "package"
            ),
            "packages": packages,
            "package_panel": panel,
            "can_receive": services.may_receive(request.user),
            "receipt_form": ReceiptForm(period=period, open_only=True),
        },
    )


@login_required
@require_POST
def period_receipt(request, key):
    period = _period_or_404(key)
    if not services.may_receive(request.user):
        raise PermissionDenied(_("Bara kommunarkivet kvitterar leveranser."))
    form = ReceiptForm(request.POST, period=period)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.warning(request, error)
        return redirect("archive:period", period.key)
    data = form.cleaned_data
    package_id = getattr(data["package"], "pk", None)
    with conflict_warned(request):
        services.record_receipt(
            request.user, period.key, package_id=package_id, partial=data["partial"],
            note=data["note"], now=timezone.now(),
        )  # fmt: skip
        messages.success(request, _("Leveransen för %(key)s är kvitterad.") % {"key": period.key})
    return redirect("archive:period", period.key)


def get_snapshot_for_user(user, pk, deputies=None):
    snapshot = Snapshot.objects.filter(pk=pk).select_related("account").first()
    if snapshot is None:
        raise Http404(_("Ögonblicksbilden finns inte."))
    if not user.has_role(*ARCHIVE_ROLES):
        get_account_for_user(user, snapshot.account_id, deputies=deputies)  # 404 for outsiders
    return snapshot


class UploadForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Skärmbild av kontots startsida (PNG eller JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


@login_required
def snapshot_detail(request, pk):
    now = timezone.now()
    deputies = Deputies.at(now)
    snapshot = get_snapshot_for_user(request.user, pk, deputies)
    # Bound on every POST, even an empty one, so that a missing file is shown as an error.
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    status = 200
    if request.method == "POST":
        try:
            if form.is_valid():
                services.upload(
                    request.user,
                    snapshot.pk,
                    form.cleaned_data["image"],
                    now=now,
                    expected_state=seen_state(request.POST, State.values),
                )
                messages.success(
                    request, _("Skärmbilden är uppladdad och ögonblicksbilden förseglad.")
                )
                return redirect("archive:snapshot", snapshot.pk)
            # An invalid form from someone who may not upload is refused as such.
            if Do.UPLOAD not in allowed(request.user, snapshot, now=now, deputies=deputies):
                raise NotAllowed(
                    _("Bara den ansvarige och kommunikationsavdelningen laddar upp skärmbilder.")
                )
        except ValidationError as exc:
            form.add_error("image", exc)
        except Conflict as exc:
            messages.warning(request, str(exc))
            return redirect("archive:snapshot", snapshot.pk)
        status = 400
    versions = Snapshot.objects.filter(
        account=snapshot.account, period_key=snapshot.period_key, reason=snapshot.reason
    ).order_by("version")
    return render(
        request,
        "archive/snapshot_detail.html",
        {
            "snapshot": snapshot,
            "form": form,
            "versions": versions,
            "events": snapshot.events.select_related("actor"),
            "seal": integrity.check(snapshot),
            "actions": allowed(request.user, snapshot, now=now, deputies=deputies),
        },
        status=status,
    )


@require_safe
@login_required
def snapshot_pdf(request, pk):
    snapshot = get_snapshot_for_user(request.user, pk)
    if not snapshot.pdf:
        raise Http404(_("Ögonblicksbilden är inte förseglad än."))
    try:
        verified = integrity.verified_copy(snapshot)
    except integrity.SealBroken as exc:
        # 409: the stored file conflicts with the record of what was sealed. Nothing is
        # handed out; the page says so, and the error is logged for the administrator.
        return render(
            request,
            "archive/seal_broken.html",
            {"snapshot": snapshot, "reason": str(exc)},
            status=409,
        )
    return attachment(verified, "application/pdf", snapshot.filename)


snapshot_retake = new_version_view(
    get_snapshot_for_user,
    services.new_version,
    gettext_lazy("En ny version fångas. Den ersätter den här när den är förseglad."),
    then="archive:snapshot",
    back="archive:snapshot",
)


@require_safe
@login_required
def account_snapshots(request, account_pk):
    now = timezone.now()
    deputies = Deputies.at(now)
    account = get_account_for_user(request.user, account_pk, deputies=deputies)
    return render(
        request,
        "archive/account_snapshots.html",
        {
            "account": account,
            "snapshots": account.snapshots.order_by("-created_at", "-id"),
            "can_request": may_create(
                request.user, Snapshot, Do.REQUEST, now=now, parent=account, deputies=deputies
            ),
            "final_sealed": account.snapshots.filter(
                reason=Reason.FINAL, state=State.SEALED
            ).exists(),
        },
    )


@login_required
@require_POST
def account_request(request, account_pk):
    account = get_account_for_user(request.user, account_pk)
    reason = Reason.FINAL if request.POST.get("reason") == Reason.FINAL else Reason.ON_DEMAND
    with conflict_warned(request):
        snapshot = services.request_snapshot(request.user, account.pk, reason, now=timezone.now())
        messages.success(request, _("Ögonblicksbilden fångas nu. Sidan visar när den är klar."))
        return redirect("archive:snapshot", snapshot.pk)
    return redirect("archive:account", account.pk)
