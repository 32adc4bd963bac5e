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
