"""Patronymics as evidence (issue 9): two fathers' names count against a match, one father's
name in two scripts for it; the explanation shows values as written, never folded keys."""

import datetime as dt

from casework.matching import AUTO_LINK_THRESHOLD, BirthRange, PersonRecord, prepare, score_pair

BORN = BirthRange(dt.date(2015, 1, 1), dt.date(2015, 12, 31), "year")


def _record(record_id, patronymic, **extra):
    return prepare(
        PersonRecord(
            record_id=record_id,
            family_name="Межидова",
            given_name="Хава",
            patronymic=patronymic,
            sex="F",
            birth=BORN,
            region="Чечня",
            **extra,
        )  # fmt: skip
    )


def _field(scored, name):
    [found] = [f for f in scored.explanation if f.field == name]
    return found


def test_different_patronymics_count_against_a_match():
    scored = score_pair(_record("1", "Абдуллаевна"), _record("2", "Умаровна"))
    patronymic = _field(scored, "patronymic")
    assert (patronymic.left, patronymic.right, patronymic.level) == (
        "Абдуллаевна",
        "Умаровна",
        "different",
    )
    assert patronymic.weight < -4
    assert scored.probability < AUTO_LINK_THRESHOLD  # a reviewer decides, never the machine
    same = score_pair(_record("1", "Абдуллаевна"), _record("2", "Abdullaevna"))
    assert scored.probability < same.probability - 0.05


def test_one_patronymic_in_two_scripts_agrees():
    scored = score_pair(_record("1", "Абдуллаевна"), _record("2", "Abdulaewna"))
    assert _field(scored, "patronymic").level == "agree"
    assert _field(scored, "patronymic").weight > 0


def test_the_explanation_shows_values_as_written():
    scored = score_pair(
        _record("1", "Умаровна", aliases=("Умм Билал",)),
        _record("2", "Umarovna", aliases=("Umm Bilal",)),
    )
    assert (_field(scored, "region").left, _field(scored, "region").right) == ("Чечня", "Чечня")
    assert (_field(scored, "kunya").left, _field(scored, "kunya").right) == (
        "Умм Билал",
        "Umm Bilal",
    )
