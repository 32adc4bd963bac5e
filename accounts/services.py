"""Every change to the register goes through here: locked, checked, recorded in the
account's history, and announced through the outbox in the same transaction."""

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import registry
from core.worklist import start_of_day
from notifications.services import notify

from . import registerversion
from .credentials import validate_reference
from .models import Account, Status
from .urlkeys import InvalidAccountURL, url_key

DESCRIPTIVE_FIELDS = (
    "display_name",
    "handle",
    "purpose",
    "audience",
    "language",
    "contact_email",
    "credentials_location",
    "gp_states_official",
    "gp_links_website",
    "gp_contact_phone",
    "feed_url",
    "accessibility_practice",
    "privacy_url",
)
FULL_FIELDS = DESCRIPTIVE_FIELDS + (
    "platform",
    "url",
    "platform_page_id",
    "kind",
    "unit",
    "responsible",
    "substitute",
    "status",
    "opened_on",
    "closed_on",
)


# Set only by activityplans when a plan is established.
PLAN_FIELDS = FULL_FIELDS + ("plan_reference",)


def register_account(actor, data, administrators=(), fields=FULL_FIELDS, *, now, reason=""):
    """Create an account in the register from the items of `data` named in `fields`;
    `reason`, if given, is the history's note of why (an import, say).

    Registering is the first confirmation of the entry: the yearly confirmation is due a
    year from today (an import's date, so that an imported register does not ask for
    every account's confirmation at once)."""
    with transaction.atomic():
        account = Account(**{k: v for k, v in data.items() if k in fields}, created_at=now)
        _check_credentials(account)
        _apply_status_dates(account, previous_status=None, now=now)
        schedule_confirmation(account, timezone.localdate(now))
        account.url_key = _url_key(account.url)
        with _one_history_record(account, actor, now, reason):
            _save_unique(account)
            account.administrators.set(administrators)
        _announce_roles(account, actor, before=None, now=now)
    return account


def update_account(
    actor,
    account_id,
    data,
    administrators=None,
    fields=FULL_FIELDS,
    *,
    now,
    reason="",
    confirm=False,
):
    """Change an account's fields (only those in `fields`) and, if given, its administrators;
    `reason`, if given, is the history's note of why. `confirm`: the person editing also
    confirms the whole entry (the yearly confirmation, in the same history version; the
    caller has checked that they may, see confirm_account)."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        before = _roles(account)
        previous_status = account.status
        for name, value in data.items():
            if name in fields:
                setattr(account, name, value)
        _check_credentials(account)
        _apply_status_dates(account, previous_status, now=now)
        today = timezone.localdate(now)
        if confirm and account.status != Status.CLOSED:
            schedule_confirmation(account, today)
            reason = reason or _site_text(CONFIRMED_WITH_CHANGES)
        else:
            _keep_confirmation_tracked(account, today)
        if account.status == Status.CLOSED and previous_status != Status.CLOSED:
            for check in registry.close_checks:
                check(account)  # raises ValidationError with the reason
        account.url_key = _url_key(account.url)
        with _one_history_record(account, actor, now, reason):
            _save_unique(account)
            if administrators is not None:
                account.administrators.set(administrators)
        _announce_roles(account, actor, before=before, now=now)
    return account


# -- the yearly confirmation ("bekräfta uppgifterna") ----------------------------------

CONFIRMED = gettext_lazy("Uppgifterna bekräftade")
CONFIRMED_WITH_CHANGES = gettext_lazy("Uppgifterna ändrade och bekräftade")


def _site_text(text):
    """A history reason in the site's language, whoever confirms."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def confirmation_due(day):
    """The start (in Stockholm) of the day a year after `day`: when the entry confirmed
    on `day` is to be confirmed again (29 February: 28 February the next year)."""
    try:
        next_day = day.replace(year=day.year + 1)
    except ValueError:
        next_day = day.replace(year=day.year + 1, day=28)
    return start_of_day(next_day)


def schedule_confirmation(account, day):
    """The entry was confirmed on `day`: the next confirmation is due a year later, and
    the sweep (accounts.jobs.remind_confirmation) first acts then. Sets, does not save."""
    account.confirmed_on = day
    account.confirmation_due_at = account.confirmation_next_at = confirmation_due(day)


def _keep_confirmation_tracked(account, today):
    """A closed account is not asked to confirm; an open one always has a deadline (an
    account reopened, or one from before the confirmation, is due a year after its last
    confirmation, or a year from today if it never had one)."""
    if account.status == Status.CLOSED:
        account.confirmation_due_at = account.confirmation_next_at = None
    elif account.confirmation_due_at is None:  # an edit is not a confirmation
        account.confirmation_due_at = account.confirmation_next_at = confirmation_due(
            account.confirmed_on or today
        )


def confirm_account(actor, account_id, *, now, may_confirm):
    """The yearly confirmation: `actor` states that the register's entry is right as it
    stands. Recorded as one version of the account's history (by the actor, "Uppgifterna
    bekräftade"); the next is due a year from today. `may_confirm(actor, account)` is the
    caller's rule of who may (accounts.lifecycle: the account's team). A second
    confirmation the same day is refused with a reason and changes nothing."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if not may_confirm(actor, account):
            raise PermissionDenied(
                _(
                    "Uppgifterna bekräftas av den ansvarige, ersättaren eller kontots administratörer."
                )
            )
        if account.status == Status.CLOSED:
            raise ValidationError({"__all__": _("Kontot är avslutat; det bekräftas inte längre.")})
        today = timezone.localdate(now)
        if account.confirmed_on == today:
            raise ValidationError({"__all__": _("Uppgifterna är redan bekräftade i dag.")})
        schedule_confirmation(account, today)
        with _one_history_record(account, actor, now, _site_text(CONFIRMED)):
            pass
    return account


@contextmanager
def _one_history_record(account, actor, now, reason=""):
    """Make the changes inside without history, then record one complete version
    (fields and administrators) made by `actor` at `now`, with `reason` if given."""
    account.updated_at = now
    account.skip_history_when_saving = True
    try:
        yield
    finally:
        del account.skip_history_when_saving
    account._history_user = actor
    account._history_date = now
    if reason:
        account._change_reason = reason
    account.save()
    registerversion.bump(now=now)


def _check_credentials(account):
    """Only a reference to the password manager is kept, whichever way the data came in
    (forms, plans, demo data, scripts)."""
    try:
        validate_reference(account.credentials_location)
    except ValidationError as exc:
        raise ValidationError({"credentials_location": exc.messages}) from exc


def _url_key(url):
    try:
        return url_key(url)
    except InvalidAccountURL as exc:  # a caller that skipped the form: still a clear reason
        raise ValidationError({"url": str(exc)}) from exc


def _save_unique(account):
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        if Account.objects.filter(url_key=account.url_key).exclude(pk=account.pk).exists():
            raise ValidationError(
                {"url": _("Det finns redan ett konto i registret med den här adressen.")}
            ) from exc
        raise


def _apply_status_dates(account, previous_status, now):
    today = timezone.localdate(now)
    if account.status != previous_status:
        if account.status == Status.ACTIVE and account.opened_on is None:
            account.opened_on = today
        if account.status == Status.CLOSED and account.closed_on is None:
            account.closed_on = today
    if account.status != Status.CLOSED:
        account.closed_on = None


def _roles(account):
    return {
        "responsible": {account.responsible_id},
        "substitute": {account.substitute_id} - {None},
        "administrator": set(account.administrators.values_list("pk", flat=True)),
    }


ROLE_LABELS = {
    "responsible": gettext_lazy("ansvarig"),
    "substitute": gettext_lazy("ersättare"),
    "administrator": gettext_lazy("administratör"),
}


def _announce_roles(account, actor, before, now):
    """Tell each person who was given a role on the account."""
    after = _roles(account)
    people = {}
    for role, ids in after.items():
        new = ids - (before[role] if before else set())
        for pk in new - {actor.pk}:
            people.setdefault(pk, []).append(str(ROLE_LABELS[role]))
    if not people:
        return
    users = account.administrators.model.objects.in_bulk(people.keys())
    for pk, roles in people.items():
        notify(
            users[pk],
            "account_role",
            {"account": account, "roles": roles, "actor": actor},
            url=reverse("accounts:detail", args=[account.pk]),
            now=now,
        )
