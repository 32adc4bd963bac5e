"""The clock of the moderation desk, in two halves.

The sweep (remind_deadlines, every 5 minutes) claims the reminder stages that have
fallen due: per batch, the due PendingReminder rows locked skip-locked (so of two sweeps
only one claims a row) and deleted, and one ReminderBatch row holding every stage, in
one transaction; the batch is handed to a worker on commit. The worker
(send_batch) takes the batch once (skip-locked, while unsent), records each reminder as
a unique notifications.Reminder row, finds the people to tell and writes their
notifications, in one transaction. A batch whose task was lost is sent by a later
sweep, so nothing is lost when the broker or a worker is down."""

import datetime
import logging
from operator import itemgetter

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import Account
from config.celery import enqueue
from core.returning import delete_returning
from notifications.rendering import loader
from notifications.services import (
    Reminders,
    claim_reminders,
    enqueue_many,
    link_format,
    write_unrendered,
)
from organisation.deputies import Deputies
from organisation.models import RoleHolders, ids_up

from .models import (
    STAGE_KINDS,
    STAGE_NAMES,
    Item,
    PendingReminder,
    ReminderBatch,
    Stage,
    superseded,
)

REMINDER_KINDS = tuple(STAGE_KINDS.values())
BATCH = 2000
# A batch not sent this long after it was claimed lost its task; the sweep sends it.
SEND_WITHIN = datetime.timedelta(minutes=10)
UNWATCHED_AFTER = datetime.timedelta(days=7)

logger = logging.getLogger(__name__)


def remind_deadlines(now):
    """12 hours left: the handler. At the deadline: handler, the account's substitute
    and the chef. 24 hours overdue: the förvaltningskommunikatör.

    Claims every due stage, a batch at a time, and hands each batch to a worker on
    commit; then sends, itself, any batch claimed more than SEND_WITHIN ago and still
    unsent. Returns how many reminders it claimed to be sent."""
    claimed = 0
    while True:
        # Its own transaction per batch when called from the task; inside a caller's
        # transaction no savepoint: nothing here catches a failure of the batch, which
        # rolls back the caller's transaction either way.
        with transaction.atomic(savepoint=False):
            rows, batch_id, sent = _claim(now)
            if batch_id is not None:
                transaction.on_commit(lambda pk=batch_id: _hand_to_worker(pk))
        claimed += sent
        if rows < BATCH:
            break
    send_unsent(now, claimed_before=now - SEND_WITHIN)
    return claimed


def _claim(now):
    """Claim up to BATCH due stages: lock and delete their pending rows and write them
    as a ReminderBatch, each entry to be sent or skipped. Returns (rows claimed, the
    batch's id if it has reminders to send else None, reminders to send). A stage is
    skipped when the next stage of the same item is due as well (models.superseded):
    only the latest due stage goes out.

    The rows are taken from the due index with skip-locked row locks, so two sweeps
    never take the same row and never wait for each other (moderation.workflow.close
    removes an item's rows with skip-locked locks as well); on SQLite every write
    transaction holds the one write lock.

    Two statements, none per row: the due rows locked, deleted and their values
    returned in one DELETE … RETURNING (core.returning.delete_returning: the ORM builds
    the skip-locked SELECT, only the DELETE around it is written by hand), and one
    INSERT of the batch with its entries in its own row (ReminderBatch.entries), in the
    order they fell due."""
    due = delete_returning(
        PendingReminder.objects.select_for_update(skip_locked=True)
        .filter(due_at__lte=now)
        .order_by("due_at", "pk")[:BATCH],
        ["item", "stage", "due_at", "id"],
    )
    if not due:
        return 0, None, 0
    due.sort(key=itemgetter(2, 3))  # (due_at, id): RETURNING comes in no order
    entries = [[item, stage, superseded(stage, due_at, now)] for item, stage, due_at, _pk in due]
    size = sum(not skipped for _item, _stage, skipped in entries)
    batch = ReminderBatch.objects.create(
        claimed_at=now, sent_at=None if size else now, entries=entries
    )
    return len(due), batch.pk if size else None, size


def _hand_to_worker(batch_id):
    from .tasks import send_batch

    enqueue(send_batch, batch_id)


def send_unsent(now, claimed_before=None):
    """Send every unsent batch (claimed before `claimed_before`, if given): the sweep's
    fallback for a lost task, and what `manage.py run_jobs` relies on when no worker
    runs. Returns how many reminders it sent."""
    unsent = ReminderBatch.objects.filter(sent_at__isnull=True)
    if claimed_before is not None:
        unsent = unsent.filter(claimed_at__lt=claimed_before)
    sent = 0
    for pk in unsent.order_by("claimed_at", "pk").values_list("pk", flat=True):
        try:
            sent += send_batch(pk, now)
        except Exception:  # noqa: BLE001 - one bad batch (rolled back) holds up no other
            logger.exception("Reminder batch %s could not be sent; it is tried again", pk)
    return sent


def send_batch(batch_id, now):
    """The worker's half: send the reminders of one claimed batch, once.

    The batch is taken with a skip-locked row lock while unsent and marked sent in the
    transaction that writes the notifications, so a task delivered twice, two workers
    or a sweep sending the same batch never send twice; each reminder is also a unique
    notifications.Reminder row ("item:<pk>", stage), claimed together
    (notifications.services.claim_reminders), and only what this call claimed is sent. A stage
    of an item handled since it was claimed is not sent. Set-based: absences once,
    accounts and roles once, all notifications in one INSERT, unrendered (recipient,
    kind, link and {"item": pk}); they are rendered from the item when sent or shown
    (notifications.rendering, with reminder_contexts below). Returns how many
    reminders it sent."""
    with transaction.atomic():
        batch = (
            ReminderBatch.objects.select_for_update(skip_locked=True)
            .filter(pk=batch_id, sent_at__isnull=True)
            .first()
        )
        if batch is None:
            return 0
        batch.sent_at = now
        batch.save(update_fields=["sent_at"])
        pairs = batch.pairs()
        items = {
            row["pk"]: row
            for row in Item.objects.filter(
                pk__in={item for item, _stage in pairs}, resolved_at__isnull=True
            ).values("pk", "assignee_id", "account_id")
        }
        wanted = {
            (f"item:{item}", STAGE_NAMES[stage]): (items[item], stage)
            for item, stage in pairs
            if item in items
        }
        todo = [wanted[key] for key in claim_reminders(wanted, now)]
        ids = write_unrendered(_Recipients(now).notifications(todo), now)
        transaction.on_commit(lambda: enqueue_many(ids))
    return len(todo)


def reminder_contexts(contexts):
    """The loader of the reminder kinds for notifications.rendering: {"item": pk} →
    the item with its account and handler, all items in one query."""
    items = Item.objects.select_related("account", "assignee").in_bulk(
        {context["item"] for context in contexts}
    )
    return [{"item": items.get(context["item"])} for context in contexts]


class _Recipients:
    """Who is told of a batch of reminders, from what is looked up once: the day's
    deputies (organisation.deputies), the accounts of the items and the holders of
    roles in their units (organisation.models.RoleHolders, the rule of chef_of_unit
    and communicator_of)."""

    def __init__(self, now):
        self.deputies = Deputies.at(now)
        self.roles = RoleHolders()
        self.accounts = {}  # id -> (substitute id, unit ids from the unit up, förvaltning id)
        self.url = link_format("moderation:detail")

    def _load_accounts(self, account_ids):
        missing = set(account_ids) - self.accounts.keys()
        if not missing:
            return
        for pk, substitute_id, path, forvaltning_id in Account.objects.filter(
            pk__in=missing
        ).values_list("pk", "substitute_id", "unit__path", "unit__forvaltning_id"):
            up = ids_up(path)
            self.accounts[pk] = (substitute_id, up, forvaltning_id)

    def _pk(self, person):
        return person.pk if person is not None else None

    def recipients(self, item, stage):
        """Ids: the handler (whoever does the assignee's work today); at the deadline
        also the account's substitute and the chef; then the communicator. Each of
        them, if away, through their own deputy."""
        handler = self.deputies.acting_for_id(item["assignee_id"])
        if stage == Stage.TWELVE_HOURS_LEFT:
            return [handler]
        substitute_id, up, forvaltning = self.accounts[item["account_id"]]
        if stage == Stage.DEADLINE:
            chef = self._pk(self.roles.chef_of(up))
            return [handler] + [self.deputies.acting_for_id(p) for p in (substitute_id, chef)]
        return [self.deputies.acting_for_id(self._pk(self.roles.communicator_of(up, forvaltning)))]

    def notifications(self, reminders):
        """(recipient id, kind, link, context) of each notification of these
        (item, stage) reminders."""
        if not reminders:
            return []
        self._load_accounts({item["account_id"] for item, _stage in reminders})
        self.roles.load({u for _s, up, _f in self.accounts.values() for u in up})
        rows = []
        for item, stage in reminders:
            url, context = self.url.format(item["pk"]), {"item": item["pk"]}
            ids = [i for i in self.recipients(item, stage) if i is not None]
            rows.extend(
                (user_id, STAGE_KINDS[stage], url, context) for user_id in dict.fromkeys(ids)
            )
        return rows


def unwatched_accounts(now):
    """Active accounts whose responsible person has not confirmed "tillsyn gjord" for 7
    days (counted from the start of the account if never)."""
    return (
        Account.objects.active()
        .annotate(last_check_in=Max("check_ins__at"))
        .annotate(watched_since=Coalesce("last_check_in", "created_at"))
        .filter(watched_since__lt=now - UNWATCHED_AFTER)
    )


unwatched_contexts = loader(account=Account.objects.all())


def remind_unwatched(now):
    """Remind the responsible person of an unwatched account, once per unwatched spell.

    One query of the unwatched accounts, one of the reminders of their spells already
    sent (the unique Reminder index); what is left goes out together (Reminders)."""
    reminders = Reminders(now)
    url = reverse("moderation:list") + "?konto={}"
    for pk, responsible, last_check_in in unwatched_accounts(now).values_list(
        "pk", "responsible_id", "last_check_in"
    ):
        spell = last_check_in.isoformat() if last_check_in else "never"
        reminders.add(
            f"unwatched:{pk}:{spell}",
            "7d",
            [responsible],
            "moderation_unwatched",
            {"account": pk},
            url.format(pk),
        )
    return reminders.send()


def poll_platforms(now):
    """Comments from the platforms that are polled rather than pushing (Mastodon's
    notifications, moderation.intake.mastodon); Meta pushes to its webhook."""
    from .intake import mastodon

    return mastodon.poll_all(now)
