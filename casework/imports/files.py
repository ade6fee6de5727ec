"""A list file as a table of text cells: CSV (UTF-8, BOM, UTF-16, cp1251) or XLSX.

Nothing in a cell is ever evaluated: formulas (`=HYPERLINK(…)`) are read as the text they are.
An XLSX is a zip: its declared uncompressed size and its row count are checked before and while
reading, so a tiny file that expands to gigabytes is refused at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from casework.matching.csvio import CsvError, decode

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_HEADER = 200  # characters in a column name
MAX_XLSX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_XLSX_MEMBERS = 500
MAX_XLSX_RATIO = 250  # uncompressed / compressed, per member


class FileError(ValueError):
    """The file cannot be read as a list: the message says why (and which row), in the language of
    whoever uploaded it (a file that cannot be read is refused at once, never kept)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)
    encoding: str
    kind: str  # "csv" or "xlsx"


def _empty() -> str:
    return _("The file is empty: expected a header row and at least one row.")


def _too_many_rows() -> str:
    return _("The file has more than %(limit)s rows.") % {"limit": MAX_ROWS}


def _not_a_workbook() -> str:
    return _("The file is not a readable XLSX workbook.")


def is_xlsx(filename: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(filename: str, data: bytes) -> Table:
    if not data:
        raise FileError(_empty())
    if len(data) > MAX_FILE_BYTES:
        raise FileError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    table = _read_xlsx(data) if is_xlsx(filename, data) else _read_csv(data)
    if not any(h.strip() for h in table.headers):
        raise FileError(_("Row 1: the header row is empty."))
    if not table.rows:
        raise FileError(_("The file has a header row but no rows of data."))
    return table


def _check_header(headers: list[str]) -> list[str]:
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    for index, header in enumerate(headers, start=1):
        # A column name is kept with the list (its mapping): it must be text that can be stored.
        if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in header):
            raise FileError(
                _("Row 1: column %(column)s has a NUL byte or a broken character in its name.")
                % {"column": index}
            )
        if len(header) > MAX_HEADER:
            raise FileError(
                _(
                    "Row 1: column %(column)s has a name of %(length)s characters; "
                    "at most %(limit)s."
                )
                % {"column": index, "length": len(header), "limit": MAX_HEADER}
            )
    if len(headers) > MAX_COLUMNS:
        raise FileError(
            _("Row 1: %(count)s columns; at most %(limit)s are accepted.")
            % {"count": len(headers), "limit": MAX_COLUMNS}
        )
    named = [h for h in headers if h]
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise FileError(
            _("Row 1: the column “%(column)s” appears twice.") % {"column": duplicates[0]}
        )
    return headers


def _read_csv(data: bytes) -> Table:
    try:
        text, encoding = decode(data)
    except CsvError as exc:
        message = str(exc)
        raise FileError(message[:1].upper() + message[1:]) from None
    if not text.strip():
        raise FileError(_empty())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = _check_header(next(reader))
        rows = []
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(headers):
                raise FileError(
                    _("Row %(row)s: %(count)s fields, but the header has %(width)s.")
                    % {"row": number, "count": len(cells), "width": len(headers)}
                )
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise FileError(_too_many_rows())
    except csv.Error as exc:
        raise FileError(
            _("Row %(row)s: cannot be read as CSV (%(problem)s).")
            % {"row": reader.line_num, "problem": exc}
        ) from exc
    return Table(headers, rows, encoding, "csv")


def _guard_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileError(_not_a_workbook()) from exc
    members = archive.infolist()
    if len(members) > MAX_XLSX_MEMBERS:
        raise FileError(_("The workbook has too many parts to be a list."))
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise FileError(
            _("The workbook would expand to %(size)s MB; refused (at most %(limit)s MB).")
            % {"size": total // (1024 * 1024), "limit": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)}
        )
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1):
            raise FileError(_("The workbook expands far beyond its size (a zip bomb?); refused."))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    _guard_zip(data)
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet; data_only=False keeps a formula as its text, unevaluated.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileError(_not_a_workbook()) from exc
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row or 0
        if declared > MAX_ROWS + 1:
            raise FileError(
                _("The sheet declares %(count)s rows; at most %(limit)s are accepted.")
                % {"count": declared, "limit": MAX_ROWS}
            )
        rows_iter = sheet.iter_rows(values_only=True)
        try:
            headers = _check_header([_cell_text(v) for v in next(rows_iter)])
        except StopIteration as exc:
            raise FileError(_empty()) from exc
        width = len(headers)
        rows = []
        for number, values in enumerate(rows_iter, start=2):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                raise FileError(
                    _("Row %(row)s: %(count)s or more fields, but the header has %(width)s.")
                    % {"row": number, "count": width + len(extra), "width": width}
                )
            cells = (cells + [""] * width)[:width]
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise FileError(_too_many_rows())
    finally:
        workbook.close()
    return Table(headers, rows, "xlsx", "xlsx")
