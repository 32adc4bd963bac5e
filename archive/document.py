"""The snapshot's PDF/A-2b: cover page with the register data as it was at capture, the
screenshot scaled across pages, and a summary of the period's moderation."""

import io
import math

from django.db.models import Count
from django.utils.translation import gettext as _
from PIL import Image

from config.pdf import BASE_URL, render_pdf
from moderation.models import Item, Kind, Outcome
from organisation.models import Unit

from . import commentlog
from .periods import Period

# The printable area of an A4 page with the document margins, as width : height.
PAGE_RATIO = 170 / 235
# An automatic capture (1,280 pixels wide, cut at 15,000 high) fills 9 pages; a narrow
# upload would make one page per few pixels of height (a 20 × 20,000 image, 741 pages).
MAX_PAGES = 50


def _slice_height(width):
    return max(1, int(width / PAGE_RATIO))


def pages_needed(png):
    """How many pages the screenshot fills, from its header (without decoding it)."""
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    return math.ceil(height / _slice_height(width))


def windows(png):
    """The screenshot across pages: for each page the top and the height of the window
    through which that page shows its part, in per cent of the image's width (as CSS
    takes vertical margins and padding). The image is embedded once, whole, and clipped
    on each page; cutting it into PNG slices here (decoded, cropped and encoded again,
    then decoded and compressed once more by WeasyPrint) took a third of the time."""
    with Image.open(io.BytesIO(png)) as image:  # the header only
        width, height = image.size
    step = _slice_height(width)
    return [
        {
            "top": round(100 * top / width, 4),
            "height": round(100 * (min(height, top + step) - top) / width, 4),
        }
        for top in range(0, height, step)
    ]


def moderation_summary(snapshot):
    """Items by kind and the removals (with their preserved copies) in the snapshot's
    period, or up to the capture for a snapshot outside the half-year run."""
    items = Item.objects.filter(account_id=snapshot.account_id)
    comments = None
    if snapshot.period_key:
        period = Period.from_key(snapshot.period_key)
        items = items.filter(created_at__gte=period.starts_at, created_at__lt=period.ends_at)
        comments = commentlog.summary(snapshot.account, period)
    counts = dict(items.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    removals = (
        items.filter(outcome=Outcome.REMOVED)
        .prefetch_related("copies")
        .order_by("removed_at", "id")
    )
    return {
        "by_kind": [(label, counts.get(value, 0)) for value, label in Kind.choices],
        "total": sum(counts.values()),
        "removals": removals,
        "comments": comments,
    }


def render_snapshot(snapshot, png):
    image_url = f"{BASE_URL}snapshot/screenshot.png"
    period = Period.from_key(snapshot.period_key) if snapshot.period_key else None
    return render_pdf(
        "archive/snapshot_pdf.html",
        {
            "snapshot": snapshot,
            "data": snapshot.register_data,
            "period": period,
            "kommun": Unit.objects.kommun(),
            "image_url": image_url,
            "parts": windows(png),
            "moderation": moderation_summary(snapshot),
            "generated_at": snapshot.captured_at,  # set by attach(): the time it is sealed
        },
        title=_("Ögonblicksbild av %(name)s") % {"name": snapshot.register_data.get("name", "")},
        resources={image_url: (png, "image/png")},
    )
