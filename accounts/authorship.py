"""Who the account history credits with a change: the one mechanism.

simple_history credits a saved version to the instance's `_history_user`, or else to the
signed-in user of the request being served (HistoryRequestMiddleware). A change the
system makes on its own (a sweep, a worker, a seal that closes an account, the date of
the last snapshot) must not borrow that person. Services wrap such changes in

    with as_system(_("Slutarkiveringen förseglades"), caused_by=uploader):
        ...

and every version of an account saved inside is recorded with no `history_user`, the
reason, and the person whose action set it off (`history_caused_by`, may be None).
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.fields import user_fk


@dataclass(frozen=True)
class Cause:
    reason: str
    caused_by: object = None  # a user, or None: nobody's action


_cause = contextvars.ContextVar("account_history_cause", default=None)


@contextmanager
def as_system(reason, caused_by=None):
    """Changes to accounts inside are the system's, for `reason` (recorded in the site's
    language, whoever is signed in), set off by `caused_by`."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(reason)[:100]
    token = _cause.set(Cause(reason, caused_by))
    try:
        yield
    finally:
        _cause.reset(token)


def current():
    return _cause.get()


class HistoryCause(models.Model):
    """Added to the account's historical model: whose action set off a system change."""

    history_caused_by = user_fk(_("orsakad av"), optional=True)

    class Meta:
        abstract = True


def credit(sender, history_instance, **kwargs):
    """pre_create_historical_record for the account: inside `as_system` the version is
    the system's, whoever is signed in."""
    cause = current()
    if cause is None:
        return
    history_instance.history_user = None
    history_instance.history_change_reason = cause.reason
    history_instance.history_caused_by = cause.caused_by


def save_bookkeeping(account, now, **values):
    """Set dates the system keeps (last snapshot, last activity) on a locked account and
    record the version as the system's: call inside `as_system`. Returns True if changed."""
    changed = [name for name, value in values.items() if getattr(account, name) != value]
    if not changed:
        return False
    if current() is None:
        raise RuntimeError("bookkeeping is recorded as the system's: call inside as_system")
    for name in changed:
        setattr(account, name, values[name])
    account._history_date = now
    account.save(update_fields=changed)
    from .registerversion import PUBLIC_BOOKKEEPING, bump  # models import this module

    if PUBLIC_BOOKKEEPING.intersection(changed):
        bump(now=now)
    return True
