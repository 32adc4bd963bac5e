"""The public register's table rows, built in Python: 100 rows through the template
engine cost more than everything else on the page (bench/register.py).

Plain string formatting with html.escape (what django.utils.html.escape calls), and the
labels escaped once per page: format_html and conditional_escape per cell cost more
than the rest of the page.
"""

from html import escape

from django import template
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
FORVALTNING = '<div class="small">{}</div>'
CONTACT = '<div class="small text-wrap-anywhere"><a href="mailto:{0}">{0}</a></div>'


def _label(text):
    """Escaped for HTML, and for the second str.format below."""
    return escape(text).replace("{", "{{").replace("}", "}}")


@register.simple_tag
def register_rows(rows):
    # The labels go into the row's format string once per page.
    row_html = ROW.format(
        url="{url}",
        name="{name}",
        platform="{platform}",
        handle="{handle}",
        unit="{unit}",
        forvaltning="{forvaltning}",
        purpose="{purpose}",
        audience="{audience}",
        responsible="{responsible}",
        contact="{contact}",
        archived="{archived}",
        unit_label=_label(_("Verksamhet")),
        purpose_label=_label(_("Syfte och målgrupp")),
        audience_label=_label(_("Målgrupp:")),
        responsible_label=_label(_("Ansvarig och kontakt")),
        archived_label=_label(_("Senast arkiverat")),
    ).format

    def html(row):
        email, forvaltning, person = (
            row["contact_email"],
            row["forvaltning"],
            row["responsible_name"],
        )
        return row_html(
            url=escape(row["url"]),
            name=escape(row["name"]),
            platform=escape(row["platform_name"]),
            handle=f" · {escape(row['handle'])}" if row["handle"] else "",
            unit=escape(row["unit"]),
            forvaltning=FORVALTNING.format(escape(forvaltning))
            if forvaltning and forvaltning != row["unit"]
            else "",
            purpose=escape(row["purpose"]),
            audience=escape(row["audience"]),
            responsible=escape(
                f"{person}, {row['responsible_function']}"
                if person
                else row["responsible_function"]
            ),
            contact=CONTACT.format(escape(email)) if email else "",
            archived=escape(row["last_archived_on"] or "–"),
        )

    return mark_safe("\n".join(map(html, rows)))  # noqa: S308 (every value escaped above)
