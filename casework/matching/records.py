"""A person as the matcher sees it: plain data, no database."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

PRECISIONS = ("exact", "month", "year", "estimated", "unknown")


@dataclass(frozen=True)
class BirthRange:
    """When a person was born, as the earliest and latest possible day and how it was known."""

    earliest: date | None = None
    latest: date | None = None
    precision: str = "unknown"  # one of PRECISIONS; "estimated" means derived from an age

    @property
    def known(self) -> bool:
        return self.earliest is not None and self.latest is not None

    def years(self) -> range:
        if not self.known:
            return range(0)
        return range(self.earliest.year, self.latest.year + 1)

    def gap_days(self, other: BirthRange) -> int | None:
        """Days between the two ranges; 0 when they overlap, None when either is unknown."""
        if not (self.known and other.known):
            return None
        if self.latest < other.earliest:
            return (other.earliest - self.latest).days
        if other.latest < self.earliest:
            return (self.earliest - other.latest).days
        return 0


UNKNOWN_BIRTH = BirthRange()

_DATE = re.compile(r"^\s*(\d{4})(?:[-./](\d{1,2}))?(?:[-./](\d{1,2}))?\s*$")
_DMY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def parse_birth_date(text: str | None) -> BirthRange:
    """'1987-03-02' → that day; '1987-03' → the month; '1987' → the year; '' → unknown."""
    if not text or not text.strip():
        return UNKNOWN_BIRTH
    try:
        if m := _COMPACT.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return BirthRange(day, day, "exact")
        if m := _DMY.match(text):
            day = date(int(m[3]), int(m[2]), int(m[1]))
            return BirthRange(day, day, "exact")
        if m := _DATE.match(text):
            year = int(m[1])
            if m[2] and m[3]:
                day = date(year, int(m[2]), int(m[3]))
                return BirthRange(day, day, "exact")
            if m[2]:
                month = int(m[2])
                return BirthRange(date(year, month, 1), _month_end(year, month), "month")
            return BirthRange(date(year, 1, 1), date(year, 12, 31), "year")
    except ValueError:
        return UNKNOWN_BIRTH
    return UNKNOWN_BIRTH


def birth_range_from_age(age: int, on: date) -> BirthRange:
    """Someone aged N on a date was born between N+1 years and a day before, and N years before."""

    def years_before(day: date, years: int) -> date:
        try:
            return day.replace(year=day.year - years)
        except ValueError:  # 29 February
            return day.replace(year=day.year - years, day=28)

    return BirthRange(
        years_before(on, age + 1) + timedelta(days=1), years_before(on, age), "estimated"
    )


def _clean(value: object) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "null") else text


@dataclass
class PersonRecord:
    record_id: str
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    full_name: str = ""
    aliases: tuple[str, ...] = ()
    sex: str = ""  # "F", "M" or ""
    birth: BirthRange = UNKNOWN_BIRTH
    age: int | None = None
    age_reference_date: date | None = None
    birth_place: str = ""
    mother_name: str = ""
    father_name: str = ""
    region: str = ""
    location: str = ""
    # Document or registry numbers (passport, camp registration): strong evidence when present.
    identifiers: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, row: Mapping[str, object], record_id: str | None = None) -> PersonRecord:
        """Build from a row using the sample column names (missing columns are fine)."""
        get = lambda key: _clean(row.get(key))  # noqa: E731
        birth = parse_birth_date(get("birth_date"))
        age = None
        reference = None
        age_text = get("age")
        if age_text:
            try:
                age = int(float(age_text))
            except ValueError:
                age = None
        if ref_text := get("age_reference_date"):
            ref_range = parse_birth_date(ref_text)
            reference = ref_range.earliest if ref_range.known else None
        if not birth.known and age is not None and reference is not None:
            birth = birth_range_from_age(age, reference)
        alias_text = get("alias") or get("aliases")
        aliases = tuple(a.strip() for a in re.split(r"[;|]", alias_text) if a.strip())
        identifiers = tuple(
            v for v in (get("identifier"), get("document_number"), get("soc_sec_id")) if v
        )
        sex = get("sex").upper()[:1]
        sex = {"Ж": "F", "М": "M", "W": "F"}.get(sex, sex)
        return cls(
            record_id=record_id or get("record_id"),
            family_name=get("family_name"),
            given_name=get("given_name"),
            patronymic=get("patronymic"),
            full_name=get("full_name"),
            aliases=aliases,
            sex=sex if sex in ("F", "M") else "",
            birth=birth,
            age=age,
            age_reference_date=reference,
            birth_place=get("birth_place"),
            mother_name=get("mother_name"),
            father_name=get("father_name"),
            region=get("region"),
            location=get("location"),
            identifiers=identifiers,
        )
