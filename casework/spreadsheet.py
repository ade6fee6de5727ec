"""Cells written to CSV/XLSX files people will open in a spreadsheet.

A cell that starts with = + - @ tab or carriage return is run as a formula by Excel and LibreOffice
(`=HYPERLINK(...)`, `+cmd|...`). Such a cell is written as text by prefixing an apostrophe.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]
