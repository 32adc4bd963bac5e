"""The diarium export of saklig kritik (and every item with a diarienummer): JSON with
stable keys and ISO 8601 times for machines, CSV for the registrator's spreadsheet."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core import csvsafe

from .models import Item, Kind

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
CSV_TIME_FORMAT = "Y-m-d H:i"


def _local_minute(moment):
    return formats.date_format(timezone.localtime(moment), CSV_TIME_FORMAT) if moment else ""


def _export_items(user):
    """Saklig kritik and every item with a diarienummer that the user may see."""
    return (
        Item.objects.visible_to(user)
        .filter(Q(kind=Kind.CRITICISM) | ~Q(diarienummer=""))
        .select_related("account")
        .order_by("created_at", "id")
    )


def _export_rows(user):
    for item in _export_items(user):
        yield {
            "id": item.pk,
            "account": item.account.display_name,
            "platform": item.account.platform,
            "kind": item.kind,
            "author": item.author,
            "text": item.text,
            "post_url": item.post_url,
            "posted_at": item.posted_at.isoformat() if item.posted_at else None,
            "noticed_at": item.noticed_at.isoformat(),
            "diarienummer": item.diarienummer,
            "forwarded_to": item.forwarded_to,
            "resolved_at": item.resolved_at.isoformat() if item.resolved_at else None,
        }


@require_safe
@login_required
def export_json(request):
    return JsonResponse(
        {"results": list(_export_rows(request.user))}, json_dumps_params={"ensure_ascii": False}
    )


@require_safe
@login_required
def export_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderering-diarium.csv"'
    response.write("\ufeff")
    writer = csvsafe.writer(response)
    with translation.override(settings.LANGUAGE_CODE):  # a record in Swedish
        writer.writerow([str(CSV_COLUMNS[field]) for field in EXPORT_FIELDS])
        for item in _export_items(request.user):
            writer.writerow(
                [
                    item.pk,
                    item.account.display_name,
                    item.account.get_platform_display(),
                    item.get_kind_display(),
                    item.author,
                    item.text,
                    item.post_url,
                    _local_minute(item.posted_at),
                    _local_minute(item.noticed_at),
                    item.diarienummer,
                    item.forwarded_to,
                    _local_minute(item.resolved_at),
                ]
            )
    return response
