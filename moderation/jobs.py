"""The clock of the moderation desk. Sweeps take `now`, are idempotent and safe to run
in parallel: items are claimed with `select_for_update(skip_locked=True)`, the stage
pointer moves in the same transaction, and every reminder is also a unique
notifications.Reminder row (inserted in bulk by remind_deadlines, by notify_once
elsewhere)."""

import datetime
import html
import re
from types import SimpleNamespace

from django.conf import settings
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
from django.template.defaultfilters import date as date_filter
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS

from accounts.models import Account
from notifications.models import Notification, Reminder
from notifications.services import enqueue, notify_once
from organisation.models import Absence, Role, RoleAssignment, User

from .models import Item, Kind

# (stage number, key, offset from the deadline)
STAGES = (
    (1, "12h_left", -datetime.timedelta(hours=12)),
    (2, "deadline", datetime.timedelta(0)),
    (3, "overdue_24h", datetime.timedelta(hours=24)),
)
BATCH = 500
DATE_FORMAT = "j F Y H:i"  # as the e-mail templates show a deadline
UNWATCHED_AFTER = datetime.timedelta(days=7)


def first_reminder_at(due_at):
    return due_at + STAGES[0][2]


def remind_deadlines(now):
    """12 hours left: the handler. At the deadline: handler, the account's substitute
    and the chef. 24 hours overdue: the förvaltningskommunikatör.

    Set-based, a batch at a time: claim the due items (skip-locked), insert their
    Reminder rows in one INSERT … ON CONFLICT DO NOTHING RETURNING (only what this call
    inserted is sent), find every recipient with one query for absences and one for
    roles, write the notifications with one bulk INSERT (delivery enqueued on commit),
    move the stage pointers with one UPDATE."""
    sent = 0
    sweep = _Sweep(now)
    while True:
        with transaction.atomic():
            rows = list(
                Item.objects.filter(resolved_at__isnull=True, next_reminder_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_reminder_at")
                .values(
                    "pk",
                    "kind",
                    "due_at",
                    "reminder_stage",
                    "assignee_id",
                    "account__display_name",
                    "account__substitute_id",
                    "account__unit__path",
                    "account__unit__forvaltning_id",
                )[:BATCH]
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
            sweep.notify(todo)
            _advance([row["pk"] for row in rows], now)


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
    """What one sweep looks up once: absences on its day, roles in units, and each
    e-mail template rendered once per kind (see _Mail)."""

    def __init__(self, now):
        self.now = now
        day = timezone.localdate(now)
        self.away = {}
        for user_id, substitute_id in (
            Absence.objects.on(day).order_by("-starts_on", "pk").values_list("user", "substitute")
        ):
            self.away.setdefault(user_id, substitute_id)
        self.holders = {}  # (role, unit id) -> first active holder's id, or None
        self.mail = {}
        self.url = reverse("moderation:detail", args=[987654321]).replace("987654321", "{}")

    def acting(self, user_id):
        """organisation.models.acting_for, from the absences loaded once."""
        chain = [user_id]
        while (substitute := self.away.get(chain[-1])) is not None and substitute not in chain:
            chain.append(substitute)
        return chain[-1]

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
        up = [int(u) for u in reversed(row["account__unit__path"].strip("/").split("/"))]
        if key == "deadline":
            return [handler, row["account__substitute_id"], self._nearest(Role.CHEF, up)]
        forvaltning = row["account__unit__forvaltning_id"]
        start = up[up.index(forvaltning) :] if forvaltning in up else up
        return [self._nearest(Role.KOMMUNIKATOR, start)]

    def notify(self, todo):
        if not todo:
            return
        units = {
            int(u) for row, _key in todo for u in row["account__unit__path"].strip("/").split("/")
        }
        self._load_holders(units)
        per_reminder = []
        for row, key in todo:
            ids = [i for i in self.recipients(row, key) if i is not None]
            per_reminder.append((row, key, list(dict.fromkeys(ids))))
        people = User.objects.in_bulk(
            {i for _row, _key, ids in per_reminder for i in ids}
            | {row["assignee_id"] for row, _key, _ids in per_reminder}
        )
        with translation.override(settings.LANGUAGE_CODE):
            notifications = self._notifications(per_reminder, people)
        ids = _insert_notifications(notifications)
        transaction.on_commit(lambda: [enqueue(pk) for pk in ids])

    def _notifications(self, per_reminder, people):
        notifications = []
        for row, key, ids in per_reminder:
            kind = f"moderation_{key}"
            mail = self.mail.get(kind) or self.mail.setdefault(kind, _Mail(kind))
            url = self.url.format(row["pk"])
            item = _escaped(
                due=mail.date(row["due_at"]),
                kind=Kind(row["kind"]).label,
                account=row["account__display_name"],
                person=people[row["assignee_id"]],
                url=url,
            )
            for user_id in ids:
                recipient = people[user_id]
                name = _escaped(name=recipient.first_name or recipient.username)
                subject, text, body_html = mail.render(item | name)
                notifications.append((user_id, kind, subject, text, body_html, url))
        return notifications


def _escaped(**values):
    """Values as the templates show them: autoescaped (django.utils.html.escape is
    html.escape; called directly, it is much cheaper per value)."""
    return {field: html.escape(str(value)) for field, value in values.items()}


def _insert_notifications(rows):
    """Write (recipient id, kind, subject, text, html, url) rows as unsent notifications
    in one statement; returns their ids. On PostgreSQL an INSERT … SELECT FROM unnest of
    one array per column, which costs a fraction of bulk_create's per-value work."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = Notification.objects.bulk_create(
            Notification(recipient_id=r, kind=k, subject=s, body_text=t, body_html=h, url=u)
            for r, k, s, t, h, u in rows
        )
        return [n.pk for n in created]
    table = connection.ops.quote_name(Notification._meta.db_table)
    now = timezone.now()  # the model's defaults for created_at and due_at
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (recipient_id, kind, subject, body_text, body_html, url, "
            "created_at, due_at, attempts, last_error) "
            "SELECT r, k, s, t, h, u, %s, %s, 0, '' FROM unnest("
            "%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[]"
            ") AS rows (r, k, s, t, h, u) RETURNING id",
            [now, now, *map(list, zip(*rows, strict=True))],
        )
        return [row[0] for row in cursor.fetchall()]


class _Mail:
    """The three templates of a notification kind (subject, text, html), rendered once
    with a marker for each value; each notification then only fills in its values,
    escaped as the template would have escaped them. Gives what notify() renders."""

    FIELDS = ("name", "due", "kind", "account", "person", "url")
    # A moment that the date filter renders the same way as any other; its rendering
    # is the marker for the item's deadline.
    DATE_MARK = datetime.datetime(2001, 2, 3, 4, 5, tzinfo=datetime.UTC)

    def __init__(self, kind):
        marks = {field: f"\ue000{field}\ue001" for field in self.FIELDS}
        item = SimpleNamespace(
            due_at=self.DATE_MARK,
            get_kind_display=marks["kind"],
            account=SimpleNamespace(display_name=marks["account"]),
            assignee=marks["person"],
        )
        context = {
            "item": item,
            "recipient": SimpleNamespace(first_name=marks["name"], username=marks["name"]),
            "url": marks["url"],
            "site_url": settings.SITE_URL,
        }
        with translation.override(settings.LANGUAGE_CODE):
            parts = [
                get_template(f"notifications/email/{kind}.{ext}").render(context)
                for ext in ("subject.txt", "txt", "html")
            ]
            self._date_mark = date_filter(timezone.localtime(self.DATE_MARK), DATE_FORMAT)
            self._months = {n: str(name) for n, name in MONTHS.items()}
        marks["due"] = self._date_mark
        self.parts = parts
        self.pattern = re.compile("|".join(re.escape(m) for m in marks.values()))
        self.field_of = {mark: field for field, mark in marks.items()}

    def date(self, moment):
        """`moment|date:"j F Y H:i"` in local time, without a template."""
        local = timezone.localtime(moment)
        return f"{local.day} {self._months[local.month]} {local.year} {local:%H:%M}"

    def render(self, escaped):
        """The three parts with the (already escaped) values filled in."""

        def fill(part):
            return self.pattern.sub(lambda m: escaped[self.field_of[m.group(0)]], part)

        subject, text, body_html = (fill(part) for part in self.parts)
        return " ".join(subject.split())[:200], text.strip(), body_html.strip()


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
