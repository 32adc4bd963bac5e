"""Half-year periods ("2026-H2"), computed in Python with zoneinfo, not by a local-time
crontab: a period runs from 1 January or 1 July, 00:00 Europe/Stockholm, to the next turn,
and its snapshots fall due at that turn."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

KEY = re.compile(r"([0-9]{4})-H([12])", re.ASCII)  # use fullmatch()
# The years a period key may name: the periods around them (previous, next and the turn
# at their end) must stay within what datetime and zoneinfo can compute.
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True)
class Period:
    year: int
    half: int

    @property
    def key(self):
        return f"{self.year}-H{self.half}"

    @property
    def first_day(self):
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_day(self):
        return self.next().first_day - datetime.timedelta(days=1)

    @property
    def starts_at(self):
        return _local_midnight(self.first_day)

    @property
    def ends_at(self):
        """The turn after the period: when its snapshots fall due."""
        return self.next().starts_at

    due_at = ends_at

    def next(self):
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    def previous(self):
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def __str__(self):
        return self.key

    @classmethod
    def from_key(cls, key):
        """The period of a key such as "2026-H2"; ValueError for anything else,
        including years outside FIRST_YEAR..LAST_YEAR."""
        match = KEY.fullmatch(key or "") if isinstance(key, str) else None
        if not match:
            raise ValueError(f"Not a period key: {key!r}")
        if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            raise ValueError(f"Period key out of range: {key!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, moment):
        local = timezone.localtime(moment)
        return cls(local.year, 1 if local.month <= 6 else 2)


def _local_midnight(day):
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(0)), timezone.get_current_timezone()
    )


def last_ended(now):
    """The most recent period that has ended at `now` (its snapshots are due)."""
    return Period.containing(now).previous()
