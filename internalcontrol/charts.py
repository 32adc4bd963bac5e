"""Server-rendered bar charts: coordinates computed here, drawn by
templates/internalcontrol/_chart.svg.html as SVG elements. No chart library, nothing
fetched; the numbers are also in a table beside each chart."""

import math

from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 30
# Each series' colour, as an SVG presentation attribute (WeasyPrint reads those, not CSS
# fill); the same colours as the legend swatches in static/css/charts.css.
COLOURS = {"bar-median": "#0b5394", "bar-p90": "#b45309", "bar-share": "#1e7b34"}


def nice_max(value):
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at least `value`."""
    if not value or value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value):
    return f"{value:g}"


def bars(labels, series, *, top=None, unit=""):
    """`series`: [(name, css class, [value or None per label])]. Returns the geometry."""
    values = [v for _n, _c, data in series for v in data if v is not None]
    top = top or nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.7 / max(len(series), 1)
    drawn = []
    for index, (name, css, data) in enumerate(series):
        for position, value in enumerate(data):
            if value is None:
                continue
            height = plot_h * min(value, top) / top
            drawn.append(
                {
                    "x": round(LEFT + position * slot + slot * 0.15 + index * bar_w, 1),
                    "y": round(TOP + plot_h - height, 1),
                    "width": round(bar_w, 1),
                    "height": round(height, 1),
                    "css": css,
                    "fill": COLOURS[css],
                    "title": f"{name}, {labels[position]}: {_fmt(value)}{unit}",
                }
            )
    ticks = [
        {
            "y": (y := round(TOP + plot_h - plot_h * i / 4, 1)),
            "text_x": LEFT - 6,
            "text_y": y + 4,
            "label": _fmt(round(top * i / 4, 2)) + unit,
        }
        for i in range(5)
    ]
    x_labels = [
        {"x": round(LEFT + position * slot + slot / 2, 1), "label": label}
        for position, label in enumerate(labels)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": HEIGHT - 10,
        "bars": drawn,
        "ticks": ticks,
        "x_labels": x_labels,
        "legend": [{"name": name, "css": css} for name, css, _data in series],
    }


def response_times(months):
    labels = [m["label"] for m in months]
    return bars(
        labels,
        [
            (_("Median"), "bar-median", [m["median"] for m in months]),
            (_("90:e percentilen"), "bar-p90", [m["p90"] for m in months]),
        ],
        unit=" h",
    )


def deadline_share(months):
    labels = [m["label"] for m in months]
    return bars(
        labels,
        [(_("Inom tidsfristen"), "bar-share", [m["share"] for m in months])],
        top=100,
        unit=" %",
    )
