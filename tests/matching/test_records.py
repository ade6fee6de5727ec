from datetime import date

from casework.matching import PersonRecord
from casework.matching.records import parse_birth_date


def test_birth_date_precisions():
    assert parse_birth_date("2012-06-17").precision == "exact"
    month = parse_birth_date("2012-06")
    assert (month.earliest, month.latest, month.precision) == (
        date(2012, 6, 1),
        date(2012, 6, 30),
        "month",
    )
    year = parse_birth_date("1988")
    assert (year.earliest, year.latest) == (date(1988, 1, 1), date(1988, 12, 31))
    assert not parse_birth_date("").known
    assert not parse_birth_date("unknown").known


def test_age_on_a_date_is_a_one_year_range():
    r = PersonRecord.from_dict({"record_id": "X1", "age": "10", "age_reference_date": "2019-02-01"})
    assert r.birth.precision == "estimated"
    assert r.birth.earliest == date(2008, 2, 2)
    assert r.birth.latest == date(2009, 2, 1)


def test_from_dict_reads_the_sample_columns():
    r = PersonRecord.from_dict(
        {"record_id": "B1", "full_name": "Zarema Testova", "alias": "Umm Nodar", "sex": "f"}
    )
    assert r.full_name == "Zarema Testova" and r.aliases == ("Umm Nodar",) and r.sex == "F"
