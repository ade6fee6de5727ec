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


UTF16_BODY = (HEADER + ROWS).encode("utf-16-le")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe" + UTF16_BODY + b"X",  # odd length: the last character cut in half
        b"\xff\xfe" + UTF16_BODY[:20] + b"\x00\xd8" + UTF16_BODY[20:],  # a lone high surrogate
        b"\xfe\xff" + (HEADER + ROWS).encode("utf-16-be") + b"\xdc\x00",  # a lone low surrogate
        UTF16_BODY + b"\x00\xdc",  # no BOM, found by its zero bytes
    ],
)
def test_broken_utf16_is_a_clear_error(data):
    with pytest.raises(CsvError, match=r"the file is not valid UTF-16: byte \d+"):
        decode(data)


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xd0", b"\xed\xa0\x80"],  # a stray byte, a cut letter, an encoded lone surrogate
)
def test_utf8_with_a_few_bad_bytes_is_refused_not_read_as_cp1251(bad):
    good = (HEADER + ROWS * 5).encode("utf-8")
    offset = len(HEADER.encode("utf-8")) + 3
    data = good[:offset] + bad + good[offset:]
    with pytest.raises(CsvError, match=rf"not valid UTF-8: byte {offset} \(line 2\)"):
        decode(data)
    with pytest.raises(CsvError):
        read_rows(b"\xef\xbb\xbf" + data)  # a BOM saying UTF-8 does not change that


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        ((HEADER + ROWS).encode("cp1251"), "cp1251"),
        ("record_id,family_name\nX1,Testov №1\n".encode("cp1251"), "cp1251"),  # one odd byte
        (b"\xef\xbb\xbf" + (HEADER + ROWS).encode("utf-8"), "utf-8-sig"),
        (b"\xff\xfe" + (HEADER + ROWS).encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + (HEADER + ROWS).encode("utf-16-be"), "utf-16"),
    ],
)
def test_the_usual_encodings_still_read(data, detected):
    text, encoding = decode(data)
    assert encoding == detected
    assert "Тестова" in text or "Testov №1" in text


def test_linklists_names_the_file_it_cannot_read(tmp_path):
    from django.core.management import CommandError, call_command

    broken = tmp_path / "camp.csv"
    broken.write_bytes(b"\xff\xfe" + (HEADER + ROWS).encode("utf-16-le") + b"X")
    with pytest.raises(CommandError, match=r"camp\.csv: the file is not valid UTF-16"):
        call_command("linklists", str(broken), "--output", str(tmp_path / "pairs.csv"))
