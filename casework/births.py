"""What is known of a birth, and the range of dates it allows: an exact day, a month, a year, an
age stated on a date, or nothing. Pure: the person service, list parsing and the matcher all use it
(the precisions are `DatePrecision`'s values)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext

EXACT, MONTH, YEAR, AGE, UNKNOWN = "exact", "month", "year", "age", "unknown"
PRECISIONS = (EXACT, MONTH, YEAR, AGE, UNKNOWN)


def birth_range(
    precision: str,
    birth_date: dt.date | None,
    age: int | None = None,
    age_on: dt.date | None = None,
) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest possible birth date for what is known."""
    if precision == EXACT and birth_date:
        return birth_date, birth_date
    if precision == MONTH and birth_date:
        start = birth_date.replace(day=1)
        next_month = (start + dt.timedelta(days=32)).replace(day=1)
        return start, next_month - dt.timedelta(days=1)
    if precision == YEAR and birth_date:
        return dt.date(birth_date.year, 1, 1), dt.date(birth_date.year, 12, 31)
    if precision == AGE and age is not None and age_on is not None:
        # Aged `age` on `age_on`: born after age_on − (age+1) years and on or before age_on − age.
        latest = _years_before(age_on, age)
        earliest = _years_before(age_on, age + 1) + dt.timedelta(days=1)
        return earliest, latest
    return None, None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def birth_problems(
    precision: str,
    birth_date: dt.date | None,
    age: int | None,
    age_on: dt.date | None,
    *,
    today: dt.date,
) -> dict[str, list[str]]:
    """What is wrong with what is said of a birth, by field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    if precision not in PRECISIONS:
        errors["birth_precision"] = [
            gettext("Unknown precision %(precision)r.") % {"precision": precision}
        ]
    dated = (EXACT, MONTH, YEAR)
    if precision in dated and birth_date is None:
        errors["birth_date"] = [gettext("A birth date is needed for this precision.")]
    if precision == AGE and (age is None or age_on is None):
        errors["age_stated"] = [gettext("An age and the date it was stated on are needed.")]
    if precision == UNKNOWN and birth_date is not None:
        errors["birth_precision"] = [gettext("Give the precision of the birth date.")]
    if birth_date is not None:
        if birth_date > today:
            errors["birth_date"] = [gettext("The birth date is in the future.")]
        elif birth_date.year < 1900:
            errors["birth_date"] = [gettext("The birth date is before 1900.")]
    if age is not None and not 0 <= age <= 120:
        errors["age_stated"] = [gettext("An age must be between 0 and 120.")]
    if age_on is not None and age_on > today:
        errors["age_stated_on"] = [gettext("The date the age was stated is in the future.")]
    if birth_date is not None and age is not None and age_on is not None and not errors:
        earliest, latest = birth_range(AGE, None, age, age_on)
        if not (earliest.year - 1 <= birth_date.year <= latest.year + 1):
            errors["age_stated"] = [
                gettext("An age of %(age)s on %(on)s contradicts the birth date %(date)s.")
                % {"age": age, "on": f"{age_on:%Y-%m-%d}", "date": f"{birth_date:%Y-%m-%d}"}
            ]
    return errors
