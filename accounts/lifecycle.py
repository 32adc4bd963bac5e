"""The account's life after registration: attested activity and logins, passivity and
coverage (the queries; the sweeps that remind are accounts.jobs), closure (proposed
here; its later steps are the transitions of accounts.closures, taken through
core.workflow.perform) and handover. Each change runs in one transaction with the row
locked, a record kept and notifications through the outbox.
"""

import datetime
import secrets

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.workflow import perform, perform_create
from organisation.deputies import Deputies
from organisation.models import User

from .authorship import as_system, save_bookkeeping
from .closures import (  # noqa: F401 - who may, read by the views and the archive
    STEPS,
    ClosureConflict,
    Do,
    account_url,
    is_team,
    may_confirm_closure,
    may_propose_closure,
)
from .models import (
    DEFAULT_PASSIVE_DAYS,
    Account,
    Attestation,
    Closure,
    PassiveRule,
    Status,
    UsedLink,
)
from .services import update_account

CREDENTIALS_VALID = datetime.timedelta(days=92)  # a quarter
LINK_MAX_AGE = datetime.timedelta(days=14)
LINK_SALT = "kanalkoll.activity-link"


# -- activity ----------------------------------------------------------------------------


def attest_activity(actor, account_id, day, via_link=False, *, now):
    """The responsible person (or a colleague on the account) states the date of the
    latest post; the account's last activity moves forward, never back."""
    today = timezone.localdate(now)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if not is_team(actor, account, Deputies.at(now)):
            raise PermissionDenied(
                _("Bara den ansvarige och kontots administratörer kan intyga aktivitet.")
            )
        if day > today:
            raise ValidationError({"activity_on": _("Datumet kan inte ligga i framtiden.")})
        if account.opened_on and day < account.opened_on:
            raise ValidationError({"activity_on": _("Datumet kan inte ligga före kontots start.")})
        Attestation.objects.create(
            account=account,
            kind=Attestation.Kind.ACTIVITY,
            user=actor,
            at=now,
            activity_on=day,
            via_link=via_link,
        )
        if account.last_activity_on is None or day > account.last_activity_on:
            with as_system(gettext_lazy("Aktivitet intygad"), caused_by=actor):
                save_bookkeeping(account, now, last_activity_on=day)
    return day


def activity_link(account, user):
    """A signed, single-use, expiring link for the reminder e-mail."""
    return activity_link_of(account.pk, user.pk)


def activity_link_of(account_id, user_id):
    """activity_link by ids, for a sweep that reads ids rather than objects."""
    token = signing.dumps(
        {"a": account_id, "u": user_id, "n": secrets.token_hex(16)}, salt=LINK_SALT, compress=True
    )
    return reverse("accounts:attest_link", args=[token])


class LinkInvalid(Exception):
    pass


def read_activity_link(token):
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkInvalid(_("Länken har gått ut. Intyga i stället på kontots sida.")) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid(_("Länken är ogiltig.")) from exc
    if UsedLink.objects.filter(nonce=data["n"]).exists():
        raise LinkInvalid(_("Länken är redan använd. Intyga i stället på kontots sida."))
    account = Account.objects.filter(pk=data["a"]).first()
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if account is None or user is None:
        raise LinkInvalid(_("Länken är ogiltig."))
    return account, user, data["n"]


def attest_by_link(token, day, *, now):
    """Use a one-click link: works once, for the person it was sent to."""
    account, user, nonce = read_activity_link(token)
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsedLink.objects.create(nonce=nonce, used_at=now)
        except IntegrityError as exc:
            raise LinkInvalid(
                _("Länken är redan använd. Intyga i stället på kontots sida.")
            ) from exc
        attest_activity(user, account.pk, day, via_link=True, now=now)
    return account, user


def attest_credentials(actor, account_id, *, now):
    """Quarterly: the administrators can still log in and the credentials are in the
    central store."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if not is_team(actor, account, Deputies.at(now)):
            raise PermissionDenied(
                _("Bara den ansvarige och kontots administratörer kan intyga detta.")
            )
        return Attestation.objects.create(
            account=account, kind=Attestation.Kind.CREDENTIALS, user=actor, at=now
        )


# -- passivity ---------------------------------------------------------------------------


def passive_days(platform, rules=None):
    rules = (
        rules if rules is not None else dict(PassiveRule.objects.values_list("platform", "days"))
    )
    return rules.get(platform, DEFAULT_PASSIVE_DAYS)


def activity_date(account):
    """The last sign of life: the feed or attestation, else the start of the account."""
    if account.last_activity_on:
        return account.last_activity_on
    if account.opened_on:
        return account.opened_on
    return timezone.localdate(account.created_at)


def activity_day():
    """activity_date in SQL: the feed or attestation, else the opening, else the day
    the account was created (in the kommun's time)."""
    return Coalesce(
        "last_activity_on",
        "opened_on",
        TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
    )


def past_limit(today, rules, later=datetime.timedelta(0)):
    """Accounts whose activity day lies beyond their platform's limit (`rules`, the
    limits kommunikationsavdelningen set; DEFAULT_PASSIVE_DAYS for every other platform
    of the catalogue), plus `later`."""
    beyond = Q(activity__lte=today - datetime.timedelta(days=DEFAULT_PASSIVE_DAYS) - later)
    condition = ~Q(platform__in=list(rules)) & beyond
    for platform, days in rules.items():
        condition |= Q(
            platform=platform, activity__lte=today - datetime.timedelta(days=days) - later
        )
    return condition


def passive(today, queryset=None, rules=None):
    """The open accounts of `queryset` past their platform's limit, annotated with
    `activity` (their activity_date), the longest passive first: one query, with the
    condition in SQL (past_limit)."""
    rules = (
        rules if rules is not None else dict(PassiveRule.objects.values_list("platform", "days"))
    )
    qs = queryset if queryset is not None else Account.objects.all()
    return (
        qs.filter(status__in=[Status.ACTIVE, Status.PAUSED])
        .annotate(activity=activity_day())
        .filter(past_limit(today, rules))
        .order_by("activity", "display_name", "pk")
    )


def passive_accounts(today, queryset=None, limit=None):
    """[(account, days without activity, the platform's limit)] for open accounts past
    their platform's limit, longest first (the first `limit` of them)."""
    rules = dict(PassiveRule.objects.values_list("platform", "days"))
    qs = passive(today, queryset, rules).select_related("responsible", "unit")
    if limit is not None:
        qs = qs[:limit]
    return [
        (account, (today - account.activity).days, passive_days(account.platform, rules))
        for account in qs
    ]


# -- coverage ----------------------------------------------------------------------------


def credentials_lapsed(today, queryset=None):
    """Open accounts whose quarterly check of logins and credentials is older than a
    quarter (or was never made), with the date of the last one."""
    cutoff = timezone.make_aware(
        datetime.datetime.combine(today - CREDENTIALS_VALID, datetime.time(0))
    )
    qs = (queryset if queryset is not None else Account.objects.all()).open()
    return qs.annotate(
        last_credentials=Max(
            "attestations__at", filter=Q(attestations__kind=Attestation.Kind.CREDENTIALS)
        )
    ).filter(Q(last_credentials__isnull=True) | Q(last_credentials__lt=cutoff))


# -- closure -----------------------------------------------------------------------------


def propose_closure(actor, account_id, reason, *, now):
    """A closure is proposed: the closure's creation transition (accounts.closures),
    which writes its first event; its later steps are the table's other transitions."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv varför kontot ska avslutas.")})
    account = Account.objects.get(pk=account_id)
    return perform_create(actor, Closure, Do.PROPOSE, parent=account, now=now, reason=reason)


def _closure(closure_id):
    return Closure.objects.get(pk=closure_id)


def confirm_closure(actor, closure_id, *, now, expected_state=None):
    """Confirmed: the account is wound down and its final snapshot is taken; it is
    closed when that snapshot is sealed."""
    closure = perform(
        actor, _closure(closure_id), Do.CONFIRM, expected_state=expected_state, now=now
    )
    finish_closure(closure.account_id, now=now, actor=actor)
    return closure


def finish_closure(account_id, *, now, actor=None):
    """Close the account if its closure is confirmed and its final snapshot is sealed
    (called again by the archive when the snapshot is sealed, `actor` the one who sealed
    it, None for the automatic capture). Returns True if closed."""
    closure = Closure.objects.filter(account_id=account_id, state=Closure.State.CONFIRMED).first()
    if closure is None:
        return False
    try:
        perform(actor, closure, Do.FINISH, expected_state=Closure.State.CONFIRMED, now=now)
    except (ValidationError, ClosureConflict):
        return False  # the final snapshot is not sealed yet, or another request closed it
    return True


def record_closure_step(actor, closure_id, step, *, now):
    """Tick off a step on the checklist: what was done on the platform, or the kommun's
    links updated (`step`: a Closure.PlatformStep value or "links")."""
    if step not in STEPS:
        raise ValidationError({"__all__": _("Okänt steg.")})
    return perform(actor, _closure(closure_id), STEPS[step], expected_state=None, now=now)


def cancel_closure(actor, closure_id, *, now, expected_state=None):
    return perform(actor, _closure(closure_id), Do.CANCEL, expected_state=expected_state, now=now)


# -- handover ----------------------------------------------------------------------------


def responsibilities(user):
    """What a person who left answered for in the register: every open account where
    they are responsible, substitute or administrator."""
    return [
        {"kind": _("Konto"), "title": str(account), "url": account_url(account)}
        for account in _held_by(user)
    ]


def _held_by(user):
    return Account.objects.open().held_by(user)


def hand_over(actor, old, successor, *, now):
    """The successor takes every role the person who left held on each open account
    (responsible, substitute, administrator), in one version of its history; the person
    who left is no longer listed. Nobody becomes their own substitute: where the
    successor is responsible, the substitute slot is left empty for coverage to ask."""
    for account in _held_by(old):
        responsible_id = (
            successor.pk if account.responsible_id == old.pk else account.responsible_id
        )
        substitute_id = successor.pk if account.substitute_id == old.pk else account.substitute_id
        if substitute_id == responsible_id:
            substitute_id = None
        users = User.objects.in_bulk({responsible_id, substitute_id} - {None})
        data = {"responsible": users[responsible_id], "substitute": users.get(substitute_id)}
        admins = set(account.administrators.values_list("pk", flat=True))
        if old.pk in admins:
            admins = (admins - {old.pk}) | {successor.pk}
        update_account(
            actor,
            account.pk,
            data,
            sorted(admins),
            fields=("responsible", "substitute"),
            now=now,
            reason=_("Överlämning efter %(person)s, som har slutat") % {"person": old},
        )
