"""The site's icon: a small SVG in static/, named by every page of the site's layout, so
that a browser tab shows Kanalkoll and no request for /favicon.ico goes unanswered."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_every_page_of_the_layout_names_the_svg_icon(client, org):
    icon = static("favicon.svg")
    link = f'<link rel="icon" href="{icon}" type="image/svg+xml">'
    assert link in client.get("/logga-in/").content.decode()
    assert link in client.get("/register/").content.decode()
    # The embeddable list too, opened on its own (the walk of December 2026 saw its
    # request for /favicon.ico answered 404).
    assert link in client.get("/register/inbaddad/").content.decode()
    client.force_login(org.people.medarbetare)
    assert link in client.get("/att-gora/").content.decode()


def test_the_icon_is_a_square_svg():
    path = finders.find("favicon.svg")
    assert path, "static/favicon.svg is missing"
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _x, _y, width, height = root.get("viewBox").split()
    assert width == height
