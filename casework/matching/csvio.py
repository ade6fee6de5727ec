"""Read the CSV files partners send: UTF-8 (with or without BOM), UTF-16, or Windows-1251.

A file is never read as something it is not: UTF-16 that does not decode, or a UTF-8 file with a
few broken bytes, is refused with the byte it breaks at (reading the latter as Windows-1251 would
turn every Cyrillic name into mojibake). Windows-1251 is the fallback only for bytes that do not
look like UTF-8 at all.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


class CsvError(ValueError):
    """A CSV file that cannot be read as a table; the message names the row (or the byte)."""


_UTF8_BOM = b"\xef\xbb\xbf"
_REPLACEMENT = "\ufffd"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _utf16(data: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as exc:
        raise CsvError(
            f"the file is not valid UTF-16: byte {exc.start} ({exc.reason}); it is damaged or "
            "cut short. Save it again from the program that made it (as UTF-8 if you can)."
        ) from None


def _not_utf8(data: bytes, offset: int, declared: bool) -> CsvError:
    why = "it starts with a UTF-8 byte-order mark" if declared else "the rest of it is UTF-8"
    return CsvError(
        f"the file is not valid UTF-8: byte {offset} (line {_line_of(data, offset)}) is "
        f"not UTF-8, although {why}. Nothing was read: reading it as another encoding would "
        "garble the names. Save it again as UTF-8 (or as CSV in Windows-1251)."
    )


def _looks_like_utf8(data: bytes) -> bool:
    """Whether more of the non-ASCII text decodes as UTF-8 than breaks.

    Windows-1251 Cyrillic almost never forms a valid UTF-8 sequence (a lead byte C2–DF or E0–EF
    followed by 80–BF), so a cp1251 file breaks at nearly every letter; a UTF-8 file with a
    damaged byte breaks once or twice among hundreds of good sequences."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode("utf-8"))
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    good = non_ascii - broken
    return good > broken


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with; CsvError when the bytes are not what they claim."""
    if data.startswith(_UTF8_BOM):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _not_utf8(data, exc.start + 3, declared=True) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _utf16(data, "utf-16", "utf-16")
    # UTF-16 without BOM: every other byte of ASCII text is zero
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return _utf16(data, "utf-16-le", "utf-16-le")
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return _utf16(data, "utf-16-be", "utf-16-be")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if _looks_like_utf8(data):
            raise _not_utf8(data, exc.start, declared=False) from None
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
