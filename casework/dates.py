"""Dates as families write them: a year, a month, a day, or an age — always day before month.

One parser for every way into casework (public family form, staff forms, API, list imports), so
"03/12/1986" means 3 December 1986 everywhere. No date library: they guess US order (month first)
when a day is 12 or less, which silently turns 3 December into 12 March.

Accepted, with Latin, Arabic-Indic (٠-٩) or Persian (۰-۹) digits:

    2015   2015-04   2015-04-21   04.2015   21.04.2015   21/04/2015

and an age: "7", "about 7", "~7", "около 7 лет", "حوالي 7 سنوات". Anything else raises
DateNotUnderstood with a message, in the active language, that lists these forms.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.dates import MONTHS_ALT
from django.utils.formats import date_format
from django.utils.translation import gettext

from casework.models.base import DatePrecision

EARLIEST_YEAR = 1900
MAX_AGE = 120
_MAX_INPUT = (
    40  # longer than any accepted form with generous spaces; stops 10,000-digit input early
)

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# fullmatch only, and [0-9] rather than \d (which matches every script's digits).
_YEAR = re.compile(r"([0-9]{4})")
_YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})\.([0-9]{4})")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})([./])([0-9]{1,2})\2([0-9]{4})")
_SHORT_YEAR = re.compile(r"[0-9]{1,2}([./])[0-9]{1,2}\1[0-9]{2}")
_AGE = re.compile(
    r"(?P<about>(?:about|approximately|approx\.?|~|около|примерно|حوالي|حوالى|تقريبا|تقريباً)\s*)?"
    r"(?P<minus>[-−]\s*)?(?P<age>[0-9]+)"
    r"(?P<unit>\s*(?:years?|лет|года?|سنوات|سنة))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedDate:
    """What a family wrote: a date and how much of it they knew, or an age on a date.

    `date` is the 1 January of a year or the 1st of a month when only those were given.
    """

    date: dt.date | None
    precision: str  # a DatePrecision value: "exact", "month", "year" or "age"
    age: int | None = None
    age_on: dt.date | None = None


class DateNotUnderstood(ValueError):
    """The text is not a date or age we accept; `message` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DateOutOfRange(DateNotUnderstood):
    """Read, but not possible: a date in the future or before 1900, an age outside 0 to 120."""


def accepted_forms() -> str:
    """The sentence listing what we accept, translated into the active language."""
    return gettext(
        "Write the date as 2015, 2015-04, 04.2015, 21.04.2015, 21/04/2015 or 2015-04-21 "
        "(day before month), or an age such as 7 or about 7."
    )


def parse_family_date(text: str, *, reference_date: dt.date) -> ParsedDate | None:
    """The date or age in `text`, None if it is blank; DateNotUnderstood if it is anything else.

    `reference_date` is "today" for the writer: no date may be after it, and an age is an age
    on that day.
    """
    # Direction marks and other invisible format characters come along when Arabic text is
    # copied; they are not part of what was written. Control characters (NUL) are refused below.
    text = text.strip()
    if len(text) > _MAX_INPUT:
        raise _not_understood()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()
    if not text:
        return None
    text = text.translate(_DIGITS)

    if m := _YEAR.fullmatch(text):
        return _checked(int(m[1]), 1, 1, DatePrecision.YEAR, reference_date)
    if m := _YEAR_MONTH.fullmatch(text):
        return _checked(int(m[1]), int(m[2]), 1, DatePrecision.MONTH, reference_date)
    if m := _ISO_DAY.fullmatch(text):
        return _checked(int(m[1]), int(m[2]), int(m[3]), DatePrecision.EXACT, reference_date)
    if m := _MONTH_YEAR.fullmatch(text):
        return _checked(int(m[2]), int(m[1]), 1, DatePrecision.MONTH, reference_date)
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        return _checked(int(m[4]), int(m[3]), int(m[1]), DatePrecision.EXACT, reference_date)
    if _SHORT_YEAR.fullmatch(text):
        raise _not_understood(gettext("Write the year with four digits, such as 1986."))
    # A bare number of five digits or more is more likely a date with its dots lost than an age.
    m = _AGE.fullmatch(text)
    if m and (m["about"] or m["minus"] or m["unit"] or len(m["age"]) <= 3):
        age = -int(m["age"]) if m["minus"] else int(m["age"])
        if not 0 <= age <= MAX_AGE:
            raise DateOutOfRange(gettext("An age must be between 0 and 120 years."))
        age_estimate = DatePrecision.AGE_ESTIMATE.value
        return ParsedDate(date=None, precision=age_estimate, age=age, age_on=reference_date)
    raise _not_understood()


def parse_day(text: str) -> dt.date | None:
    """A whole day in any of the forms above (a flight's date, which may be ahead), None if blank;
    DateNotUnderstood for a month, a year, an age or anything else."""
    parsed = parse_family_date(text, reference_date=dt.date.max)
    if parsed is None:
        return None
    if parsed.precision != DatePrecision.EXACT:
        raise DateNotUnderstood(
            gettext("Write the whole day, such as 21.04.2015, 21/04/2015 or 2015-04-21.")
        )
    return parsed.date


_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?")


def parse_day_and_time(text: str) -> dt.datetime | None:
    """A day (as `parse_day` reads it) and a time of day, "21.04.2015 14:30": a naive datetime,
    None if blank; DateNotUnderstood for anything else."""
    text = " ".join(text.replace("T", " ").split())
    if not text:
        return None
    day_text, _, time_text = text.rpartition(" ")
    time = _TIME.fullmatch(time_text.translate(_DIGITS))
    if not day_text or time is None:
        raise DateNotUnderstood(
            gettext("Write the day and the time, such as 21.04.2015 14:30 or 2015-04-21 14:30.")
        )
    hour, minute, second = int(time[1]), int(time[2]), int(time[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateNotUnderstood(gettext("There is no time %(time)s.") % {"time": time_text})
    day = parse_day(day_text)
    return dt.datetime.combine(day, dt.time(hour, minute, second))


def shown_at_precision(date: dt.date | None, precision: str) -> str:
    """`date` written as precisely as it is known, in the active language: 2015, May 2015 or
    2015-04-21, never a made-up day for a date known to the month."""
    if not date:
        return "—"
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return date_format(date, "YEAR_MONTH_FORMAT")
    return date.isoformat()


def format_family_date(parsed: ParsedDate) -> str:
    """`parsed` in the canonical form we accept back: 2015, 2015-04, 2015-04-21, or the age."""
    if parsed.precision == DatePrecision.AGE_ESTIMATE:
        return str(parsed.age)
    if parsed.date is None:
        raise ValueError(f"A {parsed.precision!r} date needs a date.")
    if parsed.precision == DatePrecision.YEAR:
        return f"{parsed.date.year:04d}"
    if parsed.precision == DatePrecision.MONTH:
        return f"{parsed.date.year:04d}-{parsed.date.month:02d}"
    if parsed.precision == DatePrecision.EXACT:
        return parsed.date.isoformat()
    raise ValueError(f"No written form for precision {parsed.precision!r}.")


def _checked(
    year: int, month: int, day: int, precision: DatePrecision, reference_date: dt.date
) -> ParsedDate:
    if not 1 <= month <= 12:
        raise _not_understood(gettext("There is no month %(month)s.") % {"month": month})
    if not 1 <= day <= 31:
        raise _not_understood(gettext("There is no day %(day)s in a month.") % {"day": day})
    if year < EARLIEST_YEAR:
        raise DateOutOfRange(gettext("The date is before 1900."))
    try:
        date = dt.date(year, month, day)
    except ValueError:
        # Only a day past the end of its month is left, such as 31 April or 29 February 2023.
        problem = gettext("There is no %(day)s %(month)s in %(year)s.") % {
            "day": day,
            "month": MONTHS_ALT[month],
            "year": year,
        }
        raise _not_understood(problem) from None
    if date > reference_date:
        raise DateOutOfRange(gettext("The date is in the future."))
    return ParsedDate(date=date, precision=precision.value)


def _not_understood(problem: str = "") -> DateNotUnderstood:
    return DateNotUnderstood(f"{problem} {accepted_forms()}" if problem else accepted_forms())
