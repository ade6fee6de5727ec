"""Export files as spreadsheets open them: CSV in UTF-8 with a byte order mark (without it Excel on
Windows reads Cyrillic and Arabic as another code page) and XLSX, both formula-safe.

Both take the rows as an iterable and never hold them all: the CSV is yielded line by line (for a
streamed response), the XLSX is built by openpyxl's write-only mode into a temporary file.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl import Workbook

from casework.spreadsheet import safe_row

BOM = "\ufeff"
# An Excel sheet title is at most 31 characters and cannot hold these.
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


class _Line:
    """A file-like object whose write returns the line: csv.writer then gives each row as text."""

    def write(self, value: str) -> str:
        return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV file as lines, the first starting with the byte order mark."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(safe_row(_text(v) for v in header))
    for row in rows:
        yield writer.writerow(safe_row(_text(v) for v in row))


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float | dt.date):
        # Excel has no time zones: a moment is written as the UTC time it names.
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    return str(value)


def xlsx_file(title: str, header: list[str], rows: Iterable[Iterable]):
    """The XLSX workbook as an open temporary file, at its start; the caller closes it (a
    FileResponse does)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title.translate(_SHEET_TITLE_FORBIDDEN)[:31] or "Export"))
    sheet.append(safe_row(_xlsx_value(v) for v in header))
    for row in rows:
        sheet.append(safe_row(_xlsx_value(v) for v in row))
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the response, which closes it
    workbook.save(out)
    out.seek(0)
    return out
