"""What one user may be shown of one record, field by field.

A field the user may not see is the WITHHELD marker, never an empty value: "hidden" must not read as
"unknown". Pages, the API and exports all present records through here.
"""

from __future__ import annotations

from django.db import models

from casework import history_text, record_names
from casework.audit import AuditAction
from casework.classification import FIELDS, Sens, shown_at
from casework.permissions import Level, partner_fields, person_level

# At the minimal level a birth range shows only as its year: for an exact date the range is the
# birth date itself, which that level may not see. The page, the API and the exports follow this.
YEAR_ONLY_BELOW_SENSITIVE = frozenset({"birth_earliest", "birth_latest"})


def year_only(field: str, level: Level) -> bool:
    """Whether this field of a person is shown only as a year (or withheld) at `level`."""
    return field in YEAR_ONLY_BELOW_SENSITIVE and Level.PARTNER < level < Level.SENSITIVE


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
    from casework.permissions import partner_shares, person_levels

    persons = list(persons)
    levels = person_levels(user, persons)
    shared: dict[int, set[str]] = {}
    if any(level == Level.PARTNER for level in levels.values()):
        rows = (
            partner_shares(user)
            .filter(person__in=[p.pk for p in persons if levels[p.pk] == Level.PARTNER])
            .values_list("person_id", "agreement__shared_fields")
        )
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


# --- A record's history ----------------------------------------------------------------------

# The least level that may see a value of each sensitivity.
_LEVEL_FOR = {
    Sens.STAFF: Level.MINIMAL,
    Sens.SENSITIVE: Level.SENSITIVE,
    Sens.RESTRICTED: Level.RESTRICTED,
    Sens.SYSTEM: Level.MINIMAL,  # keys and bookkeeping: their names say nothing
}
# An event's reason and changes are sensitive (classification: AuditEvent), whatever it touched.
_EVENT_DETAILS_LEVEL = Level.SENSITIVE


def _field_sensitivity(model_fields: dict, name: str) -> Sens:
    """A touched field's sensitivity. An attname (`team_id`) is its field's; a name the model does
    not classify could be any of its fields, so it counts as the model's most sensitive one."""
    if name in model_fields:
        return model_fields[name]
    if name.endswith("_id") and name[:-3] in model_fields:
        return model_fields[name[:-3]]
    order = [Sens.STAFF, Sens.SYSTEM, Sens.SENSITIVE, Sens.RESTRICTED]
    return max(model_fields.values(), key=order.index)


def event_details_level(event, *, security_note_ids=frozenset()) -> Level:
    """The least level on the person that may see an event's reason, changed fields and changes:
    sensitive, and restricted when it touched a restricted field (security notes, any field of a
    legal proceeding), was on a record whose very link to the person is restricted (a legal
    proceeding), or on a security note. An event on a kind of record nobody classified:
    restricted."""
    model_fields = FIELDS.get(event.object_type)
    if model_fields is None:
        return Level.RESTRICTED
    if event.object_type == "CaseNote" and event.object_id in security_note_ids:
        return Level.RESTRICTED
    needed = _EVENT_DETAILS_LEVEL
    if "person" in model_fields:
        # That the person has such a record at all (a legal proceeding is restricted throughout).
        needed = max(needed, _LEVEL_FOR[model_fields["person"]])
    for name in event.fields or ():
        needed = max(needed, _LEVEL_FOR[_field_sensitivity(model_fields, name)])
    return needed


# Events whose fields are not changes: a read names what was shown, a create every column.
_NOT_CHANGES = {AuditAction.READ_SENSITIVE, AuditAction.READ_RESTRICTED, AuditAction.CREATE}


def _field_label(name: str) -> str:
    return name[:-3] if name.endswith("_id") else name


def history_rows(events, level: Level, *, viewer) -> list[dict]:
    """The history of one person as `viewer`, at `level` on the person, may see it: who, when and
    what action for every event; what it touched, why, and the names of the records it touched
    (those `viewer` may see) only when `level` permits every field it touched, otherwise WITHHELD
    (never left out, so "withheld" does not read as "nothing")."""
    from casework.models import CaseNote

    events = list(events)
    note_ids = [e.object_id for e in events if e.object_type == "CaseNote" and e.object_id]
    security_note_ids = (
        set(
            CaseNote.objects.filter(public_id__in=note_ids, is_security_note=True).values_list(
                "public_id", flat=True
            )
        )
        if note_ids
        else set()
    )
    shown = [
        event
        for event in events
        if level >= event_details_level(event, security_note_ids=security_note_ids)
    ]
    names = record_names.record_names(viewer, shown)
    # The person's own events, and those of records merged into it, speak of "this record".
    own = {event.object_id for event in events if event.object_type == "Person"}
    shown_ids = {id(event) for event in shown}
    rows = []
    for event in events:
        row = {"at": event.at, "actor_label": event.actor_label, "action": event.action}
        if id(event) in shown_ids:
            row.update(_details(event, history_text.name_of(event, names, own=own)))
        else:
            row.update(
                withheld=True,
                object_type=WITHHELD,
                fields=WITHHELD,
                status_change=None,
                reason=WITHHELD,
                reason_beneath="",
                record=WITHHELD,
                text=history_text.withheld_sentence(event),
            )
        rows.append(row)
    return rows


def record_history_rows(events, *, viewer, record) -> list[dict]:
    """The history of a report, flight or list (`record`), for a viewer the record's gate lets see
    it: the record is theirs to read, so each event is shown whole (the same row shape as a
    person's), each part of the record it touched by its name."""
    events = list(events)
    names = record_names.record_names(viewer, events)
    rows = []
    for event in events:
        name = history_text.name_of(event, names, own=[record.public_id])
        rows.append(
            {
                "at": event.at,
                "actor_label": event.actor_label,
                "action": event.action,
                **_details(event, name),
            }
        )
    return rows


def _details(event, record: str) -> dict:
    """What a history row shows of an event the viewer may see in full: the changed fields, the
    status change, why, and the event as a sentence naming `record` ("" for the page's own)."""
    status = (event.changes or {}).get("status")
    status_change = status if isinstance(status, list) and len(status) == 2 else None
    # A status change says why in its sentence; other events show the reason beneath it.
    said = event.action == AuditAction.STATUS_CHANGE and status_change is not None
    reason = history_text.reason_text(event.reason)
    return {
        "withheld": False,
        "object_type": event.object_type,
        "fields": (
            [] if event.action in _NOT_CHANGES else [_field_label(n) for n in event.fields or ()]
        ),
        "status_change": status_change,
        "reason": reason,
        "reason_beneath": "" if said else reason,
        "record": record,
        "text": history_text.sentence(event, record, reason=reason),
    }
