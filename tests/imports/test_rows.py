"""Row validation: each bad value is a per-row error naming the row and the field; odd but valid
names are accepted and normalised for matching."""

import datetime as dt
import unicodedata

import pytest

from casework.imports.columns import FIELDS, suggest_mapping
from casework.imports.rows import validate_row
from casework.matching import prepare

HEADERS = ["record_id", "family_name", "given_name", "full_name", "alias", "sex", "birth_date",
           "age", "age_reference_date", "location"]  # fmt: skip
MAPPING = suggest_mapping(HEADERS)
TODAY = dt.date(2026, 11, 1)


def _row(**values):
    raw = dict.fromkeys(HEADERS, "")
    raw.update({"family_name": "Tagirov", "given_name": "Bilal"}, **values)
    return validate_row(7, raw, MAPPING, as_of=dt.date(2026, 10, 1), today=TODAY)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"birth_date": "2015-02-29"}, "birth_date"),
        ({"birth_date": "29.02.2015"}, "birth_date"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"birth_date": "1850"}, "birth_date"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"age": "-1"}, "age"),
        ({"age": "200"}, "age"),
        ({"age": "ten"}, "age"),
        ({"birth_date": "2015-06-01", "age": "40", "age_reference_date": "2026-01-01"}, "age"),
        ({"sex": "X"}, "sex"),
        ({"given_name": "Bi\x00lal"}, "given_name"),
        ({"location": "x" * 100_000}, "location"),
        ({"family_name": "", "given_name": ""}, "family_name"),
    ],
)
def test_each_bad_value_is_a_row_error_naming_the_field(values, field):
    data, errors = _row(**values)
    assert data is None
    assert errors[0].row == 7 and errors[0].field == field
    # Kept in English with the field's identifier (a rejected row's reason), shown with its label.
    assert errors[0].english.startswith(f"Row 7, {field}: ")
    assert str(errors[0]).startswith(f"Row 7, {FIELDS[field]}: ")


def test_a_leap_day_of_a_leap_year_and_an_age_are_fine():
    data, errors = _row(birth_date="2016-02-29", age="10", age_reference_date="2026-06-01")
    assert errors == [] and data.birth_date == dt.date(2016, 2, 29)
    data, errors = _row(age="9")
    assert data.birth_precision == "age" and data.age_stated_on == dt.date(2026, 10, 1)


def test_names_with_marks_nfd_zero_width_and_rtl_overrides_are_accepted_and_normalised():
    nfd = unicodedata.normalize("NFD", "Тагиров")  # й-less, but with a combining breve elsewhere
    data, errors = _row(
        family_name=nfd + "\u200b",
        given_name="\u202eBilal\u202c",
        alias="Umm\u200d Bilal",
        full_name=unicodedata.normalize("NFD", "Йусуф Éric"),
    )
    assert errors == []
    assert data.fields["family_name"] == "Тагиров"
    assert data.fields["given_name"] == "Bilal"
    assert data.fields["full_name"] == unicodedata.normalize("NFC", "Йусуф Éric")
    assert data.raw["given_name"] == "\u202eBilal\u202c"  # the raw row keeps what was received
    plain, _ = _row()
    assert prepare(data.record()).family.key == prepare(plain.record()).family.key
    assert [n["kind"] for n in data.names][-1] == "kunya"
