"""The public register's table rows, built in Python: 100 rows through the template
engine cost more than everything else on the page (bench/register.py).

One f-string a row, each value through html.escape (what django.utils.html.escape
calls) and the labels escaped once a page: format_html, with conditional_escape on
every cell, cost twice the rest of the page.
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts import platforms
from accounts.models import Kind

register = template.Library()


def rel_of(row):
    """Mastodon shows an account as verified when the page it links to links back with
    rel="me"; the register is that page for the kommun's Mastodon accounts."""
    if row["platform"] == platforms.MASTODON:
        return "me noopener"
    return "noopener noreferrer"


@register.simple_tag
def register_rows(rows):
    unit_label = escape(_("Verksamhet"))
    purpose_label = escape(_("Syfte och målgrupp"))
    audience_label = escape(_("Målgrupp:"))
    responsible_label = escape(_("Ansvarig och kontakt"))
    archived_label = escape(_("Senast arkiverat"))
    confirmed_label = escape(_("Uppgifterna bekräftade"))
    privacy_label = escape(_("Så behandlas personuppgifter"))
    privacy_for = escape(_("för"))
    ambassador = escape(_("Ambassadör i tjänsten"))
    ambassador_badge = f' <span class="badge bg-info text-dark">{ambassador}</span>'

    def html(row):
        unit, forvaltning, email = row["unit"], row["forvaltning"], row["contact_email"]
        person, function = row["responsible_name"], row["responsible_function"]
        handle = f" · {escape(row['handle'])}" if row["handle"] else ""
        if forvaltning and forvaltning != unit:
            forvaltning = f'<div class="small">{escape(forvaltning)}</div>'
        else:
            forvaltning = ""
        if email:
            email = escape(email)
            contact = (
                f'<div class="small text-wrap-anywhere"><a href="mailto:{email}">{email}</a></div>'
            )
        else:
            contact = ""
        if row["privacy_url"]:
            contact += (
                f'<div class="small"><a href="{escape(row["privacy_url"])}">{privacy_label}'
                f'<span class="visually-hidden"> {privacy_for} {escape(row["name"])}</span></a></div>'
            )
        return (
            "<tr>"
            f'<td><a href="{escape(row["url"])}" rel="{rel_of(row)}">{escape(row["name"])}</a>'
            f"{ambassador_badge if row['kind'] == Kind.AMBASSADOR else ''}"
            f'<div class="small text-wrap-anywhere">{escape(row["platform_name"])}{handle}</div></td>'
            f'<td><span class="cell-label">{unit_label}</span>{escape(unit)}{forvaltning}</td>'
            f'<td><span class="cell-label">{purpose_label}</span>{escape(row["purpose"])}'
            f'<div class="small"><span class="fw-semibold">{audience_label}</span> {escape(row["audience"])}</div></td>'
            f'<td><span class="cell-label">{responsible_label}</span>'
            f"{escape(f'{person}, {function}' if person else function)}{contact}</td>"
            f'<td><span class="cell-label">{archived_label}</span>{escape(row["last_archived_on"] or "–")}</td>'
            f'<td><span class="cell-label">{confirmed_label}</span>{escape(row["confirmed_on"] or "–")}</td>'
            "</tr>"
        )

    return mark_safe("\n".join(map(html, rows)))  # noqa: S308 (every value escaped above)
