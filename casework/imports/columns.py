"""Which column of a list holds which field: the sample names, common English and Russian headers,
or a mapping the importer chose."""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

FIELDS: dict[str, str | Promise] = {
    "record_id": _("Record id in the list"),
    "family_name": _("Family name"),
    "given_name": _("Given name"),
    "patronymic": _("Patronymic"),
    "full_name": _("Full name (as written)"),
    "alias": _("Alias or kunya"),
    "sex": _("Sex"),
    "birth_date": _("Birth date"),
    "age": _("Age"),
    "age_reference_date": _("Date the age was stated"),
    "birth_place": _("Birth place"),
    "mother_name": _("Mother's name"),
    "father_name": _("Father's name"),
    "region": _("Region of origin"),
    "location": _("Where held or seen"),
}
NAME_FIELDS = ("family_name", "given_name", "patronymic", "full_name", "alias")

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("id", "record", "no", "nr", "number", "№", "номер", "п п", "№ п п", "ид"),
    "family_name": ("surname", "last name", "lastname", "family", "фамилия"),
    "given_name": ("first name", "firstname", "forename", "given", "имя"),
    "patronymic": ("middle name", "father s name part", "отчество"),
    "full_name": ("name", "full name", "fullname", "фио", "ф и о", "полное имя"),
    "alias": ("aliases", "kunya", "nickname", "псевдоним", "прозвище", "кунья", "куня"),
    "sex": ("gender", "пол"),
    "birth_date": (
        "date of birth",
        "dob",
        "birth",
        "born",
        "дата рождения",
        "д р",
        "год рождения",
        "дата и год рождения",
    ),
    "age": ("возраст", "age years", "лет"),
    "age_reference_date": ("age date", "age as of", "возраст на дату", "дата возраста"),
    "birth_place": ("place of birth", "birthplace", "место рождения"),
    "mother_name": ("mother", "mother s name", "мать", "имя матери", "фио матери"),
    "father_name": ("father", "father s name", "отец", "имя отца", "фио отца"),
    "region": ("region of origin", "регион", "область", "республика", "субъект"),
    "location": (
        "place",
        "current location",
        "held at",
        "местонахождение",
        "местоположение",
        "место содержания",
        "место нахождения",
    ),
}


def normalise_header(text: str) -> str:
    text = (text or "").strip().casefold().replace("ё", "е")
    return re.sub(r"[\s_\-./:'’()]+", " ", text).strip()


_LOOKUP = {normalise_header(f): f for f in FIELDS}
for _field, _words in _SYNONYMS.items():
    _LOOKUP.update({normalise_header(w): _field for w in _words})


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """{header: field or ""}: each field taken by the first header that names it."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        field = _LOOKUP.get(normalise_header(header), "")
        if field in taken:
            field = ""
        if field:
            taken.add(field)
        mapping[header] = field
    return mapping


def check_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, list[str]]:
    """Errors of a mapping, per header (unknown field, a field taken twice, no name column)."""
    errors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for header in headers:
        field = mapping.get(header, "")
        if not field:
            continue
        if field not in FIELDS:
            errors[header] = [gettext("Unknown field %(field)r.") % {"field": field}]
        elif field in seen:
            errors[header] = [
                gettext("%(field)s is already read from the column %(column)r.")
                % {"field": FIELDS[field], "column": seen[field]}
            ]
        else:
            seen[field] = header
    if not errors and not set(seen) & set(NAME_FIELDS):
        errors["__all__"] = [
            gettext("Map at least one column to a name field (family, given or full name).")
        ]
    return errors
