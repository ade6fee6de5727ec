"""Which column of a list holds which field: the sample names, common English and Russian headers,
or a mapping the importer chose."""

from __future__ import annotations

import re

FIELDS: dict[str, str] = {
    "record_id": "Record id in the list",
    "family_name": "Family name",
    "given_name": "Given name",
    "patronymic": "Patronymic",
    "full_name": "Full name (as written)",
    "alias": "Alias or kunya",
    "sex": "Sex",
    "birth_date": "Birth date",
    "age": "Age",
    "age_reference_date": "Date the age was stated",
    "birth_place": "Birth place",
    "mother_name": "Mother's name",
    "father_name": "Father's name",
    "region": "Region of origin",
    "location": "Where held or seen",
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
            errors[header] = [f"Unknown field {field!r}."]
        elif field in seen:
            errors[header] = [f"{FIELDS[field]} is already read from the column {seen[field]!r}."]
        else:
            seen[field] = header
    if not errors and not set(seen) & set(NAME_FIELDS):
        errors["__all__"] = [
            "Map at least one column to a name field (family, given or full name)."
        ]
    return errors
