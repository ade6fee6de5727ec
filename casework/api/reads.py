"""The record of what the API showed of persons through their other records (placements,
flights): one audit event per page naming every person read, as the persons list writes it."""

from __future__ import annotations

from casework import audit
from casework.permissions import person_levels


def record_page_reads(user, read: str, persons, fields: list[str]) -> None:
    """`persons` were shown on the page `read` (their `fields`: the kinds of record shown)."""
    unique = list({person.pk: person for person in persons}.values())
    if not unique:
        return
    levels = person_levels(user, unique)
    audit.record_reads(user, read, [(person, levels[person.pk], fields) for person in unique])


def record_view_reads(user, read: str, views, fields: list[str]) -> None:
    """As `record_page_reads`, for persons the presenter already showed (`PersonView`s carry the
    level it worked out: asking the policy again cost a third of the flight list)."""
    audit.record_reads(user, read, [(view.person, view.level, fields) for view in views])
