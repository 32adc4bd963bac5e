"""Every CSV the app writes goes through this module, so that no cell a spreadsheet would
run as a formula ever reaches a citizen's or an archivist's Excel (CSV injection).

The rule (OWASP, "CSV Injection"; ASVS 1.2.10): a text cell whose first character, after
any leading white space, is one of

    =  +  -  @                    the formula prefixes
    TAB, CR, LF, NUL              the control characters spreadsheets skip or split on
    ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20), − (U+2212), ﹦ ﹢ ﹣ ﹫ (small forms)
                                  the full-width and other variants some spreadsheets
                                  fold to the ASCII prefix

is written with a single quote (') before it; the JSON and XML keep the exact value.

A column of platform handles is the exception where the apostrophe would land on every
row: `@` is a formula prefix to Excel, yet every handle starts with it. There the cell is
written through `handle()`, without the `@` that is the platforms' way of showing a user
name (`@ekdalakommun` → `ekdalakommun`): the name itself, readable in every spreadsheet,
safe without a quote (anything else a spreadsheet would run is still defused). Numbers, dates and
other values that are not text are written as they are (a negative number stays a
number). Quoting of commas, quotes and line breaks inside a cell is left to the csv
module (RFC 4180), which every writer here uses.

Use `writer(f)` or `DictWriter(f, fieldnames)` instead of the csv module's own; the
project's test suite fails if a csv.writer or csv.DictWriter appears elsewhere.
"""

import csv

FORMULA_PREFIXES = frozenset(
    "=+-@"  # the ASCII formula prefixes
    "\t\r\n\x00"  # control characters
    "\uff1d\uff0b\uff0d\uff20"  # full-width = + - @
    "\u2212"  # minus sign
    "\ufe66\ufe62\ufe63\ufe6b"  # small = + - @
)
_LEADING_SPACE = " \u00a0\u3000"  # a spreadsheet may trim these before it looks


def defuse(value):
    """The value to write in a CSV cell: text that a spreadsheet would read as a formula
    gets a leading apostrophe; everything else is returned unchanged."""
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(_LEADING_SPACE)
    if stripped[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


def handle(value):
    """A platform handle for a CSV cell: the name without its leading @ (so no quote is
    needed), defused like any other cell when what follows would still be a formula."""
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if stripped[:1] in ("@", "\uff20", "\ufe6b"):
        stripped = stripped[1:]
    return defuse(stripped)


def defuse_row(row):
    return [defuse(value) for value in row]


class _SafeWriter:
    """A csv.writer whose rows are defused cell by cell."""

    def __init__(self, inner):
        self._inner = inner

    @property
    def dialect(self):
        return self._inner.dialect

    def writerow(self, row):
        return self._inner.writerow(defuse_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(file, dialect="excel", **kwargs):
    """csv.writer(file, ...) with every cell defused."""
    return _SafeWriter(csv.writer(file, dialect, **kwargs))


class DictWriter(csv.DictWriter):
    """csv.DictWriter with every cell (header included) defused."""

    def __init__(self, file, fieldnames, *args, **kwargs):
        super().__init__(file, fieldnames, *args, **kwargs)
        self.writer = _SafeWriter(self.writer)


class Echo:
    """A file-like object whose write() returns what it was given: with `writer(Echo())`
    each writerow() returns the line, for a StreamingHttpResponse."""

    def write(self, value):
        return value
