"""Read the CSV files partners send: UTF-8 (with or without BOM), UTF-16, or Windows-1251."""

from __future__ import annotations

import csv
import io
from pathlib import Path


class CsvError(ValueError):
    """A CSV file that cannot be read as a table; the message names the row."""


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    # UTF-16 without BOM: every other byte of ASCII text is zero
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le"), "utf-16-le"
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1251 is what Russian-language Excel writes; its bytes always decode.
    return data.decode("cp1251"), "cp1251"


def read_rows(source: str | Path | bytes) -> list[dict[str, str]]:
    """Rows as dicts keyed by the header. Raises CsvError for a missing header or ragged row."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, _ = decode(data)
    if not text.strip():
        raise CsvError("the file is empty: expected a header row")
    # The header decides the separator (Excel in Russian locales writes ';'); the csv Sniffer
    # guesses from the data and can be fooled by commas inside quoted names.
    first_line = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    if not any(header):
        raise CsvError("row 1: the header row is empty")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not cells or not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise CsvError(
                f"row {number}: {len(cells)} fields, but the header has {len(header)} "
                f"({', '.join(header)})"
            )
        rows.append({h: c.strip() for h, c in zip(header, cells, strict=True)})
    return rows
