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

from casework.matching.csvio import CsvError, decode

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_HEADER = 200  # characters in a column name
MAX_XLSX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_XLSX_MEMBERS = 500
MAX_XLSX_RATIO = 250  # uncompressed / compressed, per member


class FileError(ValueError):
    """The file cannot be read as a list: the message says why (and which row)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)
    encoding: str
    kind: str  # "csv" or "xlsx"


def is_xlsx(filename: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(filename: str, data: bytes) -> Table:
    if not data:
        raise FileError("The file is empty: expected a header row and at least one row.")
    if len(data) > MAX_FILE_BYTES:
        raise FileError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    table = _read_xlsx(data) if is_xlsx(filename, data) else _read_csv(data)
    if not any(h.strip() for h in table.headers):
        raise FileError("Row 1: the header row is empty.")
    if not table.rows:
        raise FileError("The file has a header row but no rows of data.")
    return table


def _check_header(headers: list[str]) -> list[str]:
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    for index, header in enumerate(headers, start=1):
        # A column name is kept with the list (its mapping): it must be text that can be stored.
        if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in header):
            raise FileError(
                f"Row 1: column {index} has a NUL byte or a broken character in its name."
            )
        if len(header) > MAX_HEADER:
            raise FileError(
                f"Row 1: column {index} has a name of {len(header)} characters; at most "
                f"{MAX_HEADER}."
            )
    if len(headers) > MAX_COLUMNS:
        raise FileError(f"Row 1: {len(headers)} columns; at most {MAX_COLUMNS} are accepted.")
    named = [h for h in headers if h]
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise FileError(f"Row 1: the column {duplicates[0]!r} appears twice.")
    return headers


def _read_csv(data: bytes) -> Table:
    try:
        text, encoding = decode(data)
    except CsvError as exc:
        message = str(exc)
        raise FileError(message[:1].upper() + message[1:]) from None
    if not text.strip():
        raise FileError("The file is empty: expected a header row and at least one row.")
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
                    f"Row {number}: {len(cells)} fields, but the header has {len(headers)}."
                )
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise FileError(f"The file has more than {MAX_ROWS} rows.")
    except csv.Error as exc:
        raise FileError(f"Row {reader.line_num}: cannot be read as CSV ({exc}).") from exc
    return Table(headers, rows, encoding, "csv")


def _guard_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileError("The file is not a readable XLSX workbook.") from exc
    members = archive.infolist()
    if len(members) > MAX_XLSX_MEMBERS:
        raise FileError("The workbook has too many parts to be a list.")
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise FileError(
            f"The workbook would expand to {total // (1024 * 1024)} MB; refused (at most "
            f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB)."
        )
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1):
            raise FileError("The workbook expands far beyond its size (a zip bomb?); refused.")


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
        raise FileError("The file is not a readable XLSX workbook.") from exc
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row or 0
        if declared > MAX_ROWS + 1:
            raise FileError(f"The sheet declares {declared} rows; at most {MAX_ROWS} are accepted.")
        rows_iter = sheet.iter_rows(values_only=True)
        try:
            headers = _check_header([_cell_text(v) for v in next(rows_iter)])
        except StopIteration as exc:
            raise FileError(
                "The file is empty: expected a header row and at least one row."
            ) from exc
        width = len(headers)
        rows = []
        for number, values in enumerate(rows_iter, start=2):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                raise FileError(
                    f"Row {number}: {width + len(extra)} or more fields, but the header has "
                    f"{width}."
                )
            cells = (cells + [""] * width)[:width]
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise FileError(f"The file has more than {MAX_ROWS} rows.")
    finally:
        workbook.close()
    return Table(headers, rows, "xlsx", "xlsx")
