"""Keeping a person's stored name keys in step with their names (for candidate search by index),
and reading persons as the matching engine sees them (`casework.matching.PersonRecord`).

The stored keys are the engine's blocking keys (`s|tagirov`, `sg|tagirov|bilal`, `sy|tagirov|2015`,
…), one row per key, `kind` holding the key's prefix. A look-up with a new record's blocking keys
finds every stored person that the engine would have paired with it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils.translation import gettext

from casework.matching import BirthRange, PersonRecord, prepare
from casework.matching.keys import query_keys, search_keys_for_person
from casework.models import (
    ListImportRow,
    NameKey,
    Person,
    PersonName,
    Relationship,
    RelationshipKind,
    RowOutcome,
)
from casework.models.sync import ChangeKind, note_person_changes
from casework.services.text_input import clean_input

KEY_LENGTH = 80  # NameKey.key
_REFRESH_CHUNK = 500  # persons whose keys are computed again per round of queries
_ALIAS_KINDS = ("alias", "kunya", "nickname")
_PRECISION = {"exact": "exact", "month": "month", "year": "year", "age": "estimated"}


def _birth(person: Person) -> BirthRange:
    if person.birth_earliest and person.birth_latest:
        precision = _PRECISION.get(person.birth_precision, "estimated")
        return BirthRange(person.birth_earliest, person.birth_latest, precision)
    return BirthRange()


def _name_parts(name: PersonName) -> dict:
    return {
        "family_name": name.family_name,
        "given_name": name.given_name,
        "patronymic": name.patronymic,
        "full_name": "" if (name.family_name or name.given_name) else name.full_text,
    }


def records_for(
    person: Person, names: Iterable[PersonName], parents: dict[str, str] | None = None
) -> list[PersonRecord]:
    """One engine record per name of the person (aliases ride along on every record)."""
    names = list(names)
    aliases = tuple(n.as_text() for n in names if n.kind in _ALIAS_KINDS)
    parents = parents or {}
    common = {
        "sex": person.sex if person.sex in ("F", "M") else "",
        "birth": _birth(person),
        "age": person.age_stated,
        "age_reference_date": person.age_stated_on,
        "birth_place": person.birthplace,
        "region": person.region_of_origin,
        "mother_name": parents.get("mother", ""),
        "father_name": parents.get("father", ""),
    }
    records = [
        PersonRecord(record_id=str(person.pk), aliases=aliases, **common, **_name_parts(n))
        for n in names
        if n.kind not in _ALIAS_KINDS
    ]
    if not records and aliases:
        records.append(PersonRecord(record_id=str(person.pk), aliases=aliases, **common))
    return records


def parents_of(person_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """{person id: {"mother": name, "father": name}}, in two queries.

    A recorded relative comes first; without one, the name a list gave for the person's mother
    or father, kept with the list row the person was created from or linked to (the person model
    has no field for a parent's name, and a list's "mother" is not a case of her own)."""
    ids = list(person_ids)
    parents: dict[int, dict[str, str]] = defaultdict(dict)
    if not ids:
        return parents
    # `from_person` is the `kind` of `to_person`: the mother of X is from=M, to=X, kind=mother.
    links = Relationship.objects.filter(
        Q(to_person_id__in=ids, kind__in=[RelationshipKind.MOTHER, RelationshipKind.FATHER])
        | Q(from_person_id__in=ids, kind=RelationshipKind.CHILD)
    ).values_list(
        "from_person_id",
        "to_person_id",
        "kind",
        "from_person__display_name",
        "to_person__display_name",
        "to_person__sex",
    )
    as_child = []
    for from_id, to_id, kind, from_name, to_name, to_sex in links.order_by("pk"):
        if kind == RelationshipKind.CHILD:
            as_child.append((from_id, {"F": "mother", "M": "father"}.get(to_sex), to_name))
        else:
            parents[to_id].setdefault(kind, from_name)
    for child_id, kind, name in as_child:
        if kind:
            parents[child_id].setdefault(kind, name)
    rows = (
        ListImportRow.objects.filter(
            person_id__in=ids, outcome__in=[RowOutcome.CREATED, RowOutcome.LINKED]
        )
        .order_by("pk")
        .values_list("person_id", KT("data__fields__mother_name"), KT("data__fields__father_name"))
    )
    for person_id, mother, father in rows:
        for kind, name in (("mother", mother), ("father", father)):
            if name and isinstance(name, str):
                parents[person_id].setdefault(kind, name)
    return parents


def children_of(person_ids: Iterable[int]) -> set[int]:
    """Persons whose mother or father is one of these (their keys carry that parent's name)."""
    ids = list(person_ids)
    if not ids:
        return set()
    found = set()
    for from_id, to_id, kind in Relationship.objects.filter(
        Q(from_person_id__in=ids, kind__in=[RelationshipKind.MOTHER, RelationshipKind.FATHER])
        | Q(to_person_id__in=ids, kind=RelationshipKind.CHILD)
    ).values_list("from_person_id", "to_person_id", "kind"):
        found.add(from_id if kind == RelationshipKind.CHILD else to_id)
    return found - set(ids)


# What candidate search reads of a person and their names (the rest loads only if asked for).
_RECORD_FIELDS = (
    "public_id", "organisation_id", "team_id", "assigned_to_id", "display_name", "sex",
    "birth_date", "birth_precision", "age_stated", "age_stated_on", "birth_earliest",
    "birth_latest", "birthplace", "region_of_origin", "sensitivity", "status", "merged_into_id",
)  # fmt: skip
_NAME_FIELDS = ("person_id", "family_name", "given_name", "patronymic", "full_text", "kind",
                "is_primary")  # fmt: skip


def load_people(
    person_ids: Iterable[int],
) -> dict[int, tuple[Person, list[PersonName], list[PersonRecord]]]:
    """Persons with their names and engine records, in bulk: four queries whatever the number."""
    ids = list(person_ids)
    if not ids:
        return {}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=ids).only(*_RECORD_FIELDS)}
    names: dict[int, list[PersonName]] = defaultdict(list)
    for name in (
        PersonName.objects.filter(person_id__in=ids)
        .only(*_NAME_FIELDS)
        .order_by("-is_primary", "id")
    ):
        names[name.person_id].append(name)
    parents = parents_of(ids)
    return {
        pk: (person, names[pk], records_for(person, names[pk], parents.get(pk)))
        for pk, person in persons.items()
    }


def load_records(person_ids: Iterable[int]) -> dict[int, tuple[Person, list[PersonRecord]]]:
    """Persons with their engine records, in bulk (see `load_people`)."""
    return {pk: (person, records) for pk, (person, _, records) in load_people(person_ids).items()}


def minimal_records_for(person: Person, names: Iterable[PersonName]) -> list[PersonRecord]:
    """The person as someone who may see only the minimal level sees them (`casework.
    classification`: the names as written, the sex, the birth year), as engine records.

    Nothing else goes in: not the exact birth date, birthplace, region, age or parents, and not
    the kind of a name (an alias is compared as the text it is, like any name)."""
    year = person.birth_year
    birth = BirthRange(dt.date(year, 1, 1), dt.date(year, 12, 31), "year") if year else BirthRange()
    common = {"sex": person.sex if person.sex in ("F", "M") else "", "birth": birth}
    return [PersonRecord(record_id=str(person.pk), **common, **_name_parts(name)) for name in names]


def keys_of_records(records: Iterable[PersonRecord]) -> set[str]:
    """The blocking keys of the records, and the keys a name search finds them by."""
    keys: set[str] = set()
    for record in records:
        prepared = prepare(record)
        keys |= {k[:KEY_LENGTH] for k in prepared.blocking | search_keys_for_person(prepared)}
    return keys


def _kind(key: str) -> str:
    return key.split("|", 1)[0][:12]


def name_keys_for(person: Person, parents: dict[str, str] | None = None) -> set[tuple[str, str]]:
    """(key, kind) pairs for all of a person's names: the matching engine's blocking keys."""
    if person.merged_into_id:
        return set()  # a merged-away record is never a candidate again
    if parents is None:
        parents = parents_of([person.pk]).get(person.pk, {})
    records = records_for(person, person.names.all(), parents)
    return {(key, _kind(key)) for key in keys_of_records(records)}


def refresh_name_keys(person: Person) -> None:
    """Store the person's keys again, and their children's: a child's keys carry the names of
    their parents. Call it on every path that changes what the keys are made of: a name, a
    relationship to a parent, a list row linked to the person, a merge and its undo."""
    refresh_name_keys_of([person.pk, *children_of([person.pk])])


def refresh_name_keys_of(person_ids: Iterable[int]) -> None:
    """The stored keys of many persons computed again from the database, in bulk (a merged-away
    record keeps none: it is never a candidate again)."""
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), _REFRESH_CHUNK):
        chunk = ids[start : start + _REFRESH_CHUNK]
        loaded = load_records(chunk)
        keys = [
            key
            for pk, (person, records) in loaded.items()
            if not person.merged_into_id
            for key in _key_rows(pk, records)
        ]
        NameKey.objects.filter(person_id__in=chunk).delete()
        NameKey.objects.bulk_create(keys, batch_size=5000)


def new_name_keys(
    person: Person, names: Iterable[PersonName], parents: dict[str, str] | None = None
) -> list[NameKey]:
    """The keys to store for a person just created with these names (and these names of their
    parents), computed as `refresh_name_keys` computes them, without reading them back."""
    return _key_rows(person.pk, records_for(person, names, parents))


def _key_rows(person_id: int, records: Iterable[PersonRecord]) -> list[NameKey]:
    return [
        NameKey(person_id=person_id, key=key, kind=_kind(key))
        for key in sorted(keys_of_records(records))
    ]


# --- Adding a name to a person (the persons area) ---------------------------------------------

_NAME_LIMITS = {"family_name": 150, "given_name": 150, "patronymic": 150, "full_text": 300}


def clean_name_parts(parts: dict[str, str], *, prefix: str = "") -> dict[str, str]:
    """Name parts through the one text cleaner, or a ServiceError naming the part (NUL bytes,
    over-long)."""
    return {
        part: clean_input(f"{prefix}{part}", parts.get(part, ""), max_length=limit)
        for part, limit in _NAME_LIMITS.items()
    }


def person_add_name(
    *,
    actor,
    person: Person,
    family_name: str = "",
    given_name: str = "",
    patronymic: str = "",
    full_text: str = "",
    script: str = "",
    kind: str = "alias",
    source: str = "",
) -> PersonName:
    """Another name of the person (a transliteration, an alias, a kunya), with its keys refreshed
    so candidate search finds the person by it at once."""
    from django.db import transaction

    from casework import audit
    from casework.audit import AuditAction
    from casework.models import NameKind, Script
    from casework.permissions import Action, require
    from casework.services._common import recheck_scope
    from casework.services.errors import ServiceError

    require(actor, Action.EDIT_PERSON, person)
    parts = clean_name_parts(
        {
            "family_name": family_name,
            "given_name": given_name,
            "patronymic": patronymic,
            "full_text": full_text,
        }
    )
    source = clean_input("source", source, max_length=200)
    if not any(parts.values()):
        raise ServiceError({"full_text": [gettext("Give the name, or at least one part of it.")]})
    if kind not in NameKind.values:
        raise ServiceError({"kind": [gettext("Unknown kind %(kind)r.") % {"kind": kind}]})
    if script and script not in Script.values:
        raise ServiceError({"script": [gettext("Unknown script %(script)r.") % {"script": script}]})
    name = PersonName(person=person, kind=kind, source=source, is_primary=False, **parts)
    name.script = script or guess_script(name.as_text())
    with transaction.atomic():
        name.save()
        refresh_name_keys(person)
        recheck_scope(actor, person)
        audit.record(actor, AuditAction.CREATE, name, fields=["name", "kind", "script"])
        note_person_changes([person.pk], ChangeKind.NAMED)
    return name


def guess_script(text: str) -> str:
    for char in text:
        code = ord(char)
        if 0x0400 <= code <= 0x04FF:
            return "cyrl"
        if 0x0600 <= code <= 0x06FF:
            return "arab"
        if char.isalpha():
            return "latn"
    return "other"


def search_keys(text: str) -> set[str]:
    """Stored keys that a search text may stand for, in any script (Тагирова, Tagirova and
    Taghirufa give one surname key; Магомед, Muchammad and Muhammad one given-name key)."""
    return set(search_weights(text))


def search_weights(text: str) -> dict[str, int]:
    """{stored key: how much sharing it says}, for a name search ranked in SQL
    (`casework.matching.keys.query_keys`: the normalisation the stored keys were made with)."""
    weights: dict[str, int] = {}
    for key, weight in query_keys(text).items():
        key = key[:KEY_LENGTH]
        weights[key] = max(weight, weights.get(key, 0))
    return weights


def best_matching_name(
    texts: Iterable[str], query: str, weights: dict[str, int] | None = None
) -> str:
    """Of a person's names as written, the one a name search matched best (the weights of the
    keys it shares with the search, `search_weights`); "" when none shares any. A page of
    results passes `weights` (`search_weights(query)`) once: folding the query per row cost
    more than the row's own names."""
    if weights is None:
        weights = search_weights(query)
    folded = query.casefold()
    best, best_score = "", 0
    for text in texts:
        record = PersonRecord(record_id="", full_name=text)
        shared = keys_of_records([record]) & weights.keys()
        score = sum(weights[k] for k in shared) + (1 if folded in text.casefold() else 0)
        if score > best_score:
            best, best_score = text, score
    return best
