"""Swedish working days: the one place that knows which days count.

Saturdays, Sundays and public holidays (the `holidays` package) are not working days,
nor are midsommarafton, julafton and nyårsafton, which the law on computing statutory
time limits (lag (1930:173) om beräkning av lagstadgad tid) treats like holidays and
which kommuner keep closed.
"""

import datetime
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=64)
def _closed_days(year):
    # "de_facto" adds midsommarafton, julafton and nyårsafton.
    return frozenset(holidays.Sweden(years=year, categories=("public", "de_facto")).keys())


def is_working_day(day):
    return day.weekday() < 5 and day not in _closed_days(day.year)


def add_working_days(moment, days):
    """The moment `days` working days after `moment`, at the same local wall-clock time
    (so across a DST change it is still 09:30 if it was 09:30). A moment on a closed
    day counts from the start of the next working day."""
    local = timezone.localtime(moment)
    day = local.date()
    start_time = local.time()
    if not is_working_day(day):
        start_time = datetime.time(0, 0)
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    naive = datetime.datetime.combine(day, start_time)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def add_working_time(moment, duration):
    """`moment` plus `duration` of time that passes on working days only: the clock
    stops at midnight before a weekend or holiday and starts again at midnight after it.
    Durations are real elapsed time (a DST night has 23 or 25 hours)."""
    tz = timezone.get_current_timezone()
    cursor = timezone.localtime(moment, tz)
    remaining = duration
    while True:
        day = cursor.date()
        next_midnight = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0)), tz
        )
        if is_working_day(day):
            # Real elapsed time: in UTC, since two datetimes in one zone subtract as wall time.
            available = next_midnight.astimezone(datetime.UTC) - cursor.astimezone(datetime.UTC)
            if remaining <= available:
                return (cursor.astimezone(datetime.UTC) + remaining).astimezone(tz)
            remaining -= available
        cursor = next_midnight
