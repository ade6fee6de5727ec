import pytest

from casework.matching.csvio import CsvError, decode, read_rows

HEADER = "record_id,family_name,given_name\n"
ROWS = "X1,Тестова,Зарема\nX2,Примерова,Хеда\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1251", b"", "cp1251"),
        ("utf-16", b"", "utf-16"),  # Python writes a BOM
        ("utf-16-le", b"", "utf-16-le"),  # Excel-style without BOM
    ],
)
def test_encodings_are_detected(encoding, prefix, detected):
    data = prefix + (HEADER + ROWS).encode(encoding)
    assert decode(data)[1] == detected
    rows = read_rows(data)
    assert [r["family_name"] for r in rows] == ["Тестова", "Примерова"]
    assert list(rows[0]) == ["record_id", "family_name", "given_name"]


def test_semicolon_separated_file():
    rows = read_rows((HEADER + ROWS).replace(",", ";").encode("utf-8"))
    assert rows[1]["given_name"] == "Хеда"


def test_ragged_row_names_the_row(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "X1,Тестова,Зарема\nX2,Примерова\n", encoding="utf-8")
    with pytest.raises(CsvError, match=r"row 3: 2 fields, but the header has 3"):
        read_rows(path)


def test_empty_file_is_an_error():
    with pytest.raises(CsvError, match="empty"):
        read_rows(b"")


def test_header_only_file_has_no_rows():
    assert read_rows(HEADER.encode("utf-8")) == []


def test_blank_lines_are_skipped():
    assert len(read_rows((HEADER + "\n" + ROWS + "\n\n").encode("utf-8"))) == 2


def test_quoted_commas_do_not_change_the_separator():
    data = 'record_id,full_name,location\nX1,"Testova, Zarema","Camp, sector 4"\n'
    rows = read_rows(data.encode("utf-8"))
    assert rows == [
        {"record_id": "X1", "full_name": "Testova, Zarema", "location": "Camp, sector 4"}
    ]
