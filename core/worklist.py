"""What the apps hand to "Att göra" and to the compliance overview: typed items, so that
every source says the same things in the same shape and "Att göra" sorts them by one
real urgency."""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

# The kommun's day: a thing due on a date is due from the start of that day there.
KOMMUN_TIME_ZONE = ZoneInfo("Europe/Stockholm")


def start_of_day(day):
    """The aware moment a date begins in Stockholm (midnight exists on every Swedish
    day: the clocks change at 02:00/03:00)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=KOMMUN_TIME_ZONE)


# How urgent a row of "Att göra" is, shown as a label beside it.
OVERDUE = "overdue"  # past its deadline
SOON = "soon"  # due within the day


@dataclass(frozen=True)
class TodoItem:
    """One thing that waits for a user.

    `due_at` is the moment it is (or was) due: a deadline where the work has one (a
    moderation item, an evaluation, whose date counts from the start of that day in
    Stockholm), else the moment it started to wait (a plan waiting for a decision, a
    handover), or the moment the list was made for a problem that is due now.
    """

    title: str
    url: str
    kind: str  # the badge: what kind of thing this is ("Aktivitetsplan", "Moderering", …)
    due_at: datetime.datetime
    detail: str = ""
    urgency: str = ""  # OVERDUE, SOON or "" (the row's coloured label)
    # A one-click action beside the row: a POST to `action_url` (which returns to "Att
    # göra"), labelled `action_label`; empty for rows that are done on their own page.
    action_label: str = ""
    action_url: str = ""

    def __post_init__(self):
        if isinstance(self.due_at, datetime.date) and not isinstance(
            self.due_at, datetime.datetime
        ):
            object.__setattr__(self, "due_at", start_of_day(self.due_at))
        if timezone.is_naive(self.due_at):
            raise ValueError(f"TodoItem.due_at must be aware, got {self.due_at!r}")

    def sort_key(self):
        return (self.due_at, str(self.title), self.url)


def by_urgency(items):
    """Overdue first (the longest overdue first), then the soonest due."""
    return sorted(items, key=TodoItem.sort_key)


# The accounts a section of the compliance overview names before "Visa alla": enough to
# act on, and the page stays the same size for a large kommun as for a small one.
SECTION_ROWS = 25


@dataclass(frozen=True)
class ComplianceEntry:
    url: str
    text: str
    detail: str = ""


@dataclass(frozen=True)
class ComplianceSection:
    """One section of the compliance overview: what is wrong, how often, the first
    entries (`count` may be larger than the entries shown), and the ids of every
    account it lists (`account_ids`): the headline counts the accounts in any section,
    so it counts what the page lists. `account_ids` is a queryset of account ids
    (`values_list("pk", flat=True)`, kept unevaluated: the headline asks for them as a
    subquery, so no section reads every id of a large kommun into Python) or an
    iterable of ids."""

    id: str  # the HTML anchor
    title: str
    count: int
    entries: tuple = field(default_factory=tuple)
    empty: str = ""  # shown when nothing is wrong
    danger: bool = False
    account_ids: object = field(default_factory=frozenset)
    remedy: str = ""  # what is to be done and by whom, shown under the title

    def __post_init__(self):
        object.__setattr__(self, "entries", tuple(self.entries))
        if not isinstance(self.account_ids, QuerySet):
            object.__setattr__(self, "account_ids", frozenset(self.account_ids))
