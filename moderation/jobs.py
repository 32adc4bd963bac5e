"""The clock of the moderation desk. Sweeps take `now`, are idempotent and safe to run
in parallel: items are claimed with `select_for_update(skip_locked=True)`, the stage
pointer moves in the same transaction, and every reminder is also a unique
notifications.Reminder row (inserted in bulk by remind_deadlines, by notify_once
elsewhere)."""

import datetime
import json
from functools import partial

from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    PositiveSmallIntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from notifications.models import Notification, Reminder
from notifications.services import enqueue_many, notify_once
from organisation.models import Absence, Role, RoleAssignment

from .models import Item

# (stage number, key, offset from the deadline)
STAGES = (
    (1, "12h_left", -datetime.timedelta(hours=12)),
    (2, "deadline", datetime.timedelta(0)),
    (3, "overdue_24h", datetime.timedelta(hours=24)),
)
REMINDER_KINDS = tuple(f"moderation_{key}" for _number, key, _offset in STAGES)
BATCH = 500
UNWATCHED_AFTER = datetime.timedelta(days=7)


def first_reminder_at(due_at):
    return due_at + STAGES[0][2]


def remind_deadlines(now):
    """12 hours left: the handler. At the deadline: handler, the account's substitute
    and the chef. 24 hours overdue: the förvaltningskommunikatör.

    The sweep decides and records; it renders nothing. Set-based, a batch at a time:
    claim the due items (skip-locked), insert their Reminder rows in one INSERT … ON
    CONFLICT DO NOTHING RETURNING (only what this call inserted is sent), find every
    recipient (absences once per sweep; accounts and roles once, for those not seen
    yet), write the notifications unrendered (recipient, kind, link and {"item": pk})
    in one INSERT, move the stage pointers in one UPDATE, and on commit enqueue one task
    that delivers the batch. The texts are rendered from the item when they are sent or
    shown (notifications.rendering, with reminder_contexts below)."""
    sent = 0
    sweep = _Sweep(now)
    while True:
        with transaction.atomic():
            rows = list(
                Item.objects.filter(resolved_at__isnull=True, next_reminder_at__lte=now)
                .select_for_update(skip_locked=True)
                .order_by("next_reminder_at")
                .values("pk", "due_at", "reminder_stage", "assignee_id", "account_id")[:BATCH]
            )
            if not rows:
                return sent
            wanted = [
                (row, key)
                for row in rows
                for number, key, offset in STAGES
                if number > row["reminder_stage"]
                and row["due_at"] + offset <= now
                # The 12-hour warning is pointless once the deadline has passed.
                and not (number == 1 and row["due_at"] <= now)
            ]
            claimed = _claim_reminders({(f"item:{row['pk']}", key) for row, key in wanted})
            todo = [(row, key) for row, key in wanted if (f"item:{row['pk']}", key) in claimed]
            sent += len(todo)
            ids = _insert_notifications(sweep.notifications(todo))
            _advance([row["pk"] for row in rows], now)
            transaction.on_commit(partial(enqueue_many, ids))


def reminder_contexts(contexts):
    """The loader of the reminder kinds for notifications.rendering: {"item": pk} →
    the item with its account and handler, all items in one query."""
    items = Item.objects.select_related("account", "assignee").in_bulk(
        {context["item"] for context in contexts}
    )
    return [{"item": items.get(context["item"])} for context in contexts]


def _advance(pks, now):
    """Move each claimed item's stage pointer past every stage that has fallen due."""
    stage, next_at = [], []
    for i, (number, _key, offset) in enumerate(STAGES):
        reached = Q(due_at__lte=now - offset)
        stage.append(When(reached, then=Value(number, output_field=PositiveSmallIntegerField())))
        following = (
            ExpressionWrapper(F("due_at") + STAGES[i + 1][2], output_field=DateTimeField())
            if i + 1 < len(STAGES)
            else Value(None, output_field=DateTimeField())
        )
        next_at.append(When(reached, then=following))
    Item.objects.filter(pk__in=pks).update(
        reminder_stage=Case(*reversed(stage), default=F("reminder_stage")),
        next_reminder_at=Case(*reversed(next_at), default=F("next_reminder_at")),
    )


def _claim_reminders(keys):
    """Insert the (subject, stage) Reminder rows; return those this call inserted. Of two
    racing sweeps, one inserts a row and the other gets it back as a conflict."""
    if not keys:
        return set()
    table = connection.ops.quote_name(Reminder._meta.db_table)
    created = timezone.now()
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    params = [value for subject, stage in keys for value in (subject, stage, created)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (subject, stage, created_at) VALUES {values} "
            "ON CONFLICT (subject, stage) DO NOTHING RETURNING subject, stage",
            params,
        )
        return {tuple(row) for row in cursor.fetchall()}


class _Sweep:
    """What one sweep looks up once: absences on its day, the accounts of its items
    and the holders of roles in their units."""

    def __init__(self, now):
        self.now = now
        day = timezone.localdate(now)
        self.away = {}
        for user_id, substitute_id in (
            Absence.objects.on(day).order_by("-starts_on", "pk").values_list("user", "substitute")
        ):
            self.away.setdefault(user_id, substitute_id)
        self.accounts = {}  # id -> (substitute id, unit ids from the unit up, förvaltning id)
        self.holders = {}  # (role, unit id) -> first active holder's id, or None
        self.url = reverse("moderation:detail", args=[987654321]).replace("987654321", "{}")

    def acting(self, user_id):
        """organisation.models.acting_for, from the absences loaded once."""
        chain = [user_id]
        while (substitute := self.away.get(chain[-1])) is not None and substitute not in chain:
            chain.append(substitute)
        return chain[-1]

    def _load_accounts(self, account_ids):
        missing = set(account_ids) - self.accounts.keys()
        if not missing:
            return
        for pk, substitute_id, path, forvaltning_id in Account.objects.filter(
            pk__in=missing
        ).values_list("pk", "substitute_id", "unit__path", "unit__forvaltning_id"):
            up = [int(u) for u in reversed(path.strip("/").split("/"))]
            self.accounts[pk] = (substitute_id, up, forvaltning_id)

    def _load_holders(self, unit_ids):
        missing = {(role, u) for u in unit_ids for role in (Role.CHEF, Role.KOMMUNIKATOR)}
        missing -= self.holders.keys()
        if not missing:
            return
        for key in missing:
            self.holders[key] = None
        for role, unit_id, user_id in (
            RoleAssignment.objects.filter(
                role__in=[Role.CHEF, Role.KOMMUNIKATOR],
                unit_id__in={u for _r, u in missing},
                user__is_active=True,
            )
            .order_by("-id")  # the first assignment wins: write it last
            .values_list("role", "unit_id", "user_id")
        ):
            self.holders[(role, unit_id)] = user_id

    def _nearest(self, role, unit_ids):
        return next((self.holders[(role, u)] for u in unit_ids if self.holders[(role, u)]), None)

    def recipients(self, row, key):
        """Ids, as _recipients in organisation terms: chef_of_unit, communicator_of."""
        handler = self.acting(row["assignee_id"])
        if key == "12h_left":
            return [handler]
        substitute_id, up, forvaltning = self.accounts[row["account_id"]]
        if key == "deadline":
            return [handler, substitute_id, self._nearest(Role.CHEF, up)]
        start = up[up.index(forvaltning) :] if forvaltning in up else up
        return [self._nearest(Role.KOMMUNIKATOR, start)]

    def notifications(self, todo):
        """(recipient id, kind, link, context) of each notification of these reminders."""
        if not todo:
            return []
        self._load_accounts({row["account_id"] for row, _key in todo})
        self._load_holders({u for _s, up, _f in self.accounts.values() for u in up})
        rows = []
        for row, key in todo:
            url, context = self.url.format(row["pk"]), {"item": row["pk"]}
            ids = [i for i in self.recipients(row, key) if i is not None]
            rows.extend(
                (user_id, f"moderation_{key}", url, context) for user_id in dict.fromkeys(ids)
            )
        return rows


def _insert_notifications(rows):
    """Write (recipient id, kind, url, context) rows as unsent, unrendered notifications
    in one statement; returns their ids. On PostgreSQL an INSERT … SELECT FROM unnest of
    one array per column, which costs a fraction of bulk_create's per-value work."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = Notification.objects.bulk_create(
            Notification(recipient_id=r, kind=k, url=u, context=c, subject="", body_text="")
            for r, k, u, c in rows
        )
        return [n.pk for n in created]
    table = connection.ops.quote_name(Notification._meta.db_table)
    now = timezone.now()  # the model's defaults for created_at and due_at
    recipients, kinds, urls, contexts = map(list, zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (recipient_id, kind, url, context, subject, body_text, "
            "body_html, created_at, due_at, attempts, last_error) "
            "SELECT r, k, u, c::jsonb, '', '', '', %s, %s, 0, '' FROM unnest("
            "%s::bigint[], %s::text[], %s::text[], %s::text[]) AS rows (r, k, u, c) "
            "RETURNING id",
            [now, now, recipients, kinds, urls, [json.dumps(c) for c in contexts]],
        )
        return [row[0] for row in cursor.fetchall()]


def unwatched_accounts(now):
    """Active accounts whose responsible person has not confirmed "tillsyn gjord" for 7
    days (counted from the start of the account if never)."""
    return (
        Account.objects.active()
        .annotate(last_check_in=Max("check_ins__at"))
        .annotate(watched_since=Coalesce("last_check_in", "created_at"))
        .filter(watched_since__lt=now - UNWATCHED_AFTER)
    )


def remind_unwatched(now):
    """Remind the responsible person of an unwatched account, once per unwatched spell."""
    sent = 0
    for account in unwatched_accounts(now).select_related("responsible"):
        with transaction.atomic():
            spell = account.last_check_in.isoformat() if account.last_check_in else "never"
            if notify_once(
                f"unwatched:{account.pk}:{spell}",
                "7d",
                [account.responsible],
                "moderation_unwatched",
                {"account": account, "last_check_in": account.last_check_in},
                reverse("moderation:list") + f"?konto={account.pk}",
            ):
                sent += 1
    return sent
