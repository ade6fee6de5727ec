"""Exports of person lists: pseudonymised by default, identifiable only with the permission and a
reason, always audited, always formula-safe.

The rows are the persons of `PersonFilterSet` over `Person.objects.visible_to(actor)` (the same
filters as the list page and the API), each as `presenters.present_persons` shows it to the
exporter (as the page and the API do): a field they may not see is written as "withheld", never as
an empty cell. The export's event names every person it wrote.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import uuid
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from casework import audit
from casework.classification import Sens, sensitivity
from casework.export_files import csv_lines
from casework.filtersets import PersonFilterSet
from casework.levels import Level
from casework.models import Person, Placement, Relationship, RelationshipKind, Team
from casework.permissions import Action, require
from casework.presenters import WITHHELD, present_persons
from casework.services.errors import ServiceError
from casework.services.placements import current_placements
from casework.services.relationships import reciprocal

MAX_ROWS = 200_000
# Persons read, presented and written at a time: what an export holds in memory besides the ids.
CHUNK = 500

# (column, the presented person field it writes; None: the pseudonym, made from the public id)
PSEUDONYMISED = [
    ("pseudonym", None),
    ("sex", "sex"),
    ("birth_year", "birth_year"),
    ("status", "status"),
    ("region_of_origin", "region_of_origin"),
    ("documents_held", "documents_held"),
    ("current_place", None),
    ("relatives", None),
]
IDENTIFIABLE = [
    ("id", "public_id"),
    ("name", "display_name"),
    ("sex", "sex"),
    ("birth_year", "birth_year"),
    ("birth_earliest", "birth_earliest"),
    ("birth_latest", "birth_latest"),
    ("birth_precision", "birth_precision"),
    ("birthplace", "birthplace"),
    ("citizenship", "citizenship"),
    ("region_of_origin", "region_of_origin"),
    ("documents_held", "documents_held"),
    ("status", "status"),
    ("team", "team"),
    ("current_place", None),
    ("relatives", None),
]
# Columns made from other records than the person's own fields (the pseudonym, the place, the
# relatives): shown at the level that shows the working record.
COMPUTED = {"pseudonym", "current_place", "relatives"}


def pseudonym(public_id) -> str:
    """Stable across exports (analysts can join two of them), not reversible without the key."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"export:{public_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"P-{digest[:16]}"


def _labels(field: str) -> dict:
    """A choice field's values and their labels (translated when written)."""
    return dict(Person._meta.get_field(field).flatchoices)


def _cell(field: str, value):
    """A presented value as a spreadsheet shows it, in the user's language: a choice as its label,
    never its code; whether it shows at all is the presenter's."""
    if value is WITHHELD:
        return gettext("withheld")
    if value is None:
        return ""
    if isinstance(value, Team):
        return value.name
    if field in _CHOICE_FIELDS:
        label = _labels(field).get(value)
        return str(label) if label is not None else value
    return value


_CHOICE_FIELDS = {"sex", "status", "documents_held", "birth_precision"}


def _known_value(name: str, value: str) -> bool:
    """Whether `value` is one the filter itself offers (a status, a sex, an ordering key, a year, a
    team id), never free text the caller typed."""
    declared = PersonFilterSet.base_filters[name]
    if name == "ordering":
        return value.removeprefix("-") in declared.param_map
    choices = declared.extra.get("choices")
    if choices is not None:
        return value in {str(key) for key, _label in choices}
    if name in ("born_from", "born_to"):
        return value.isdigit() and len(value) <= 4
    if name == "team":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    return False


def _shown_as_is(name: str) -> bool:
    """A filter whose value may enter the trail: on a staff-level field and no free-text search
    (`q` is a name someone looked for; region and birthplace are sensitive)."""
    if name == "ordering":
        return True
    field = PersonFilterSet.FILTER_FIELDS.get(name)
    return field is not None and name != "q" and sensitivity("Person", field) == Sens.STAFF


def audited_filters(params) -> dict:
    """The export's filters as the audit trail keeps them: the name of every filter used, and its
    value only when `_shown_as_is` and the value is one the filter offers; otherwise the redaction
    marker. A parameter that is no filter is left out (its very name is the caller's text)."""
    kept = {}
    for name in sorted(params or {}):
        if name not in PersonFilterSet.base_filters:
            continue
        raw = params.getlist(name) if hasattr(params, "getlist") else params[name]
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        if _shown_as_is(name) and all(_known_value(name, v) for v in values):
            kept[name] = values[0] if len(values) == 1 else values
        else:
            kept[name] = audit.REDACTED
    return kept


@dataclass
class Table:
    """An export ready to be written: its file name stem, sheet title, header, row count, and its
    rows, read from the database a chunk at a time as they are written."""

    stem: str
    title: str
    header: list[str]
    count: int
    rows: Iterator[list]


def _check_may_export(actor, identifiable: bool, reason: str) -> None:
    if identifiable:
        require(actor, Action.EXPORT_IDENTIFIABLE)
        if len((reason or "").strip()) < 10:
            raise ServiceError(
                {"reason": [gettext("Say why identifiable data must leave the system.")]}
            )
    else:
        require(actor, Action.EXPORT_PSEUDONYMISED)


def check_export_request(actor, params, identifiable: bool = False, reason: str = "") -> None:
    """What `persons_table` refuses before reading a row, asked before an export is queued as a
    background job: the requester hears of a missing reason or a bad filter at once."""
    _check_may_export(actor, identifiable, reason)
    filtered_persons(actor, params)


def filtered_persons(actor, params):
    filterset = PersonFilterSet(
        params or None,
        queryset=Person.objects.visible_to(actor).order_by("display_name", "id"),
        user=actor,
    )
    if filterset.is_bound and not filterset.is_valid():
        # A filter the export cannot apply (a birth year of 0) would export more persons than
        # were asked for: refused, naming the filter, like the list page shows it.
        raise ServiceError(
            {name: [str(error) for error in errors] for name, errors in filterset.errors.items()}
        )
    return filterset.qs if filterset.is_bound else filterset.queryset


def _relative_links(actor, persons):
    """The family links of `persons` the actor may see (both ends readable: the gate)."""
    return Relationship.objects.visible_to(actor).filter(
        Q(from_person__in=persons) | Q(to_person__in=persons)
    )


def _places(actor, pks) -> dict[int, str]:
    """Each person's current place, of the placements the actor may see."""
    placements = current_placements(
        Placement.objects.visible_to(actor).filter(person_id__in=pks)
    ).select_related("location")
    return {
        p.person_id: (p.location.name if p.location_id else p.place_text)
        for p in placements.order_by("start_date", "id")
    }


def _relatives(actor, pks, identifiable: bool) -> dict[int, str]:
    """Each person's relatives as "kind: name" (or the relative's pseudonym), seen from the
    person; the relatives' names come through the presenter like every other name."""
    links = list(
        _relative_links(actor, pks).select_related("from_person", "to_person").order_by("id")
    )
    others = {link.from_person_id: link.from_person for link in links}
    others.update({link.to_person_id: link.to_person for link in links})
    names = {
        view.person.pk: view["display_name"]
        for view in present_persons(actor, list(others.values()), ["display_name"], read=None)
    }
    wanted = set(pks)
    found: dict[int, list[str]] = {}
    for link in links:
        back = reciprocal(link.kind, other_sex=link.to_person.sex)
        seen_from_each_end = (
            (link.to_person_id, link.from_person, link.kind),
            (link.from_person_id, link.to_person, back),
        )
        for person_id, other, kind in seen_from_each_end:
            if person_id not in wanted:
                continue
            label = (
                RelationshipKind(kind).label
                if kind in RelationshipKind.values
                else gettext("parent")
            )
            if identifiable:
                name = names.get(other.pk, WITHHELD)
                who = gettext("withheld") if name is WITHHELD else name
            else:
                who = pseudonym(other.public_id)
            found.setdefault(person_id, []).append(f"{label}: {who}")
    return {person_id: "; ".join(items) for person_id, items in found.items()}


def _person_rows(actor, pks, columns, identifiable: bool, *, named_by) -> Iterator[list]:
    fields = [field for _column, field in columns if field is not None]
    # Only persons the export's event names: one who entered the filter after the keys were
    # read and before the event was written is left out, never written unnamed.
    readable = Person.objects.visible_to(actor).filter(
        public_id__in=named_by.subjects.values("person_id")
    )
    for start in range(0, len(pks), CHUNK):
        chunk = list(pks[start : start + CHUNK])
        by_pk = readable.select_related("team").in_bulk(chunk)
        # Re-read through the gate: a person hidden since the export began is left out.
        persons = [by_pk[pk] for pk in chunk if pk in by_pk]
        places = _places(actor, chunk)
        relatives = _relatives(actor, chunk, identifiable)
        for view in present_persons(actor, persons, fields, read=None):
            working = view.level >= Level.SENSITIVE
            row = []
            for column, field in columns:
                if column == "pseudonym":
                    row.append(pseudonym(view.person.public_id))
                elif column == "current_place":
                    row.append(places.get(view.person.pk, "") if working else gettext("withheld"))
                elif column == "relatives":
                    row.append(
                        relatives.get(view.person.pk, "") if working else gettext("withheld")
                    )
                else:
                    row.append(_cell(field, view[field]))
            yield row


def persons_table(*, actor, params, identifiable: bool = False, reason: str = "") -> Table:
    """The filtered persons the actor may see as an export, its event already in the audit trail
    (naming every person it writes, and the relatives it names): the rows are read as written."""
    _check_may_export(actor, identifiable, reason)
    persons = filtered_persons(actor, params)
    # The rows' keys, 8 bytes each (a list of ints would take 36): the only thing the export
    # holds per row.
    keys = persons.values_list("pk", flat=True)[: MAX_ROWS + 1]
    pks = array("q", keys.iterator(chunk_size=CHUNK * 10))
    if len(pks) > MAX_ROWS:
        raise ServiceError(
            {
                "filters": [
                    gettext("More than %(max)s persons: narrow the filters.") % {"max": MAX_ROWS}
                ]
            }
        )
    columns = IDENTIFIABLE if identifiable else PSEUDONYMISED
    with transaction.atomic():
        try:
            event = audit.record_export_of(
                actor,
                _named_by_export(actor, persons),
                fields=[name for name, _ in columns],
                changes={
                    "rows": len(pks),
                    "identifiable": identifiable,
                    "filters": audited_filters(params),
                },
                reason=reason.strip(),
            )
        except audit.SubjectsKeptChanging as changing:
            raise ServiceError(
                {"filters": [gettext("The persons changed while the export began: try again.")]}
            ) from changing
    kind = "identifiable" if identifiable else "pseudonymised"
    return Table(
        stem=f"persons-{kind}",
        title=gettext("Persons"),
        header=[name for name, _ in columns],
        count=len(pks),
        rows=_person_rows(actor, pks, columns, identifiable, named_by=event),
    )


def _named_by_export(actor, persons):
    """The persons an export's event names: those it writes and the relatives it names, each
    once, as a query (the database holds them, not the export)."""
    links = _relative_links(actor, persons.values("pk"))
    return Person._base_manager.filter(
        Q(pk__in=persons.values("pk"))
        | Q(pk__in=links.values("from_person"))
        | Q(pk__in=links.values("to_person"))
    )


def persons_export(
    *, actor, params, identifiable: bool = False, reason: str = ""
) -> tuple[str, int]:
    """The CSV text (with its byte order mark) of `persons_table`, and its row count: for a
    caller that wants the whole file at once."""
    table = persons_table(actor=actor, params=params, identifiable=identifiable, reason=reason)
    out = io.StringIO()
    for line in csv_lines(table.header, table.rows):
        out.write(line)
    return out.getvalue(), table.count
