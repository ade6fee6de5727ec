"""What one user may be shown of one record, field by field.

A field the user may not see is the WITHHELD marker, never an empty value: "hidden" must not read as
"unknown". Pages, the API and exports all present records through here.
"""

from __future__ import annotations

from django.db import models

from casework.classification import shown_at
from casework.permissions import Level, partner_fields, person_level


class _Withheld:
    """Renders as "withheld" in pages and is serialised as {"withheld": true} by the API."""

    def __str__(self) -> str:
        return "withheld"

    def __repr__(self) -> str:
        return "WITHHELD"

    def __bool__(self) -> bool:
        return False


WITHHELD = _Withheld()


def person_fields_for(user, person) -> tuple[Level, set[str]]:
    level = person_level(user, person)
    extra = partner_fields(user, person) if level == Level.PARTNER else None
    return level, shown_at("Person", level, partner_fields=extra)


def person_fields_bulk(user, persons) -> dict[int, tuple[Level, set[str]]]:
    """`person_fields_for` for a page of persons, in a constant number of queries."""
    from casework.models import SharedCase
    from casework.permissions import _active_agreements, person_levels

    persons = list(persons)
    levels = person_levels(user, persons)
    shared: dict[int, set[str]] = {}
    if any(level == Level.PARTNER for level in levels.values()):
        rows = SharedCase.objects.filter(
            person__in=[p.pk for p in persons if levels[p.pk] == Level.PARTNER],
            agreement__in=_active_agreements(user),
        ).values_list("person_id", "agreement__shared_fields")
        for person_id, fields in rows:
            shared.setdefault(person_id, set()).update(fields)
    return {
        p.pk: (
            levels[p.pk],
            shown_at(
                "Person",
                levels[p.pk],
                partner_fields=shared.get(p.pk, set()) if levels[p.pk] == Level.PARTNER else None,
            ),
        )
        for p in persons
    }


def present(obj: models.Model, shown: set[str], fields: list[str]) -> dict:
    """`fields` of `obj`, each its value when in `shown`, else WITHHELD."""
    return {name: getattr(obj, name) if name in shown else WITHHELD for name in fields}


def birth_year_only(person) -> int | None:
    """The staff-level view of a birth date: a year, or the middle of the possible range."""
    return person.birth_year
