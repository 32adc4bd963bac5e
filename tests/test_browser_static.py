"""The browser gets the pages' stylesheets and scripts by their hashed names from the
production storage, served by whitenoise with DEBUG off, as in production.

Fixtures and helpers come from tests/test_browser.py."""

import re

import pytest

from .test_browser import (  # noqa: F401 (fixtures used by name)
    _allow_orm_beside_playwright,
    browser,
    goto,
    page,
)

pytestmark = pytest.mark.browser


def test_pages_are_styled_by_the_hashed_static_files(page, live_server, org):  # noqa: F811
    static = []
    page.on(
        "response",
        lambda r: (
            static.append((r.url, r.status, r.headers.get("cache-control", "")))
            if "/static/" in r.url
            else None
        ),
    )
    goto(page, live_server, "/logga-in/")
    page.wait_for_load_state("load")
    names = sorted(re.sub(r".*/static/", "", url) for url, _, _ in static)
    assert [re.sub(r"\.[0-9a-f]{12}\.", ".", n) for n in names] == [
        "css/kanalkoll.css",
        "css/progress.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/bootstrap/bootstrap.min.css",
    ], names
    assert all(re.search(r"\.[0-9a-f]{12}\.", n) for n in names), names
    # whitenoise's answer for a hashed file: found, and cached for good.
    assert {status for _, status, _ in static} == {200}, static
    assert all("immutable" in cache for _, _, cache in static), static
    # Bootstrap's stylesheet is in force (its font stack on the body), and its script ran.
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font, font
    assert page.evaluate("() => typeof window.bootstrap") == "object"
