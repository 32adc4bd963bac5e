"""The register's sweeps: feeds, passive accounts, administration coverage. Each takes
the caller's `now` and reminds once (notifications.notify_once)."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.worklist import start_of_day
from notifications.services import followed_up, notify_once
from organisation.deputies import Deputies
from organisation.models import communicator_of

from . import feeds
from .lifecycle import (
    account_url,
    activity_date,
    activity_link,
    credentials_lapsed,
    passive_accounts,
)
from .models import Account, Problem, Status

PROPOSAL_AFTER = datetime.timedelta(days=30)
CONFIRMATION_ESCALATES_AFTER = datetime.timedelta(days=30)


def read_feeds(now):
    return feeds.read_feeds(now)


def quarter_key(day):
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def remind_passive(now):
    """No activity for the platform's limit (90 days unless kommunikationsavdelningen
    set another): remind the responsible person. 30 days later: tell the
    förvaltningskommunikatör, with a proposal to close. Each once per passive spell."""
    today = timezone.localdate(now)
    deputies = Deputies.for_day(today)
    sent = 0
    for account, days, limit in passive_accounts(today):
        spell = f"passive:{account.pk}:{activity_date(account).isoformat()}"
        with transaction.atomic():
            if notify_once(
                spell,
                "remind",
                [account.responsible],
                "account_passive",
                {
                    "account": account,
                    "days": days,
                    "link": activity_link(account, account.responsible),
                },
                account_url(account),
                now=now,
            ):
                sent += 1
        if days >= limit + PROPOSAL_AFTER.days and followed_up(
            spell, "remind", now, after=PROPOSAL_AFTER
        ):  # 30 days after the reminder, however long the account was passive before
            with transaction.atomic():
                if notify_once(
                    spell,
                    "propose_close",
                    [deputies.acting_for(communicator_of(account.unit))],
                    "account_passive_close",
                    {"account": account, "days": days},
                    account_url(account),
                    now=now,
                ):
                    sent += 1
    return sent


COVERAGE_PROBLEMS = (Problem.FEW_ADMINS, Problem.NO_COMMUNICATOR, Problem.NO_SUBSTITUTE)


def remind_coverage(now):
    """Fewer than two administrators plus the communicator, no substitute, or a lapsed
    credentials check: remind the responsible person, once a quarter per problem."""
    today = timezone.localdate(now)
    deputies = Deputies.for_day(today)
    quarter = quarter_key(today)
    sent = 0
    for problem in COVERAGE_PROBLEMS:
        for account in Account.objects.with_problem(problem).select_related("responsible"):
            with transaction.atomic():
                if notify_once(
                    f"coverage:{account.pk}:{problem.value}",
                    quarter,
                    [deputies.acting_for(account.responsible)],
                    "account_coverage",
                    {"account": account, "problem": problem.label},
                    account_url(account),
                    now=now,
                ):
                    sent += 1
    for account in credentials_lapsed(today).select_related("responsible"):
        with transaction.atomic():
            if notify_once(
                f"credentials:{account.pk}",
                quarter,
                [deputies.acting_for(account.responsible)],
                "account_credentials",
                {"account": account},
                account_url(account),
                now=now,
            ):
                sent += 1
    return sent


def remind_confirmation(now):
    """The yearly "bekräfta uppgifterna": at an account's deadline remind the
    responsible person (or whoever does their work today); 30 days after that reminder,
    if still not confirmed, tell the förvaltningskommunikatör. Each once per deadline.

    What is due is data: an account's `confirmation_next_at` is the moment the sweep
    acts on it next (set by the services when the entry is confirmed). Each account is
    claimed with its row locked (skip_locked, so a second worker takes the next one),
    its stage sent once (notify_once) and its next moment moved on in the same
    transaction; with nothing due the sweep is one query."""
    sent = 0
    deputies = None
    while True:
        with transaction.atomic():
            account = (
                Account.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(confirmation_next_at__lte=now)
                .select_related("responsible", "unit")
                .order_by("confirmation_next_at", "pk")
                .first()
            )
            if account is None:
                return sent
            if deputies is None:
                deputies = Deputies.for_day(timezone.localdate(now))
            sent += _confirmation_stage(account, deputies, now)


def _confirmation_stage(account, deputies, now):
    """Send the stage of the account's confirmation that is due; move its next moment."""
    due = account.confirmation_due_at
    if account.status == Status.CLOSED or due is None:
        Account.objects.filter(pk=account.pk).update(confirmation_next_at=None)
        return 0
    subject = f"confirmation:{account.pk}:{timezone.localdate(due).isoformat()}"
    context = {"account": account, "due_on": timezone.localdate(due)}
    if account.confirmation_next_at <= due:
        sent = notify_once(
            subject,
            "remind",
            [deputies.acting_for(account.responsible)],
            "account_confirm",
            context,
            account_url(account),
            now=now,
        )
        # Escalated 30 days after the reminder went out, however late the sweep came.
        next_at = start_of_day(
            max(timezone.localdate(now), timezone.localdate(due)) + CONFIRMATION_ESCALATES_AFTER
        )
    else:
        sent = notify_once(
            subject,
            "escalate",
            [deputies.acting_for(communicator_of(account.unit))],
            "account_confirm_escalate",
            context,
            account_url(account),
            now=now,
        )
        next_at = None  # nothing more until someone confirms
    Account.objects.filter(pk=account.pk).update(confirmation_next_at=next_at)
    return int(sent)
