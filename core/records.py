"""Records that are kept: the one set of bases every app's allmänna handlingar build on.

Two kinds, plus ordinary models:

- **kept** (`Kept`): never deleted, not on the instance, not on a queryset, not through a
  cascade or any other bulk path of the ORM (a `pre_delete` guard is connected for every
  kept model, which also turns off Django's fast delete for it). A queryset `update()`
  may set only the model's `bulk_fields` (bookkeeping such as claims and cached dates);
  any other field (a state, a text, a person) raises: those change through the app's
  service, which saves the locked instance or, where it needs a conditional UPDATE of a
  guarded field, calls `service_update()` inside its transaction.
- **append-only** (`AppendOnly`): kept, and never changed once written: saving an existing
  row, a queryset `update()`, `bulk_update()` and an upserting `bulk_create()` all raise.
- **ordinary**: organisation data, settings, delivery queues and schedules.

Immutability always raises; nothing here drops a change silently. The events of every
workflow are append-only rows on one base, core.events.Event.

Every model of the project's apps is classified below (CLASSIFICATION); a test fails
when a model is added without a line here.

| model                           | kind        | why                                                  |
|---------------------------------|-------------|------------------------------------------------------|
| organisation.Unit               | ordinary    | organisation data, kept by the systemadministratör   |
| organisation.User               | ordinary    | deactivated, never deleted (PROTECT everywhere)      |
| organisation.RoleAssignment     | ordinary    | organisation data                                    |
| organisation.Absence            | kept        | who stood in for whom; cancelled, not deleted        |
| organisation.Handover           | kept        | a departure and who took over                        |
| organisation.HandoverEvent      | append-only | each step of a handover                              |
| organisation.PersonEvent        | append-only | a person's roles and unit changed, and by what       |
| identity.GroupMapping           | ordinary    | a setting of the systemadministratör                 |
| identity.ScimToken              | kept        | the directory's key; revoked, never deleted          |
| identity.DirectoryEntry         | ordinary    | what the directory says (manager, department)        |
| identity.DirectoryGroup         | ordinary    | groups as the directory sends them                   |
| notifications.Notification      | ordinary    | the outbox: delivery state changes by design         |
| notifications.Reminder          | ordinary    | once-only keys of sent reminders                     |
| accounts.Account                | kept        | the register (förteckning); closed, never deleted    |
| accounts.HistoricalAccount      | kept        | the register's history (a recorded redaction may     |
|                                 |             | change a row; nothing deletes one)                   |
| accounts.HistoricalAccount_administrators | kept | the history of the administrators               |
| accounts.PassiveRule            | ordinary    | a setting of kommunikationsavdelningen               |
| accounts.Platform               | ordinary    | the platform catalogue, the systemadministratör's    |
| accounts.RegisterVersion        | ordinary    | a counter: the public register's cache key           |
| accounts.Attestation            | append-only | the responsible person's word, as given              |
| accounts.UsedLink               | append-only | a used one-click link stays used                     |
| accounts.Closure                | kept        | closing an account; changes through the closure flow |
| accounts.ClosureEvent           | append-only | each step of a closure                               |
| accounts.CredentialsRedaction   | append-only | who removed a suspected secret from the history, why |
| accounts.AccessibilityStatement | kept        | a published tillgänglighetsredogörelse; updated      |
| accounts.HistoricalAccessibilityStatement | kept | every version of it as it was published          |
| dataprotection.Assessment       | kept        | a platform's assessment; new versions supersede it   |
| dataprotection.AssessmentEvent  | append-only | each step, the dataskyddsombud's decision among them |
| activityplans.Plan              | kept        | the Aktivitetsplan; moves through the approval flow  |
| activityplans.PlanEvent         | append-only | each decision                                        |
| activityplans.Evaluation        | kept        | filled in once through the service                   |
| moderation.Item                 | kept        | the moderation case; changes through the desk        |
| moderation.ItemEvent            | append-only | each step taken on an item                           |
| moderation.PreservedCopy        | append-only | the evidence kept before removal                     |
| moderation.CheckIn              | append-only | "tillsyn gjord"                                      |
| moderation.PlatformEvent        | append-only | a platform's event about a comment, as received      |
| moderation.CommentVersion       | append-only | each version of a delivered comment                  |
| moderation.ApiToken             | kept        | who issued and revoked a key; revoked, not deleted   |
| moderation.PendingReminder      | ordinary    | the sweep's schedule, deleted when claimed           |
| moderation.ReminderBatch        | ordinary    | a work queue                                         |
| archive.Snapshot                | kept        | sealed snapshots never change (see archive.models)   |
| archive.SnapshotEvent           | append-only | each step of a snapshot, from due to sealed          |
| archive.Package                 | append-only | a period's package as handed out, with its SHA-256   |
| archive.PackageBuild            | ordinary    | a work queue: a package asked for, and its progress  |
| archive.Receipt                 | append-only | kommunarkivet's kvittens of one package              |
| internalcontrol.Threshold       | ordinary    | a setting of the kommun: the traffic lights' limits  |
| internalcontrol.Pack            | kept        | the yearly internal-control pack as generated        |
| retention.PlanEntry             | append-only | each version of the informationshanteringsplan's row |
| retention.Protocol              | append-only | the gallringsprotokoll: what was disposed, by what   |
| retention.Hold                  | kept        | a spärr; lifted, never deleted                       |
| retention.HeldRecord            | append-only | a single record a spärr covers                       |
| retention.HoldEvent             | append-only | placing and lifting a spärr                          |
| disclosure.Request              | kept        | a request for allmänna handlingar; moves through its |
|                                 |             | table, the clock is bookkeeping                      |
| disclosure.CoveredRecord        | kept        | a record a request covers; its decision is set once  |
| disclosure.Review               | append-only | each secrecy review (OSL), as made                   |
| disclosure.Decision             | append-only | each decision and what was handed out, with SHA-256  |
| disclosure.RequestEvent         | append-only | each step of a request                               |

Disposal (gallring) is the one way a kept record ever leaves: `dispose()` below, called
only by retention.gallring under a recorded decision of the nämnd. It deletes exactly the
rows it is given, inside the caller's transaction; a cascade that would reach any other
kept row still refuses, and a model whose `disposable` is False (sealed snapshots,
packages, receipts, the plan and its protocols) is never disposed of.
"""

from contextvars import ContextVar

from django.db import models, transaction
from django.db.models.signals import class_prepared, pre_delete
from django.utils.translation import gettext_lazy as _

KEPT, APPEND_ONLY, ORDINARY = "kept", "append-only", "ordinary"

CLASSIFICATION = {
    "organisation.Unit": ORDINARY,
    "organisation.User": ORDINARY,
    "organisation.RoleAssignment": ORDINARY,
    "organisation.Absence": KEPT,
    "organisation.Handover": KEPT,
    "organisation.HandoverEvent": APPEND_ONLY,
    "organisation.PersonEvent": APPEND_ONLY,
    "identity.GroupMapping": ORDINARY,
    "identity.ScimToken": KEPT,
    "identity.DirectoryEntry": ORDINARY,
    "identity.DirectoryGroup": ORDINARY,
    "notifications.Notification": ORDINARY,
    "notifications.Reminder": ORDINARY,
    "accounts.Account": KEPT,
    "accounts.HistoricalAccount": KEPT,
    "accounts.HistoricalAccount_administrators": KEPT,
    "accounts.PassiveRule": ORDINARY,
    "accounts.Platform": ORDINARY,
    "accounts.RegisterVersion": ORDINARY,
    "accounts.Attestation": APPEND_ONLY,
    "accounts.UsedLink": APPEND_ONLY,
    "accounts.Closure": KEPT,
    "accounts.ClosureEvent": APPEND_ONLY,
    "accounts.CredentialsRedaction": APPEND_ONLY,
    "accounts.AccessibilityStatement": KEPT,
    "accounts.HistoricalAccessibilityStatement": KEPT,
    "dataprotection.Assessment": KEPT,
    "dataprotection.AssessmentEvent": APPEND_ONLY,
    "activityplans.Plan": KEPT,
    "activityplans.PlanEvent": APPEND_ONLY,
    "activityplans.Evaluation": KEPT,
    "moderation.Item": KEPT,
    "moderation.ItemEvent": APPEND_ONLY,
    "moderation.PreservedCopy": APPEND_ONLY,
    "moderation.CheckIn": APPEND_ONLY,
    "moderation.PlatformEvent": APPEND_ONLY,
    "moderation.CommentVersion": APPEND_ONLY,
    "moderation.ApiToken": KEPT,
    "moderation.PendingReminder": ORDINARY,
    "moderation.ReminderBatch": ORDINARY,
    "archive.Snapshot": KEPT,
    "archive.SnapshotEvent": APPEND_ONLY,
    "archive.Package": APPEND_ONLY,
    "archive.PackageBuild": ORDINARY,
    "archive.Receipt": APPEND_ONLY,
    "internalcontrol.Threshold": ORDINARY,
    "internalcontrol.Pack": KEPT,
    "retention.PlanEntry": APPEND_ONLY,
    "retention.Protocol": APPEND_ONLY,
    "retention.Hold": KEPT,
    "retention.HeldRecord": APPEND_ONLY,
    "retention.HoldEvent": APPEND_ONLY,
    "disclosure.Request": KEPT,
    "disclosure.CoveredRecord": KEPT,
    "disclosure.Review": APPEND_ONLY,
    "disclosure.Decision": APPEND_ONLY,
    "disclosure.RequestEvent": APPEND_ONLY,
}

NEVER_DELETED = _("Det här är en handling som sparas; den tas aldrig bort.")
NEVER_CHANGED = _("Det här är en handling som sparas; den ändras aldrig.")


class RecordsAreKept(Exception):
    """Raised on any attempt to delete a record that the law says must be kept, or to
    change one that may not change (or not that way)."""


def _deleted_message(model):
    return getattr(model, "kept_message", None) or NEVER_DELETED


class KeptQuerySet(models.QuerySet):
    def delete(self):
        raise RecordsAreKept(_deleted_message(self.model))

    delete.queryset_only = True

    def _raw_delete(self, using):
        raise RecordsAreKept(_deleted_message(self.model))

    def update(self, **kwargs):
        guarded = sorted(set(kwargs) - set(getattr(self.model, "bulk_fields", ())))
        if guarded:
            raise RecordsAreKept(
                _("%(fields)s ändras bara genom tjänsten, inte med en massändring.")
                % {"fields": ", ".join(guarded)}
            )
        return super().update(**kwargs)

    def service_update(self, **kwargs):
        """The services' own conditional UPDATE of guarded fields (a claim, a
        compare-and-set), inside the transaction that locks and records the change.
        Every caller is a service (or a test arranging its data): grep for it."""
        if not transaction.get_connection(self.db).in_atomic_block:
            raise RecordsAreKept(_("En ändring av en handling görs i tjänstens transaktion."))
        return super().update(**kwargs)


class Kept(models.Model):
    """A record never deleted: the base of every kept model (see the module's table).

    `bulk_fields`: the fields a plain queryset update() may set. `kept_message`: what a
    refused delete says. `disposable`: False for records that gallring never removes,
    whatever a plan says (see dispose())."""

    bulk_fields = ()
    kept_message = None
    disposable = True

    objects = KeptQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise RecordsAreKept(_deleted_message(type(self)))


class AppendOnlyQuerySet(KeptQuerySet):
    def update(self, **kwargs):
        raise RecordsAreKept(NEVER_CHANGED)

    def service_update(self, **kwargs):
        raise RecordsAreKept(NEVER_CHANGED)

    def bulk_update(self, objs, fields, batch_size=None):
        raise RecordsAreKept(NEVER_CHANGED)

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            raise RecordsAreKept(NEVER_CHANGED)
        return super().bulk_create(objs, *args, **kwargs)

    def update_or_create(self, *args, **kwargs):
        raise RecordsAreKept(NEVER_CHANGED)


class AppendOnly(Kept):
    """Rows written once and never changed or deleted (events, preserved copies,
    check-ins, attestations, receipts)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RecordsAreKept(NEVER_CHANGED)
        super().save(*args, **kwargs)


def _recorded(model):
    """The model whose records `model` holds: itself, or for one of simple_history's
    history models the model (or the owner of the many-to-many) it records."""
    source = getattr(model, "instance_type", None)
    if source is None:
        return model
    return source._meta.auto_created or source


def kind_of(model):
    """KEPT, APPEND_ONLY or ORDINARY, from the bases (a history of a kept model is kept,
    not append-only: a recorded redaction may change it)."""
    if issubclass(model, AppendOnly):
        return APPEND_ONLY
    if issubclass(_recorded(model), Kept):
        return KEPT
    return ORDINARY


# The (model label, pk) pairs that dispose() is deleting right now, in this context only.
_disposing = ContextVar("kanalkoll_disposing", default=frozenset())

NEVER_DISPOSED = _("Den här typen av handling gallras aldrig.")


def dispose(queryset, *, decision):
    """Delete exactly the rows of `queryset`: gallring under `decision` (the nämnd's
    decision, as text for the error trail). The one path by which a kept record is ever
    deleted, and retention.gallring is its only caller (tests/test_retention.py checks the
    source). It runs inside the caller's transaction, which writes the gallringsprotokoll;
    a cascade that would take any other kept row with it raises, as every delete does,
    and a model that is not `disposable` is refused. Returns the number of rows deleted."""
    model = queryset.model
    if not getattr(model, "disposable", True):
        raise RecordsAreKept(NEVER_DISPOSED)
    if not decision:
        raise RecordsAreKept(_("Gallring kräver ett beslut."))
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RecordsAreKept(_("Gallring görs i gallringens transaktion."))
    pks = list(queryset.values_list("pk", flat=True))
    if not pks:
        return 0
    allowed = frozenset((model._meta.label, pk) for pk in pks)
    token = _disposing.set(allowed)
    try:
        rows = models.QuerySet(model=model, using=queryset.db).filter(pk__in=pks)
        deleted = models.QuerySet.delete(rows)[1].get(model._meta.label, 0)
    finally:
        _disposing.reset(token)
    return deleted


def _refuse_delete(sender, instance, **kwargs):
    if (sender._meta.label, instance.pk) in _disposing.get():
        return
    raise RecordsAreKept(_deleted_message(sender))


def _guard(sender, **kwargs):
    """Connected to class_prepared: every concrete kept model (and its history) refuses
    deletion on every path through the ORM, cascades and bulk deletes included."""
    if sender._meta.abstract or not issubclass(_recorded(sender), Kept):
        return
    pre_delete.connect(
        _refuse_delete, sender=sender, weak=False, dispatch_uid=f"kept:{sender._meta.label}"
    )


class_prepared.connect(_guard, dispatch_uid="core.records.guard")
