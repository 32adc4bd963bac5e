"""The diarium export of saklig kritik (and every item with a diarienummer), per period:
a page that chooses the period (from–to dates, the current month by default) and lists
its rows 50 a page, JSON with stable keys and ISO 8601 times for machines, CSV for the
registrator's spreadsheet.

The period is of `created_at` (when the item was registered here), in Swedish local
dates: from the start of `fran` to the end of `till`, both included, at most
MAX_MONTHS long. The rows are read with `.values()` (the account's name in the same
query) and the CSV and JSON are streamed, so that an export's memory does not grow
with its rows; the partial index `item_diarium_created` serves the period filter.
"""

import calendar
import datetime
import json
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from accounts import platforms
from core import csvsafe, pages

from .models import IN_DIARIUM, Item, Kind

EXPORT_FIELDS = [
    "id",
    "account",
    "platform",
    "kind",
    "author",
    "text",
    "post_url",
    "posted_at",
    "noticed_at",
    "diarienummer",
    "forwarded_to",
    "resolved_at",
]
# The diarium CSV is read by people (the registrator, in a spreadsheet): Swedish column
# names, platform and kind as shown, times in Swedish local time to the minute. The
# JSON keeps the stable keys above and ISO 8601 with the offset.
CSV_COLUMNS = {
    "id": gettext_lazy("Ärendenummer"),
    "account": gettext_lazy("Konto"),
    "platform": gettext_lazy("Plattform"),
    "kind": gettext_lazy("Typ"),
    "author": gettext_lazy("Avsändare"),
    "text": gettext_lazy("Text"),
    "post_url": gettext_lazy("Länk till inlägget"),
    "posted_at": gettext_lazy("Publicerat"),
    "noticed_at": gettext_lazy("Upptäckt"),
    "diarienummer": gettext_lazy("Diarienummer"),
    "forwarded_to": gettext_lazy("Vidarebefordrat till"),
    "resolved_at": gettext_lazy("Hanterat"),
}
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M"  # strftime: a sixth of the time of date_format
PAGE_SIZE = 50
MAX_MONTHS = 12
CHUNK_SIZE = 2000
# The columns read per row: the item's own and the account's, in one query.
_VALUES = {
    "account_name": F("account__display_name"),
    "platform": F("account__platform"),
}
_VALUES_FOR = {"account", "platform"}  # the export fields that _VALUES gives
_ITEM_COLUMNS = [f for f in EXPORT_FIELDS if f not in _VALUES_FOR] + ["created_at"]


def _add_months(day, months):
    """The same day `months` later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_month(now):
    """(first day, last day) of the month of `now` in Swedish local time."""
    today = timezone.localdate(now, ZoneInfo(settings.TIME_ZONE))
    first = today.replace(day=1)
    return first, _add_months(first, 1) - datetime.timedelta(days=1)


class PeriodForm(forms.Form):
    fran = forms.DateField(
        label=gettext_lazy("Från och med"), widget=forms.DateInput(attrs={"type": "date"})
    )
    till = forms.DateField(
        label=gettext_lazy("Till och med"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, query, *, now):
        first, last = current_month(now)
        data = {
            "fran": query.get("fran") or first.isoformat(),
            "till": query.get("till") or last.isoformat(),
        }
        super().__init__(data)

    def clean(self):
        cleaned = super().clean()
        fran, till = cleaned.get("fran"), cleaned.get("till")
        if fran and till:
            if till < fran:
                raise forms.ValidationError(_("Slutdatumet får inte vara före startdatumet."))
            if till >= _add_months(fran, MAX_MONTHS):
                raise forms.ValidationError(
                    _("Perioden får vara högst %(months)s månader. Välj en kortare period.")
                    % {"months": MAX_MONTHS}
                )
        return cleaned

    def reason(self):
        """The errors as one Swedish sentence per problem, for the CSV and JSON."""
        return " ".join(
            f"{self.fields[name].label}: {error}" if name in self.fields else str(error)
            for name, errors in self.errors.items()
            for error in errors
        )

    def bounds(self):
        """The period as [start, end) in aware datetimes (local midnight to midnight)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start = datetime.datetime.combine(self.cleaned_data["fran"], datetime.time(), zone)
        after = self.cleaned_data["till"] + datetime.timedelta(days=1)
        return start, datetime.datetime.combine(after, datetime.time(), zone)

    def query(self):
        return urlencode({name: self.cleaned_data[name].isoformat() for name in ("fran", "till")})


def _export_rows(user, form):
    """The period's rows that the user may see, as dicts, oldest first."""
    start, end = form.bounds()
    return (
        Item.objects.visible_to(user)
        .filter(IN_DIARIUM, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
        .values(*_ITEM_COLUMNS, **_VALUES)
    )


def _local_minute(moment, zone):
    return moment.astimezone(zone).strftime(CSV_TIME_FORMAT) if moment else ""


def _iso(moment):
    return moment.isoformat() if moment else None


def _json_row(row):
    return {
        "id": row["id"],
        "account": row["account_name"],
        "platform": row["platform"],
        "kind": row["kind"],
        "author": row["author"],
        "text": row["text"],
        "post_url": row["post_url"],
        "posted_at": _iso(row["posted_at"]),
        "noticed_at": _iso(row["noticed_at"]),
        "diarienummer": row["diarienummer"],
        "forwarded_to": row["forwarded_to"],
        "resolved_at": _iso(row["resolved_at"]),
    }


def _period(request):
    return PeriodForm(request.GET, now=timezone.now())


@require_safe
@login_required
def diarium_page(request):
    form = _period(request)
    context = {"form": form}
    if form.is_valid():
        kinds = dict(Kind.choices)
        page = pages.get_page(
            Paginator(_export_rows(request.user, form), PAGE_SIZE), request.GET.get("page")
        )
        page.object_list = [
            row | {"kind_label": kinds.get(row["kind"], row["kind"])} for row in page.object_list
        ]
        # The pages keep the period chosen (the default too, should the month turn).
        context |= {"page": page, "period_query": form.query()}
    return render(request, "moderation/diarium.html", context, status=400 if form.errors else 200)


@require_safe
@login_required
def export_json(request):
    form = _period(request)
    if not form.is_valid():
        return JsonResponse({"error": form.reason()}, status=400)
    rows = _export_rows(request.user, form).iterator(chunk_size=CHUNK_SIZE)

    def chunks():
        yield '{"results": ['
        for n, row in enumerate(rows):
            yield ("," if n else "") + json.dumps(
                _json_row(row), cls=DjangoJSONEncoder, ensure_ascii=False
            )
        yield "]}"

    return StreamingHttpResponse(chunks(), content_type="application/json")


@require_safe
@login_required
def export_csv(request):
    form = _period(request)
    if not form.is_valid():
        return HttpResponseBadRequest(form.reason(), content_type="text/plain; charset=utf-8")
    rows = _export_rows(request.user, form).iterator(chunk_size=CHUNK_SIZE)
    writer = csvsafe.writer(csvsafe.Echo())
    zone = timezone.get_current_timezone()  # read once, not per cell

    def lines():
        with translation.override(settings.LANGUAGE_CODE):  # a record in Swedish
            kinds = {value: str(label) for value, label in Kind.choices}
            names = platforms.names()
            yield "\ufeff"  # so that spreadsheet programs read å, ä and ö right
            yield writer.writerow([str(CSV_COLUMNS[field]) for field in EXPORT_FIELDS])
            for row in rows:
                yield writer.writerow(
                    [
                        row["id"],
                        row["account_name"],
                        names.get(row["platform"], row["platform"]),
                        kinds.get(row["kind"], row["kind"]),
                        row["author"],
                        row["text"],
                        row["post_url"],
                        _local_minute(row["posted_at"], zone),
                        _local_minute(row["noticed_at"], zone),
                        row["diarienummer"],
                        row["forwarded_to"],
                        _local_minute(row["resolved_at"], zone),
                    ]
                )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    fran, till = form.cleaned_data["fran"], form.cleaned_data["till"]
    response["Content-Disposition"] = (
        f'attachment; filename="moderering-diarium-{fran:%Y-%m-%d}-{till:%Y-%m-%d}.csv"'
    )
    return response
