"""Reading the spreadsheets a kommun already has: CSV as Excel in Sweden writes it
(semicolon or comma separated, UTF-8 with or without a byte-order mark, or
Windows-1252) and XLSX (the first sheet). Every CSV Kanalkoll *writes* goes through
core.csvsafe; this is the other direction.

`read_table(content, filename)` gives the header row and the data rows as lists of
stripped strings (dates in an XLSX as ISO dates), or TableError with a Swedish reason.
Headers are matched with `header_key()`: letter case, spaces and a trailing asterisk
do not matter.
"""

import csv
import datetime
import io
import zipfile

from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000


class TableError(ValueError):
    """The file cannot be read as a table; str() says why, in Swedish."""


def header_key(text):
    return " ".join(str(text or "").replace("*", " ").split()).casefold()


def read_table(content: bytes, filename=""):
    if len(content) > MAX_BYTES:
        raise TableError(_("Filen är för stor (högst 5 MB)."))
    if not content.strip():
        raise TableError(_("Filen är tom."))
    if content[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    rows = [[_cell(value) for value in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise TableError(_("Filen är tom."))
    if len(rows) - 1 > MAX_ROWS:
        raise TableError(_("Filen har fler än %(n)s rader.") % {"n": MAX_ROWS})
    header, data = rows[0], rows[1:]
    width = len(header)
    return header, [(row + [""] * width)[:width] if len(row) < width else row for row in data]


def _decode(content):
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_rows(content):
    text = _decode(content)
    first = text.splitlines()[0] if text else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(content):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(_("Filen kunde inte läsas som en Excel-fil (XLSX).")) from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(text):
    """A date as a Swedish spreadsheet writes it: 2024-03-01, 2024-3-1, 20240301,
    1/3/2024 or 1.3.2024 (day first); None for an empty cell; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(text[:10] if "T" in text else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def columns(header, spec):
    """Which column holds each field: `spec` maps a field to (required, header names);
    the first name is the one the template uses. TableError names the missing ones."""
    keys = [header_key(h) for h in header]
    found, missing = {}, []
    for field, (required, names) in spec.items():
        index = next((keys.index(header_key(n)) for n in names if header_key(n) in keys), None)
        if index is not None:
            found[field] = index
        elif required:
            missing.append(names[0])
    if missing:
        raise TableError(
            _("Filen saknar kolumnerna: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return found


def cells(row, found):
    """The row's cells by field (empty for a column that is not in the file)."""
    return {field: row[index].strip() if index < len(row) else "" for field, index in found.items()}
