"""The figures of the yearly internal-control pack, each a count over rows that the
rows page (`rows()`) lists one click away.

The year is the kommun's calendar year (Europe/Stockholm). `now` bounds a year that is
still running: weeks and due snapshots count up to it. Every question is a share
(numerator of denominator) with a traffic light by the kommun's thresholds
(internalcontrol.models.Threshold; `DEFAULTS` until the kommun sets its own)."""

import datetime
import math
import statistics
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Status
from activityplans.models import Evaluation, Plan
from activityplans.models import State as PlanState
from archive.models import Reason, Snapshot
from core.worklist import KOMMUN_TIME_ZONE
from dataprotection.models import Assessment
from moderation.models import CheckIn, Item, Kind, Outcome, PreservedCopy
from organisation.models import Unit

from .questions import BY_KEY, QUESTIONS  # noqa: F401 - the pack's questions, named here too

GREEN, YELLOW, RED = "gron", "gul", "rod"
LIGHT_LABELS = {GREEN: _("Grön"), YELLOW: _("Gul"), RED: _("Röd")}


@dataclass(frozen=True)
class Year:
    year: int
    now: datetime.datetime

    @property
    def start(self):
        return datetime.datetime(self.year, 1, 1, tzinfo=KOMMUN_TIME_ZONE)

    @property
    def end(self):
        return datetime.datetime(self.year + 1, 1, 1, tzinfo=KOMMUN_TIME_ZONE)

    @property
    def upto(self):
        """The end of the year, or now while it runs."""
        return min(self.end, self.now)

    @property
    def reference_day(self):
        """The day the register's state is read on: the year's last day, or today."""
        return timezone.localdate(self.upto - datetime.timedelta(microseconds=1))


def thresholds():
    from .models import Threshold

    stored = {t.question: (t.green_at, t.yellow_at) for t in Threshold.objects.all()}
    return {q.key: stored.get(q.key, (q.green_at, q.yellow_at)) for q in QUESTIONS}


def light(numerator, denominator, green_at, yellow_at):
    if not denominator:
        return GREEN  # nothing to account for
    share = 100 * numerator / denominator
    if share >= green_at:
        return GREEN
    if share >= yellow_at:
        return YELLOW
    return RED


def percentile(values, p):
    """The p-th percentile with linear interpolation between the closest ranks (the
    common spreadsheet definition, PERCENTILE.INC); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def hours(delta):
    return delta.total_seconds() / 3600


# -- the rows behind each question --------------------------------------------------------


def population(y, forvaltning=None):
    """Accounts in the register during the year."""
    qs = Account.objects.filter(created_at__lt=y.end).filter(
        Q(closed_on__gte=y.start.date()) | (Q(closed_on__isnull=True) & ~Q(status=Status.CLOSED))
    )
    if forvaltning is not None:
        qs = qs.filter(unit__forvaltning=forvaltning)
    return qs


def open_population(y, forvaltning=None):
    return population(y, forvaltning).exclude(status=Status.CLOSED)


def confirmed_in_year(y):
    """The account's register entry was confirmed during the year: a version of its
    history holds a confirmation day (Account.confirmed_on, set only by
    accounts.services.schedule_confirmation: the yearly confirmation, or the registration
    that is the entry's first) in the year. Read from the history, so a later
    confirmation does not hide this year's; no translated reason is matched."""
    return Exists(
        Account.history.model.objects.filter(
            id=OuterRef("pk"),
            confirmed_on__gte=y.start.date(),
            confirmed_on__lt=y.end.date(),
        )
    )


def with_plan(qs, y):
    plans = Plan.objects.filter(
        account=OuterRef("pk"),
        state__in=[PlanState.ESTABLISHED, PlanState.SUPERSEDED],
        established_at__lt=y.end,
    )
    return qs.annotate(ok=Exists(plans))


def evaluations_due(qs, y):
    due = Evaluation.objects.filter(
        plan__account=OuterRef("pk"), due_on__gte=y.start.date(), due_on__lt=y.end.date()
    )
    late = due.filter(Q(submitted_at__isnull=True) | Q(submitted_at__gte=y.end))
    return qs.filter(Exists(due)).annotate(ok=~Exists(late))


def moderation_items(y, forvaltning, **filters):
    qs = Item.objects.filter(**filters, account__in=population(y, forvaltning))
    return qs.select_related("account")


def question_items(y, forvaltning=None):
    return moderation_items(
        y, forvaltning, kind=Kind.QUESTION, noticed_at__gte=y.start, noticed_at__lt=y.end
    )


def removed_items(y, forvaltning=None):
    return moderation_items(
        y, forvaltning, outcome=Outcome.REMOVED, removed_at__gte=y.start, removed_at__lt=y.end
    )


def semiannual_snapshots(y, forvaltning=None):
    """The half-year snapshots due during the year (up to now): the turn of the year
    delivers the previous autumn, midsummer the spring."""
    return Snapshot.objects.filter(
        reason=Reason.SEMIANNUAL,
        version=1,
        due_at__gte=y.start,
        due_at__lt=y.upto,
        account__in=population(y, forvaltning),
    ).select_related("account")


def current_platforms(day):
    return set(Assessment.objects.current(day).values_list("platform", flat=True))


# -- tillsyn: weeks ---------------------------------------------------------------------------


def monday(moment):
    day = timezone.localtime(moment, KOMMUN_TIME_ZONE).date()
    return day - datetime.timedelta(days=day.weekday())


def account_weeks(y, accounts):
    """{account pk: the Mondays of the weeks it was in the register during the year}."""
    found = {}
    last = monday(y.upto - datetime.timedelta(microseconds=1))
    for pk, created_at, closed_on in accounts.values_list("pk", "created_at", "closed_on"):
        first = monday(max(y.start, created_at))
        stop = (
            min(last, closed_on - datetime.timedelta(days=closed_on.weekday()))
            if closed_on
            else last
        )
        weeks, week = [], first
        while week <= stop:
            weeks.append(week)
            week += datetime.timedelta(days=7)
        found[pk] = weeks
    return found


def watched_weeks(y, accounts):
    """{(account pk, Monday)} with at least one check-in."""
    rows = (
        CheckIn.objects.filter(account__in=accounts, at__gte=y.start, at__lt=y.upto)
        .annotate(week=TruncWeek("at", tzinfo=KOMMUN_TIME_ZONE))
        .values_list("account", "week")
        .distinct()
    )
    return {(pk, timezone.localtime(week, KOMMUN_TIME_ZONE).date()) for pk, week in rows}


# -- the pack -----------------------------------------------------------------------------


def _share(numerator, denominator):
    return round(100 * numerator / denominator, 1) if denominator else None


def compute(year, *, now, forvaltning=None, limits=None):
    """Every figure of the pack for `year` (and one förvaltning, or the whole kommun)."""
    y = Year(year, now)
    limits = limits or thresholds()
    counts = {}

    accounts = population(y, forvaltning)
    planned = with_plan(accounts, y)
    counts["plan"] = (planned.filter(ok=True).count(), accounts.count())
    due = evaluations_due(accounts, y)
    counts["evaluation"] = (due.filter(ok=True).count(), due.count())

    weeks = account_weeks(y, accounts)
    watched = watched_weeks(y, accounts)
    possible = {(pk, week) for pk, mondays in weeks.items() for week in mondays}
    counts["checkins"] = (len(watched & possible), len(possible))
    checkin_total = CheckIn.objects.filter(
        account__in=accounts, at__gte=y.start, at__lt=y.upto
    ).count()
    elapsed_weeks = len({week for _pk, week in possible})

    questions = question_items(y, forvaltning)
    answered = list(
        questions.exclude(resolved_at=None).values_list("noticed_at", "resolved_at", "due_at")
    )
    counts["questions"] = (sum(1 for _n, r, d in answered if r <= d), questions.count())
    removals = removed_items(y, forvaltning)
    removed = list(removals.values_list("noticed_at", "removed_at", "due_at"))
    counts["removals"] = (sum(1 for _n, r, d in removed if r <= d), len(removed))
    preserved = removals.filter(Exists(PreservedCopy.objects.filter(item=OuterRef("pk"))))
    counts["preserved"] = (preserved.count(), len(removed))

    snapshots = semiannual_snapshots(y, forvaltning)
    on_time = snapshots.filter(sealed_at__isnull=False, sealed_at__lte=F("due_at"))
    counts["snapshots"] = (on_time.count(), snapshots.count())

    open_accounts = open_population(y, forvaltning)
    admins = open_accounts.with_compliance()
    counts["administrators"] = (
        admins.filter(other_admin_count__gte=2, communicator_is_admin=True).count(),
        open_accounts.count(),
    )
    counts["register"] = (
        open_accounts.filter(confirmed_in_year(y)).count(),
        open_accounts.count(),
    )
    platforms = current_platforms(y.reference_day)
    counts["dataprotection"] = (
        open_accounts.filter(platform__in=platforms).count(),
        open_accounts.count(),
    )

    rows = []
    for question in QUESTIONS:
        numerator, denominator = counts[question.key]
        green_at, yellow_at = limits[question.key]
        rows.append(
            {
                "key": question.key,
                "label": str(question.label),
                "explanation": str(question.explanation),
                "numerator": numerator,
                "denominator": denominator,
                "share": _share(numerator, denominator),
                "light": (lamp := light(numerator, denominator, green_at, yellow_at)),
                "light_label": str(LIGHT_LABELS[lamp]),
                "green_at": green_at,
                "yellow_at": yellow_at,
            }
        )
    times = {
        "questions": _times([hours(r - n) for n, r, _d in answered]),
        "removals": _times([hours(r - n) for n, r, _d in removed]),
    }
    return {
        "year": year,
        "forvaltning": forvaltning.name if forvaltning else "",
        "questions": rows,
        "times": times,
        "checkins": {"total": checkin_total, "weeks": elapsed_weeks},
        "months": months(y, answered, removed),
        "periods": periods(y, snapshots),
        "reference_day": y.reference_day.isoformat(),
    }


def _times(values):
    if not values:
        return {"count": 0, "median": None, "p90": None}
    return {
        "count": len(values),
        "median": round(statistics.median(values), 1),
        "p90": round(percentile(values, 90), 1),
    }


MONTHS = [
    _("jan"),
    _("feb"),
    _("mar"),
    _("apr"),
    _("maj"),
    _("jun"),
    _("jul"),
    _("aug"),
    _("sep"),
    _("okt"),
    _("nov"),
    _("dec"),
]


def months(y, answered, removed):
    """Per month of handling: items handled (questions answered, posts removed), how many
    within the deadline, and the median and 90th percentile of the response time."""
    found = []
    by_month = {m: [] for m in range(1, 13)}
    for noticed, handled, due in [*answered, *removed]:
        month = timezone.localtime(handled, KOMMUN_TIME_ZONE).month
        if y.start <= handled < y.end:
            by_month[month].append((hours(handled - noticed), handled <= due))
    for month in range(1, 13):
        entries = by_month[month]
        values = [h for h, _ok in entries]
        in_time = sum(1 for _h, ok in entries if ok)
        found.append(
            {
                "month": month,
                "label": str(MONTHS[month - 1]),
                "count": len(entries),
                "in_time": in_time,
                "share": _share(in_time, len(entries)),
                **{k: v for k, v in _times(values).items() if k != "count"},
            }
        )
    return found


def periods(y, snapshots):
    """Per period delivered during the year: due, delivered (sealed) and late (sealed
    after the due moment, or not at all)."""
    found = []
    snapshots = list(snapshots)
    for key in sorted({s.period_key for s in snapshots}):
        rows = [s for s in snapshots if s.period_key == key]
        delivered = [s for s in rows if s.sealed_at is not None]
        late = [s for s in rows if s.sealed_at is None or s.sealed_at > s.due_at]
        found.append({"key": key, "due": len(rows), "delivered": len(delivered), "late": len(late)})
    return found


def forvaltningar():
    return list(Unit.objects.filter(kind=Unit.Kind.FORVALTNING).order_by("name"))
