"""The one parser of `?page=` for every paginated view.

`page_number()` takes the raw query value and gives a page number from 1 to MAX_PAGE, or
raises BadPage with a Swedish reason (an API answers it as 400 {"error": ...}).
`get_page()` is the same parser for HTML lists built on Django's Paginator: what is not a
page number shows the first page, a number past the end the last, as Paginator.get_page
does. No number, however long, reaches the database as an OFFSET it cannot hold.
"""

import re

from django.utils.translation import gettext as _

MAX_PAGE = 1_000_000  # at 100 rows a page, a hundred million rows
_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)


class BadPage(ValueError):
    """`?page=` is no page number; str() is the reason, in Swedish."""


class PageTooLarge(BadPage):
    pass


def page_number(raw, default=1):
    """The page number in `raw` (a query string value or None)."""
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not _NUMBER.fullmatch(text):
        raise BadPage(_("Sidnumret måste vara ett heltal."))
    digits = text.lstrip("+-").lstrip("0")
    if text.startswith("-") or not digits:
        raise BadPage(_("Sidnumret måste vara 1 eller större."))
    if len(digits) > len(str(MAX_PAGE)) or int(digits) > MAX_PAGE:
        raise PageTooLarge(_("Sidnumret får vara högst %(max)s.") % {"max": MAX_PAGE})
    return int(digits)


def get_page(paginator, raw):
    """paginator.get_page() for the raw `?page=` value, through page_number()."""
    try:
        number = page_number(raw)
    except PageTooLarge:
        number = paginator.num_pages
    except BadPage:
        number = 1
    return paginator.get_page(number)


def query_without_page(request, param="page"):
    """The request's query string without `param` (the page parameter of the list, by
    default `page`), for the links of pagination.html."""
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()
