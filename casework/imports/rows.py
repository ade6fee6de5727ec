"""One row of a list, checked field by field: every problem named with its row and field.

Names are accepted in any script, with combining marks, in NFC or NFD. Every cell goes through the
one text cleaner that every way in uses (`casework.text.clean_line`): zero-width, bidi-override
and isolate characters are dropped and control characters become spaces, as they would from a
form or the API (the raw row keeps them as received). Only what cannot be stored at all, a NUL
byte or a lone surrogate, makes a row invalid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext

from casework.births import birth_problems, birth_range
from casework.imports.columns import FIELDS, NAME_FIELDS
from casework.imports.messages import (
    IMPOSSIBLE_AGE,
    LONE_SURROGATE,
    NAMES_NO_ONE,
    NO_SUCH_DATE,
    NOT_A_DATE,
    NOT_A_SEX,
    NOT_AN_AGE,
    NUL_BYTE,
    ROW_PROBLEM,
    TOO_LONG,
    Message,
    message,
)
from casework.matching import BirthRange, PersonRecord
from casework.text import clean_line

MAX_CELL = 2000  # any cell, mapped or not
MAX_LENGTH = {
    "record_id": 100,
    "family_name": 150,
    "given_name": 150,
    "patronymic": 150,
    "full_name": 300,
    "alias": 300,
    "birth_place": 200,
    "region": 100,
    "location": 300,
    "mother_name": 300,
    "father_name": 300,
}
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[./](\d{4})$")
_SEX = {
    "f": "F", "female": "F", "w": "F", "woman": "F", "girl": "F", "ж": "F", "жен": "F",
    "женский": "F", "m": "M", "male": "M", "man": "M", "boy": "M", "м": "M", "муж": "M",
    "мужской": "M", "u": "U", "unknown": "U", "?": "U", "неизвестно": "U",
}  # fmt: skip
_KUNYA = re.compile(r"^\s*(umm|um|umm-|abu|abou|умм|ум|абу)\b", re.IGNORECASE)


@dataclass
class RowError:
    row: int
    field: str  # a field of the import (birth_date), or a column of the file as it is headed
    message: Message

    def __str__(self) -> str:
        field = FIELDS.get(self.field, self.field)
        return gettext(ROW_PROBLEM) % {"row": self.row, "field": field, "message": self.message}

    @property
    def english(self) -> str:
        """What is kept of the problem (a rejected row's reason), translated when shown."""
        values = {"row": self.row, "field": self.field, "message": self.message.english}
        return ROW_PROBLEM % values


@dataclass
class RowData:
    number: int
    raw: dict[str, str]
    fields: dict[str, str]
    record_id: str = ""
    names: list[dict] = field(default_factory=list)
    sex: str = "U"
    birth_precision: str = "unknown"
    birth_date: dt.date | None = None
    age_stated: int | None = None
    age_stated_on: dt.date | None = None
    birth_earliest: dt.date | None = None
    birth_latest: dt.date | None = None

    def record(self) -> PersonRecord:
        f = self.fields
        aliases = tuple(n["full_text"] for n in self.names if n["kind"] in ("alias", "kunya"))
        precision = {"age": "estimated"}.get(self.birth_precision, self.birth_precision)
        birth = (
            BirthRange(self.birth_earliest, self.birth_latest, precision)
            if self.birth_earliest
            else BirthRange()
        )
        return PersonRecord(
            record_id=str(self.number),
            family_name=f.get("family_name", ""),
            given_name=f.get("given_name", ""),
            patronymic=f.get("patronymic", ""),
            full_name=f.get("full_name", ""),
            aliases=aliases,
            sex=self.sex if self.sex in ("F", "M") else "",
            birth=birth,
            age=self.age_stated,
            age_reference_date=self.age_stated_on,
            birth_place=f.get("birth_place", ""),
            mother_name=f.get("mother_name", ""),
            father_name=f.get("father_name", ""),
            region=f.get("region", ""),
            location=f.get("location", ""),
        )


def parse_date(text: str) -> tuple[dt.date, str]:
    """(date, precision) from 2015-08-25, 2015-08, 2015, 25.08.2015, 08.2015. ValueError if not."""
    text = text.strip()
    if m := _ISO.match(text):
        year, month, day = int(m[1]), m[2], m[3]
        if day:
            return _date(year, int(month), int(day), text), "exact"
        if month:
            return _date(year, int(month), 1, text), "month"
        return _date(year, 1, 1, text), "year"
    if m := _DMY.match(text):
        return _date(int(m[3]), int(m[2]), int(m[1]), text), "exact"
    if m := _MY.match(text):
        return _date(int(m[2]), int(m[1]), 1, text), "month"
    raise ValueError(message(NOT_A_DATE, value=text))


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(message(NO_SUCH_DATE, value=text)) from None


def _parse_age(text: str) -> int:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(message(NOT_AN_AGE, value=text)) from None
    if not value.is_integer():
        value = int(value)
    if value < 0 or value > 120:
        raise ValueError(message(IMPOSSIBLE_AGE, value=text))
    return int(value)


def _check_cells(number: int, raw: dict[str, str], errors: list[RowError]) -> None:
    for header, value in raw.items():
        if "\x00" in value:
            errors.append(RowError(number, header, message(NUL_BYTE)))
        elif _SURROGATE.search(value):
            errors.append(RowError(number, header, message(LONE_SURROGATE)))
        elif len(value) > MAX_CELL:
            too_long = message(TOO_LONG, length=len(value), limit=MAX_CELL)
            errors.append(RowError(number, header, too_long))


def validate_row(
    number: int,
    raw: dict[str, str],
    mapping: dict[str, str],
    *,
    as_of: dt.date | None,
    today: dt.date,
) -> tuple[RowData | None, list[RowError]]:
    errors: list[RowError] = []
    _check_cells(number, raw, errors)
    if errors:
        return None, errors
    fields = dict.fromkeys(FIELDS, "")
    for header, value in raw.items():
        target = mapping.get(header)
        if target:
            fields[target] = clean_line(value)
    for name, limit in MAX_LENGTH.items():
        if len(fields[name]) > limit:
            too_long = message(TOO_LONG, length=len(fields[name]), limit=limit)
            errors.append(RowError(number, name, too_long))
    data = RowData(number=number, raw=raw, fields=fields, record_id=fields["record_id"])
    if not any(fields[f] for f in NAME_FIELDS):
        errors.append(RowError(number, "family_name", message(NAMES_NO_ONE)))
    sex = fields["sex"]
    if sex:
        if sex.casefold() not in _SEX:
            errors.append(RowError(number, "sex", message(NOT_A_SEX, value=sex)))
        else:
            data.sex = _SEX[sex.casefold()]
    if fields["birth_date"]:
        try:
            data.birth_date, data.birth_precision = parse_date(fields["birth_date"])
        except ValueError as exc:
            errors.append(RowError(number, "birth_date", exc.args[0]))
    if fields["age"]:
        try:
            data.age_stated = _parse_age(fields["age"])
        except ValueError as exc:
            errors.append(RowError(number, "age", exc.args[0]))
    if fields["age_reference_date"]:
        try:
            data.age_stated_on, _ = parse_date(fields["age_reference_date"])
        except ValueError as exc:
            errors.append(RowError(number, "age_reference_date", exc.args[0]))
    if data.age_stated is not None and data.age_stated_on is None:
        data.age_stated_on = as_of or today
    if data.age_stated is not None and data.birth_date is None:
        data.birth_precision = "age"
    if not errors:
        birth = (data.birth_precision, data.birth_date, data.age_stated, data.age_stated_on)
        problems = birth_problems(*birth, today=today)
        if problems:
            # The same check in English: what a rejected row keeps (see imports.messages).
            with translation.override("en"):
                kept = birth_problems(*birth, today=today)
            renamed = {"age_stated": "age", "age_stated_on": "age_reference_date"}
            for name, shown in problems.items():
                for text, english_text in zip(shown, kept[name], strict=True):
                    both = Message.of(text, english_text)
                    errors.append(RowError(number, renamed.get(name, name), both))
    if errors:
        return None, errors
    data.birth_earliest, data.birth_latest = birth_range(
        data.birth_precision, data.birth_date, data.age_stated, data.age_stated_on
    )
    data.names = _names(fields)
    return data, []


def _names(fields: dict[str, str]) -> list[dict]:
    names = []
    if fields["family_name"] or fields["given_name"]:
        names.append(
            {
                "family_name": fields["family_name"],
                "given_name": fields["given_name"],
                "patronymic": fields["patronymic"],
                "full_text": "",
                "kind": "legal",
            }
        )
    if fields["full_name"]:
        names.append(
            {
                "family_name": "",
                "given_name": "",
                "patronymic": "",
                "full_text": fields["full_name"],
                "kind": "legal" if not names else "translit",
            }
        )
    for alias in re.split(r"[;|]", fields["alias"]):
        alias = alias.strip()
        if alias:
            kind = "kunya" if _KUNYA.match(alias) else "alias"
            names.append(
                {"family_name": "", "given_name": "", "patronymic": "", "full_text": alias,
                 "kind": kind}
            )  # fmt: skip
    return names
