"""The snapshot's transition table (core.workflow): who requests a snapshot (the creation
transition, under the account; a confirmed closure orders its final one as the
system), retakes a sealed snapshot and uploads the screenshot of a due one, and what
the system does (makes the half-year's snapshots, asks for an upload when the automatic
capture fails, seals a capture). The half-year sweep (archive.services.create_semiannual)
makes its snapshots in bulk, through core.workflow.perform_create_many, with the same
first event."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.authorship import as_system, save_bookkeeping
from accounts.lifecycle import finish_closure
from accounts.models import Account, Status
from config.uploads import clean_screenshot
from core.workflow import CREATE, Conflict, Guard, Transition, Workflow
from organisation.models import REGISTER_CURATORS

from .models import Method, Reason, Snapshot, SnapshotEvent, State
from .periods import Period

WAITING = frozenset({State.DUE, State.NEEDS_UPLOAD})


SnapshotConflict = Conflict.of(
    "SnapshotConflict", "The snapshot is not in a state that allows this.", __name__
)


class Do(models.TextChoices):
    REQUEST = "request", gettext_lazy("Ta en ögonblicksbild nu")
    ORDER = "order", gettext_lazy("Beställ ögonblicksbilden")
    UPLOAD = "upload", gettext_lazy("Ladda upp och försegla")
    RETAKE = "retake", gettext_lazy("Ta om (ny version)")
    SCHEDULE = "schedule", gettext_lazy("Gör halvårets ögonblicksbilder")
    ASK_FOR_UPLOAD = "ask_for_upload", gettext_lazy("Be om en skärmbild")
    SEAL = "seal", gettext_lazy("Försegla")


def snapshot_url(snapshot):
    return reverse("archive:snapshot", args=[snapshot.pk])


def enqueue(snapshot_id):
    from config.celery import enqueue as send

    from .tasks import capture

    send(capture, snapshot_id)  # if the broker is down, the capture sweep picks it up


# -- who may -----------------------------------------------------------------------------


def may_request(user, account, deputies):
    """The responsible person and kommunikationsavdelningen (and the kommunikationschef)
    take snapshots on demand, and whoever stands in for one of them on the deputies'
    day (organisation.deputies)."""
    return user.is_active and (
        account.responsible_id in deputies.acts_as(user)
        or bool(deputies.roles_over(user, account.unit) & REGISTER_CURATORS)
    )


def who_acts(snapshot, deputies):
    """Who brings a snapshot that is not sealed in, for a reader who cannot do it: the
    responsible person (whoever does their work today) or kommunikationsavdelningen."""
    person = deputies.acting_for(snapshot.account.responsible)
    if snapshot.state == State.NEEDS_UPLOAD:
        return _("Laddas upp av den ansvarige, %(person)s, eller kommunikationsavdelningen.") % {
            "person": person
        }
    return _(
        "Fångas automatiskt av Kanalkoll; misslyckas det får den ansvarige, %(person)s, "
        "ladda upp en skärmbild."
    ) % {"person": person}


def _requests(ctx):
    return may_request(ctx.actor, ctx.record.account, ctx.deputies)


def _state(ctx):
    return _("Ögonblicksbilden är redan %(state)s.") % {
        "state": ctx.record.get_state_display().lower()
    }


def _pending(ctx):
    return (
        ctx.parent.snapshots.filter(reason=ctx.data.get("reason", Reason.ON_DEMAND))
        .exclude(state__in=[State.SEALED, State.SUPERSEDED])
        .first()
    )


def _waiting(ctx):
    return _("Det finns redan en ögonblicksbild som väntar: %(s)s.") % {
        "s": _pending(ctx).get_state_display().lower()
    }


# -- applying ----------------------------------------------------------------------------


def apply_create(ctx):
    """A snapshot of the account, due now; the capture is queued when it is committed."""
    account, now = ctx.parent, ctx.now
    reason = ctx.data.get("reason", Reason.ON_DEMAND)
    snapshot = Snapshot.objects.create(
        account=account,
        period_key=Period.containing(now).key,
        reason=reason,
        due_at=now,
        created_at=now,
        requested_by=ctx.actor,
    )
    ctx.event_data = {"reason": reason, "period": snapshot.period_key}
    transaction.on_commit(lambda: enqueue(snapshot.pk))
    return snapshot


def accounts_active_in(period):
    """Accounts that were active at any time in the period: opened on or before its last
    day and not closed before its first."""
    return Account.objects.exclude(status=Status.PLANNED).filter(
        Q(opened_on__lte=period.last_day)
        | Q(opened_on__isnull=True, created_at__lt=period.ends_at),
        Q(closed_on__isnull=True) | Q(closed_on__gte=period.first_day),
    )


def semiannual_rows(ctx):
    """The half-year's snapshots still to make (`period`, ended): one for each account
    active in it that has none, due at the turn; the capture sweep takes them."""
    period, now = ctx.data["period"], ctx.now
    made = Snapshot.objects.filter(period_key=period.key, reason=Reason.SEMIANNUAL)
    missing = accounts_active_in(period).exclude(Exists(made.filter(account=OuterRef("pk"))))
    ctx.event_data = {"reason": Reason.SEMIANNUAL, "period": period.key}
    return [
        Snapshot(
            account_id=pk,
            period_key=period.key,
            reason=Reason.SEMIANNUAL,
            due_at=period.due_at,
            created_at=now,
        )
        for pk in missing.values_list("pk", flat=True)
    ]


def apply_retake(ctx):
    """A new capture of a sealed snapshot: a new version that supersedes it when sealed."""
    old, actor, now = ctx.record, ctx.actor, ctx.now
    snapshot = Snapshot.objects.create(
        account=old.account,
        period_key=old.period_key,
        reason=old.reason,
        version=old.version + 1,
        supersedes=old,
        due_at=now,
        created_at=now,
        requested_by=actor,
    )
    SnapshotEvent.write(
        snapshot,
        SnapshotEvent.Action.NEW_VERSION,
        actor=actor,
        at=now,
        data={"supersedes": old.pk, "version": snapshot.version},
    )
    transaction.on_commit(lambda: enqueue(snapshot.pk))
    return snapshot


def apply_upload(ctx):
    """The responsible person's screenshot when the automatic capture could not be made:
    checked (a ValidationError with the reason, nothing saved) and sealed."""
    from .document import MAX_PAGES, pages_needed

    png = clean_screenshot(ctx.data["file"]).read()
    pages = pages_needed(png)
    if pages > MAX_PAGES:
        raise ValidationError(
            _(
                "Skärmbilden är för smal för sin höjd: den skulle bli %(n)s sidor (högst "
                "%(max)s). Ladda upp en bredare bild."
            )
            % {"n": pages, "max": MAX_PAGES}
        )
    ctx.data.update(png=png, method=Method.UPLOAD)
    return apply_seal(ctx)


def apply_ask_for_upload(ctx):
    snapshot, reason = ctx.record, ctx.data["reason"]
    snapshot.state = State.NEEDS_UPLOAD
    snapshot.capture_error = reason
    snapshot.needs_upload_since = ctx.now
    snapshot.claimed_until = None
    snapshot.save()
    ctx.comment = reason
    ctx.notify(
        ctx.deputies.acting_for(snapshot.account.responsible),
        "snapshot_upload",
        {"snapshot": snapshot, "account": snapshot.account, "reason": reason},
        snapshot_url(snapshot),
    )
    return State.NEEDS_UPLOAD


def apply_seal(ctx):
    """Keep the screenshot, freeze the register data, render the PDF and seal it, in the
    one transaction: a snapshot is either sealed with its PDF or not changed at all."""
    from .document import render_snapshot

    snapshot, actor, now = ctx.record, ctx.actor, ctx.now
    png, method = ctx.data["png"], ctx.data["method"]
    account = Account.objects.select_related("unit", "unit__forvaltning", "responsible").get(
        pk=snapshot.account_id
    )
    snapshot.method = method
    snapshot.captured_at = now
    snapshot.captured_by = actor
    with translation.override(settings.LANGUAGE_CODE):  # a record in Swedish, whoever uploads
        snapshot.register_data = register_data(account)
        snapshot.image.save(f"{snapshot.pk}-v{snapshot.version}.png", ContentFile(png), save=False)
        pdf = render_snapshot(snapshot, png)
    snapshot.sha256 = hashlib.sha256(pdf).hexdigest()
    snapshot.pdf.save(snapshot.filename, ContentFile(pdf), save=False)
    snapshot.sealed_at = now
    snapshot.state = State.SEALED
    snapshot.claimed_until = None
    snapshot.capture_error = ""
    snapshot.save()
    ctx.event_action = (
        SnapshotEvent.Action.UPLOADED if method == Method.UPLOAD else SnapshotEvent.Action.CAPTURED
    )
    ctx.event_data = {"method": method, "sha256": snapshot.sha256}
    if snapshot.supersedes_id:
        old = Snapshot.objects.get(pk=snapshot.supersedes_id)
        old.supersede(snapshot)
        SnapshotEvent.write(
            old,
            SnapshotEvent.Action.SUPERSEDED,
            actor=actor,
            at=now,
            data={"superseded_by": snapshot.pk, "version": snapshot.version},
        )
    if snapshot.reason == Reason.FINAL:
        finish_closure(account.pk, now=now, actor=actor)  # a confirmed closure ends with this seal
    day = timezone.localdate(now)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.last_snapshot_on is None or locked.last_snapshot_on < day:
        with as_system(gettext_lazy("Ögonblicksbild förseglad"), caused_by=actor):
            save_bookkeeping(locked, now, last_snapshot_on=day)
    return snapshot


def register_data(account):
    """The account's register entry as it is at capture, frozen into the snapshot."""
    return {
        "name": account.display_name,
        "platform": account.get_platform_display(),
        "url": account.url,
        "handle": account.handle,
        "unit": account.unit.label,
        "responsible": str(account.responsible),
        "responsible_title": account.responsible.title,
        "purpose": account.purpose,
        "audience": account.audience,
        "status": account.get_status_display(),
        "opened_on": account.opened_on.isoformat() if account.opened_on else None,
        "plan_reference": account.plan_reference,
    }


# -- the table ---------------------------------------------------------------------------


def _latest(ctx):
    return not hasattr(ctx.record, "superseded_by")


def _period_ended(ctx):
    return ctx.data["period"].ends_at <= ctx.now


def _lock_account(account):
    return Account.objects.select_for_update().get(pk=account.pk)


_TAKES = gettext_lazy("Bara den ansvarige och kommunikationsavdelningen tar ögonblicksbilder.")
_LATEST = gettext_lazy("Bara den senaste förseglade versionen kan tas om.")
_NEW = {
    "target": State.DUE,
    "guards": (Guard(lambda ctx: _pending(ctx) is None, _waiting),),
    "lock": _lock_account,
    "event": SnapshotEvent.Action.CREATED,
}

TRANSITIONS = [
    Transition(
        Do.REQUEST,
        CREATE,
        may=lambda ctx: may_request(ctx.actor, ctx.parent, ctx.deputies),
        refusal=_TAKES,
        apply=apply_create,
        url_name="archive:request",
        **_NEW,
    ),
    # a confirmed closure orders its final snapshot
    Transition.by_system(Do.ORDER, CREATE, apply_create, **_NEW),
    # the half-year sweep, in bulk, for the half-year that has ended
    Transition.by_system(
        Do.SCHEDULE,
        CREATE,
        semiannual_rows,
        bulk=True,
        target=State.DUE,
        may=lambda ctx: ctx.actor is None,
        refusal=gettext_lazy("Halvårets ögonblicksbilder görs av Kanalkoll."),
        guards=(Guard(_period_ended, gettext_lazy("Halvåret är inte slut än.")),),
        event=SnapshotEvent.Action.CREATED,
    ),
    Transition(
        Do.UPLOAD,
        WAITING,
        target=State.SEALED,
        may=_requests,
        refusal=gettext_lazy(
            "Bara den ansvarige och kommunikationsavdelningen laddar upp skärmbilder."
        ),
        apply=apply_upload,
        url_name="archive:snapshot",
        event=SnapshotEvent.Action.UPLOADED,
    ),
    Transition(
        Do.RETAKE,
        frozenset({State.SEALED}),
        target=f"a new version, {State.DUE}",
        may=_requests,
        refusal=_TAKES,
        conflict=_LATEST,
        guards=(Guard(_latest, _LATEST),),
        apply=apply_retake,
        url_name="archive:retake",
        style="outline-primary",
        event=False,  # the new version's event is written by apply
    ),
    # the capture sweep, when the browser could not take it
    Transition.by_system(
        Do.ASK_FOR_UPLOAD,
        {State.DUE},
        apply_ask_for_upload,
        target=State.NEEDS_UPLOAD,
        event=SnapshotEvent.Action.NEEDS_UPLOAD,
    ),
    # the automatic capture (or the demo data); people upload
    Transition.by_system(
        Do.SEAL,
        WAITING,
        apply_seal,
        target=State.SEALED,
        conflict=gettext_lazy("Ögonblicksbilden är redan förseglad."),
        event=SnapshotEvent.Action.CAPTURED,
    ),
]


WORKFLOW = Workflow(
    Snapshot,
    TRANSITIONS,
    related=("account", "account__responsible", "account__unit"),
    conflict=_state,
    conflict_type=SnapshotConflict,
)
