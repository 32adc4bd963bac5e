"""The account's life after registration: activity, passivity, administration coverage,
closure and handover. State changes here follow the services' rules: one transaction,
the row locked, a record kept, notifications through the outbox.

Size: a second services module of the accounts app (activity, the passivity and coverage
sweeps, closure, handover); it is to be folded into the workflow kernel with closures and
handovers, and is not split before that so that the move happens once.
"""

import datetime
import secrets

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import registry
from notifications.services import followed_up, notify, notify_once
from organisation.deputies import Deputies
from organisation.models import Role, User, communicator_of

from .authorship import as_system, save_bookkeeping
from .models import (
    DEFAULT_PASSIVE_DAYS,
    Account,
    Attestation,
    Closure,
    ClosureEvent,
    PassiveRule,
    Problem,
    Status,
    UsedLink,
)
from .services import update_account

PROPOSAL_AFTER = datetime.timedelta(days=30)
CREDENTIALS_VALID = datetime.timedelta(days=92)  # a quarter
LINK_MAX_AGE = datetime.timedelta(days=14)
LINK_SALT = "kanalkoll.activity-link"


def account_url(account):
    return reverse("accounts:detail", args=[account.pk])


def is_team(user, account, deputies=None):
    """The responsible person, the substitute and the administrators; with the day's
    deputies, also whoever stands in for one of them."""
    people = deputies.acts_as(user) if deputies is not None else {user.pk}
    if people & {account.responsible_id, account.substitute_id}:
        return True
    return account.administrators.filter(pk__in=people).exists()


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
    token = signing.dumps(
        {"a": account.pk, "u": user.pk, "n": secrets.token_hex(16)}, salt=LINK_SALT, compress=True
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


def passive_accounts(today, queryset=None):
    """[(account, days without activity, the platform's limit)] for open accounts past
    their platform's limit, longest first."""
    rules = dict(PassiveRule.objects.values_list("platform", "days"))
    qs = (queryset if queryset is not None else Account.objects.all()).filter(
        status__in=[Status.ACTIVE, Status.PAUSED]
    )
    found = []
    for account in qs.select_related("responsible", "unit"):
        limit = passive_days(account.platform, rules)
        days = (today - activity_date(account)).days
        if days >= limit:
            found.append((account, days, limit))
    found.sort(key=lambda row: -row[1])
    return found


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


# -- coverage ----------------------------------------------------------------------------


def quarter_key(day):
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


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


# -- closure -----------------------------------------------------------------------------


def may_propose_closure(user, account, deputies):
    """The responsible person, the communicator and the kommunikationschef, and whoever
    stands in for one of them on the deputies' day."""
    roles = deputies.roles_over(user, account.unit)
    return account.responsible_id in deputies.acts_as(user) or bool(
        roles & {Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF}
    )


def may_confirm_closure(user, account, deputies):
    """The communicator and the kommunikationschef, and whoever stands in for one of
    them on the deputies' day."""
    roles = deputies.roles_over(user, account.unit)
    return bool(roles & {Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF})


def propose_closure(actor, account_id, reason, *, now):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv varför kontot ska avslutas.")})
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("unit").get(pk=account_id)
        if not may_propose_closure(actor, account, Deputies.at(now)):
            raise PermissionDenied(
                _("Avslut föreslås av den ansvarige, kommunikatören eller kommunikationschefen.")
            )
        if account.status == Status.CLOSED:
            raise ValidationError({"reason": _("Kontot är redan avslutat.")})
        if account.closures.filter(
            state__in=[Closure.State.PROPOSED, Closure.State.CONFIRMED]
        ).exists():
            raise ValidationError({"reason": _("Det finns redan ett pågående avslut för kontot.")})
        closure = Closure.objects.create(
            account=account, reason=reason, proposed_by=actor, proposed_at=now
        )
        ClosureEvent.write(
            closure, ClosureEvent.Action.PROPOSED, actor=actor, at=now, comment=reason
        )
        for person in {p.pk: p for p in _confirmers(account, now) if p.pk != actor.pk}.values():
            notify(
                person,
                "closure_proposed",
                {"account": account, "closure": closure, "actor": actor},
                account_url(account),
                now=now,
            )
    return closure


def _confirmers(account, now):
    """Who is asked to confirm: the communicator and the kommunikationschef, each
    through whoever does their work today."""
    people = [communicator_of(account.unit)]
    people += list(
        User.objects.filter(is_active=True, role_assignments__role=Role.KOMMUNIKATIONSCHEF)
    )
    deputies = Deputies.at(now)
    return [deputies.acting_for(p) for p in people if p is not None]


def confirm_closure(actor, closure_id, *, now):
    """Confirmed: the account is wound down and its final snapshot is taken; it is
    closed when that snapshot is sealed."""
    with transaction.atomic():
        closure = (
            Closure.objects.select_for_update(of=("self",))
            .select_related("account", "account__unit")
            .get(pk=closure_id)
        )
        account = closure.account
        if closure.state != Closure.State.PROPOSED:
            raise ValidationError(
                {
                    "__all__": _("Avslutet är redan %(state)s.")
                    % {"state": closure.get_state_display().lower()}
                }
            )
        if not may_confirm_closure(actor, account, Deputies.at(now)):
            raise PermissionDenied(
                _("Avslut bekräftas av förvaltningskommunikatören eller kommunikationschefen.")
            )
        if actor.pk == closure.proposed_by_id:
            raise PermissionDenied(_("Den som föreslog avslutet kan inte också bekräfta det."))
        closure.state = Closure.State.CONFIRMED
        closure.confirmed_by, closure.confirmed_at = actor, now
        closure.save()
        ClosureEvent.write(closure, ClosureEvent.Action.CONFIRMED, actor=actor, at=now)
        if account.status != Status.WINDING_DOWN:
            update_account(
                actor, account.pk, {"status": Status.WINDING_DOWN}, fields=("status",), now=now
            )
        for hook in registry.on_closure_confirmed:
            hook(actor, account, now=now)
        notify(
            Deputies.at(now).acting_for(account.responsible),
            "closure_confirmed",
            {"account": account, "closure": closure, "actor": actor},
            account_url(account),
            now=now,
        )
    finish_closure(account.pk, now=now, actor=actor)
    return closure


def finish_closure(account_id, *, now, actor=None):
    """Close the account if its closure is confirmed and its final snapshot is sealed
    (called again by the archive when the snapshot is sealed, `actor` the one who sealed
    it, None for the automatic capture). Returns True if closed."""
    with transaction.atomic():
        closure = (
            Closure.objects.select_for_update(of=("self",))
            .filter(account_id=account_id, state=Closure.State.CONFIRMED)
            .select_related("account", "confirmed_by")
            .first()
        )
        if closure is None:
            return False
        try:
            # the system closes it, set off by whoever sealed the final snapshot (or confirmed)
            with as_system(gettext_lazy("Slutarkiveringen förseglad: kontot avslutat"), actor):
                update_account(
                    closure.confirmed_by,
                    account_id,
                    {"status": Status.CLOSED},
                    fields=("status",),
                    now=now,
                )
        except ValidationError:
            return False  # the final snapshot is not sealed yet
        closure.state = Closure.State.CLOSED
        closure.closed_at = now
        closure.save()
        ClosureEvent.write(closure, ClosureEvent.Action.CLOSED, actor=actor, at=now)
    return True


def record_closure_step(actor, closure_id, step, *, now):
    """Tick off a step on the checklist: what was done on the platform, or the kommun's
    links updated."""
    with transaction.atomic():
        closure = (
            Closure.objects.select_for_update(of=("self",))
            .select_related("account")
            .get(pk=closure_id)
        )
        account = closure.account
        deputies = Deputies.at(now)
        if not (may_propose_closure(actor, account, deputies) or is_team(actor, account, deputies)):
            raise PermissionDenied(_("Du kan inte ändra det här avslutet."))
        if closure.state == Closure.State.CANCELLED:
            raise ValidationError({"__all__": _("Avslutet är avbrutet.")})
        if step in Closure.PlatformStep.values:
            closure.platform_step, closure.platform_step_at, closure.platform_step_by = (
                step,
                now,
                actor,
            )
            action = ClosureEvent.Action(step)
        elif step == "links":
            closure.links_updated_at, closure.links_updated_by = now, actor
            action = ClosureEvent.Action.LINKS_UPDATED
        else:
            raise ValidationError({"__all__": _("Okänt steg.")})
        closure.save()
        ClosureEvent.write(closure, action, actor=actor, at=now)
    return closure


def cancel_closure(actor, closure_id, *, now):
    with transaction.atomic():
        closure = (
            Closure.objects.select_for_update(of=("self",))
            .select_related("account")
            .get(pk=closure_id)
        )
        if closure.state not in (Closure.State.PROPOSED, Closure.State.CONFIRMED):
            raise ValidationError({"__all__": _("Avslutet kan inte avbrytas.")})
        deputies = Deputies.at(now)
        if not (
            may_confirm_closure(actor, closure.account, deputies)
            or actor.pk == closure.proposed_by_id
        ):
            raise PermissionDenied(_("Du kan inte avbryta det här avslutet."))
        closure.state = Closure.State.CANCELLED
        closure.cancelled_by, closure.cancelled_at = actor, now
        closure.save()
        ClosureEvent.write(closure, ClosureEvent.Action.CANCELLED, actor=actor, at=now)
        if closure.account.status == Status.WINDING_DOWN:
            update_account(
                actor, closure.account_id, {"status": Status.ACTIVE}, fields=("status",), now=now
            )
    return closure


# -- handover ----------------------------------------------------------------------------


def responsibilities(user):
    """What a person who left answered for in the register: every open account where
    they are responsible, substitute or administrator."""
    return [
        {"kind": _("Konto"), "title": str(account), "url": account_url(account)}
        for account in _held_by(user)
    ]


def _held_by(user):
    return (
        Account.objects.open()
        .filter(Q(responsible=user) | Q(substitute=user) | Q(administrators=user))
        .distinct()
    )


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
            actor, account.pk, data, sorted(admins), fields=("responsible", "substitute"), now=now
        )
