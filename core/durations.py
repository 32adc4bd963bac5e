"""Spans of time as a person reads them: "5 dagar 3 timmar", "2 timmar 10 minuter",
"12 minuter". One wording everywhere (the `duration` template filter, "Att göra",
the moderation badges), so that nobody reads "Försenat 5937 timmar"."""

import datetime

from django.utils.translation import ngettext


def _days(n):
    return ngettext("%(n)s dag", "%(n)s dagar", n) % {"n": n}


def _hours(n):
    return ngettext("%(n)s timme", "%(n)s timmar", n) % {"n": n}


def _minutes(n):
    return ngettext("%(n)s minut", "%(n)s minuter", n) % {"n": n}


def describe(span):
    """The length of `span` (a timedelta; its sign is ignored) in the two largest
    units: days and hours from a day up, hours and minutes below, whole units towards
    zero (2 h 59 min 59 s is "2 timmar 59 minuter")."""
    if isinstance(span, datetime.timedelta):
        seconds = abs(int(span.total_seconds()))
    else:
        seconds = abs(int(span))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{_days(days)} {_hours(hours)}" if hours else _days(days)
    if hours:
        return f"{_hours(hours)} {_minutes(minutes)}" if minutes else _hours(hours)
    return _minutes(minutes)
