"""Reading list files: encodings, ragged rows, empty files, XLSX formulas and zip bombs."""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from casework.imports.columns import suggest_mapping
from casework.imports.files import FileError, read_table

RUSSIAN = (
    "Фамилия;Имя;Отчество;Дата рождения;Возраст;Место рождения;Мать;Регион;Местонахождение;Пол\n"
)
ROW = "Тагиров;Билал;Русланович;2015;;Raqqa;Тагирова Зарема;Дагестан;Roj camp;М\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1251", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")],
)
def test_it_reads_russian_csv_in_every_usual_encoding(encoding, prefix):
    table = read_table("list.csv", prefix + (RUSSIAN + ROW).encode(encoding))
    assert table.headers[0] == "Фамилия"
    assert table.rows == [(2, ROW.strip().split(";"))]


def test_russian_headers_are_mapped_to_fields():
    mapping = suggest_mapping(RUSSIAN.strip().split(";") + ["ФИО", "Отец", "Пол "])
    assert mapping["Фамилия"] == "family_name"
    assert mapping["Имя"] == "given_name"
    assert mapping["Отчество"] == "patronymic"
    assert mapping["Дата рождения"] == "birth_date"
    assert mapping["Возраст"] == "age"
    assert mapping["Место рождения"] == "birth_place"
    assert mapping["Мать"] == "mother_name"
    assert mapping["Отец"] == "father_name"
    assert mapping["Регион"] == "region"
    assert mapping["Местонахождение"] == "location"
    assert mapping["Пол"] == "sex"
    assert mapping["ФИО"] == "full_name"
    assert mapping["Пол "] == ""  # a field is read from one column only


def test_a_ragged_row_is_named():
    data = b"family_name,given_name\nTagirov,Bilal\nKhasiev\n"
    with pytest.raises(FileError, match="Row 3: 1 fields"):
        read_table("list.csv", data)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"  \n\n", "empty"), (b"family_name,given_name\n", "no rows")],
)
def test_empty_and_header_only_files_get_a_clear_error(data, message):
    with pytest.raises(FileError, match=message):
        read_table("list.csv", data)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_formulas_are_read_as_their_text_never_evaluated():
    data = _xlsx(
        [
            ["family_name", "given_name", "alias"],
            ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)"],
        ]
    )
    table = read_table("list.xlsx", data)
    assert table.rows[0][1] == [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
    ]


def test_an_xlsx_zip_bomb_is_refused_quickly():
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>'
        + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 2_000_000
        + b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    data = out.getvalue()
    assert len(data) < 1_000_000 < len(sheet)  # tiny file, huge content
    started = time.monotonic()
    with pytest.raises(FileError, match="expand"):
        read_table("list.xlsx", data)
    assert time.monotonic() - started < 1.0


def test_an_xlsx_with_too_many_rows_is_refused():
    from casework.imports import files

    data = _xlsx([["family_name"], *[[f"Name{i}"] for i in range(30)]])
    original = files.MAX_ROWS
    files.MAX_ROWS = 10
    try:
        with pytest.raises(FileError, match="rows"):
            read_table("list.xlsx", data)
    finally:
        files.MAX_ROWS = original
