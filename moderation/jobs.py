"""The clock of the moderation desk. Sweeps take `now`, are idempotent and safe to run
in parallel: items are claimed with `select_for_update(skip_locked=True)`, the stage
pointer moves in the same transaction, and every reminder is also a unique
notifications.Reminder row (notify_once)."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import Account
from notifications.services import notify_once
from organisation.models import acting_for, chef_of_unit, communicator_of

from .models import Item

# (stage number, key, offset from the deadline)
STAGES = (
    (1, "12h_left", -datetime.timedelta(hours=12)),
    (2, "deadline", datetime.timedelta(0)),
    (3, "overdue_24h", datetime.timedelta(hours=24)),
)
BATCH = 200
UNWATCHED_AFTER = datetime.timedelta(days=7)


def first_reminder_at(due_at):
    return due_at + STAGES[0][2]


def _next_at(item):
    for number, _key, offset in STAGES:
        if number > item.reminder_stage:
            return item.due_at + offset
    return None


def _recipients(item, key, now):
    person = acting_for(item.assignee, now)
    if key == "12h_left":
        return [person]
    account = item.account
    if key == "deadline":
        return [person, account.substitute, chef_of_unit(account.unit)]
    return [communicator_of(account.unit)]


def remind_deadlines(now):
    """12 hours left: the handler. At the deadline: handler, the account's substitute
    and the chef. 24 hours overdue: the förvaltningskommunikatör."""
    sent = 0
    while True:
        with transaction.atomic():
            items = list(
                Item.objects.filter(resolved_at__isnull=True, next_reminder_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("account", "account__unit", "account__substitute", "assignee")
                .order_by("next_reminder_at")[:BATCH]
            )
            if not items:
                return sent
            for item in items:
                for number, key, offset in STAGES:
                    if number <= item.reminder_stage or item.due_at + offset > now:
                        continue
                    late = number == 1 and item.due_at <= now  # past the deadline already
                    if not late and notify_once(
                        f"item:{item.pk}",
                        key,
                        _recipients(item, key, now),
                        f"moderation_{key}",
                        {"item": item},
                        reverse("moderation:detail", args=[item.pk]),
                    ):
                        sent += 1
                    item.reminder_stage = number
                item.next_reminder_at = _next_at(item)
            Item.objects.bulk_update(items, ["reminder_stage", "next_reminder_at"])


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
