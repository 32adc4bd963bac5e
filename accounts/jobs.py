"""The register's sweeps: feeds, passive accounts, administration coverage. Each takes
the caller's `now`, selects only the reminders not yet sent (notifications.services.
unsent) and sends them together, each once (notifications.services.Reminders)."""

import datetime

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core.worklist import start_of_day
from notifications.models import Reminder
from notifications.rendering import loader
from notifications.services import Reminders, followed_up_since, link_format, notify_once, unsent
from organisation.deputies import Deputies
from organisation.models import RoleHolders, communicator_of, ids_up

from . import feeds, remedies
from .lifecycle import (
    account_url,
    activity_link_of,
    credentials_lapsed,
    passive,
    past_limit,
)
from .models import Account, PassiveRule, Problem, Status

PROPOSAL_AFTER = datetime.timedelta(days=30)
CONFIRMATION_ESCALATES_AFTER = datetime.timedelta(days=30)


def read_feeds(now):
    return feeds.read_feeds(now)


def quarter_key(day):
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def passive_due(today, rules):
    """Open accounts past their platform's limit, annotated with `activity` (their
    activity_date) and `spell` (the key of their passive spell)."""
    return passive(today, rules=rules).annotate(
        spell=Concat(
            Value("passive:"),
            Cast("pk", CharField()),
            Value(":"),
            Cast("activity", CharField()),
        )
    )


def remind_passive(now):
    """No activity for the platform's limit (90 days unless kommunikationsavdelningen
    set another): remind the responsible person. 30 days later: tell the
    förvaltningskommunikatör, with a proposal to close. Each once per passive spell.

    One query finds what is due (a reminder or a proposal not yet sent, by the unique
    Reminder index); nothing is tried again once sent."""
    today = timezone.localdate(now)
    rules = dict(PassiveRule.objects.values_list("platform", "days"))
    spell = OuterRef("spell")
    reminded = Exists(Reminder.objects.filter(subject=spell, stage="remind"))
    proposed = Exists(Reminder.objects.filter(subject=spell, stage="propose_close"))
    # 30 days after the reminder, however long before.
    propose = past_limit(today, rules, later=PROPOSAL_AFTER)
    due = (
        passive_due(today, rules)
        .annotate(
            remind=~reminded,
            propose=propose
            & followed_up_since(spell, "remind", now, after=PROPOSAL_AFTER)
            & ~proposed,
        )
        .filter(Q(remind=True) | Q(propose=True))
        .order_by("activity", "pk")
        .values_list(
            "pk",
            "responsible_id",
            "unit__path",
            "unit__forvaltning_id",
            "spell",
            "activity",
            "remind",
            "propose",
        )
    )
    due = list(due)  # values, not Account objects: the sweep needs ids only
    reminders = Reminders(now, unsent_only=True)
    url = link_format("accounts:detail")
    if any(row[7] for row in due):
        deputies, roles = Deputies.for_day(today), RoleHolders()
        roles.load({u for row in due if row[7] for u in ids_up(row[2])})  # one query
    for pk, responsible, path, forvaltning, spell, activity, remind, propose in due:
        days = (today - activity).days
        if remind:
            reminders.add(
                spell,
                "remind",
                [responsible],
                "account_passive",
                {
                    "account": pk,
                    "days": days,
                    # Signed when the notification is rendered (its loader), not here.
                    "link": [pk, responsible],
                },
                url.format(pk),
            )
        if propose:
            communicator = roles.communicator_of(ids_up(path), forvaltning)
            reminders.add(
                spell,
                "propose_close",
                [deputies.acting_for_id(communicator)],
                "account_passive_close",
                {"account": pk, "days": days},
                url.format(pk),
            )
    return reminders.send()


COVERAGE_PROBLEMS = (Problem.FEW_ADMINS, Problem.NO_COMMUNICATOR, Problem.NO_SUBSTITUTE)


def remind_coverage(now):
    """Fewer than two administrators plus the communicator, no substitute, or a lapsed
    credentials check: remind the responsible person, once a quarter per problem.

    A query per problem finds the accounts whose reminder of this quarter was not sent
    (by the unique Reminder index); the reminders go out together (Reminders), the
    coverage problems of one account due in the same sweep as one notice listing them."""
    today = timezone.localdate(now)
    quarter = quarter_key(today)
    found = []
    for problem in COVERAGE_PROBLEMS:
        key = Concat(Value("coverage:"), Cast("pk", CharField()), Value(f":{problem.value}"))
        for pk, responsible, subject in unsent(
            Account.objects.with_problem(problem), key, quarter
        ).values_list("pk", "responsible_id", "reminder_subject"):
            found.append(
                (
                    subject,
                    responsible,
                    "account_coverage",
                    {"account": pk, "problems": [problem.value]},
                )
            )
    key = Concat(Value("credentials:"), Cast("pk", CharField()))
    for pk, responsible, subject in unsent(credentials_lapsed(today), key, quarter).values_list(
        "pk", "responsible_id", "reminder_subject"
    ):
        found.append((subject, responsible, "account_credentials", {"account": pk}))
    reminders = Reminders(now, unsent_only=True)
    url = link_format("accounts:detail")
    if found:
        deputies = Deputies.for_day(today)
        for subject, responsible, kind, context in found:
            reminders.add(
                subject,
                quarter,
                [deputies.acting_for_id(responsible)],
                kind,
                context,
                url.format(context["account"]),
                together=f"{kind}:{context['account']}",
            )
    return reminders.send()


def signed_activity_link(stored):
    """The single-use link of a passive reminder, from the [account id, user id] the
    sweep stored: signed when the notification is rendered, on delivery or when shown,
    so that the sweep signs nothing per row. (A reminder written before stored the
    link itself.)"""
    return stored if isinstance(stored, str) else activity_link_of(*stored)


def coverage_problems(values):
    """The problems a coverage notice lists, each with what the rule requires."""
    return [
        {"label": Problem(value).label, "requirement": remedies.REQUIREMENT[value]}
        for value in values
    ]


def notification_loaders():
    """The loaders of the kinds these sweeps write unrendered (notifications.rendering)."""
    accounts = Account.objects.select_related("responsible")
    with_problems = loader(account=accounts, problems=coverage_problems)

    def coverage(contexts):
        # A notice written before named one problem, as "problem".
        return with_problems(
            [{"problems": [c["problem"]], **c} if "problem" in c else c for c in contexts]
        )

    return {
        "account_coverage": coverage,
        "account_credentials": loader(account=accounts),
        "account_passive": loader(account=accounts, link=signed_activity_link),
        "account_passive_close": loader(account=accounts),
    }


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
