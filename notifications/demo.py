"""The demo's inbox: what the seeders notified about in the kommun's past (roles given
years ago, plans decided last spring) was delivered and read at the time; only the
last day's notifications wait, unread and unsent, as in a kommun that works."""

import datetime

from django.db.models import F

from .models import Notification

SETTLED_AFTER = datetime.timedelta(days=1)


def settle_history(*, now):
    """Marks the demo's notifications older than a day as sent and read when written;
    returns how many. Run after every seeder (a rerun finds nothing to settle)."""
    return Notification.objects.filter(
        created_at__lt=now - SETTLED_AFTER, sent_at=None, read_at=None
    ).update(sent_at=F("created_at"), read_at=F("created_at"))
