"""The public register's table rows, built in Python: 100 rows through the template
engine cost more than everything else on the page (bench/register.py)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

ROW = (
    '<tr role="row">'
    '<td role="cell"><a href="{url}" rel="noopener noreferrer">{name}</a>'
    '<div class="small text-wrap-anywhere">{platform}{handle}</div></td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">{unit_label}</span>{unit}{forvaltning}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">{purpose_label}</span>{purpose}'
    '<div class="small"><span class="fw-semibold">{audience_label}</span> {audience}</div></td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">{responsible_label}</span>'
    "{responsible}{contact}</td>"
    '<td role="cell"><span class="cell-label" aria-hidden="true">{archived_label}</span>{archived}</td>'
    "</tr>"
)


@register.simple_tag
def register_rows(rows):
    labels = {
        "unit_label": _("Verksamhet"),
        "purpose_label": _("Syfte och målgrupp"),
        "audience_label": _("Målgrupp:"),
        "responsible_label": _("Ansvarig och kontakt"),
        "archived_label": _("Senast arkiverat"),
    }

    def cells(row):
        email = row["contact_email"]
        return {
            "url": row["url"],
            "name": row["name"],
            "platform": row["platform_name"],
            "handle": f" · {row['handle']}" if row["handle"] else "",
            "unit": row["unit"],
            "forvaltning": format_html('<div class="small">{}</div>', row["forvaltning"])
            if row["forvaltning"] and row["forvaltning"] != row["unit"]
            else "",
            "purpose": row["purpose"],
            "audience": row["audience"],
            "responsible": f"{row['responsible_name']}, {row['responsible_function']}"
            if row["responsible_name"]
            else row["responsible_function"],
            "contact": format_html(
                '<div class="small text-wrap-anywhere"><a href="mailto:{0}">{0}</a></div>', email
            )
            if email
            else "",
            "archived": row["last_archived_on"] or "–",
            **labels,
        }

    return mark_safe("\n".join(format_html(ROW, **cells(row)) for row in rows))  # noqa: S308
