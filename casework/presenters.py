"""What a user may be shown of persons, field by field, and the record that they were shown.

`present_persons` (a page of persons) and `present_person` (one) are the one way the person page,
the persons list, the API (list, detail, change feed), the exports and the review pages turn
persons into values. Every rule of what shows is decided here and only here: the user's level on
each person, a partner's agreed fields, the birth range shown only as its year below the sensitive
level, the survivor of a merged record only when the user may see it. A surface asks for the fields
it prints and formats what it gets; it never decides whether a value shows.

A field the user may not see is the WITHHELD marker, never an empty value: "hidden" must not read
as "unknown".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, prefetch_related_objects

from casework import audit, history_text, record_names
from casework.audit import AuditAction
from casework.classification import FIELDS, Sens, shown_at
from casework.models import Person, Placement, Relationship
from casework.permissions import Level, partner_shares, person_levels


class _Withheld:
    """Renders as "withheld" in pages and is serialised as {"withheld": true} by the API."""

    def __str__(self) -> str:
        return "withheld"

    def __repr__(self) -> str:
        return "WITHHELD"

    def __bool__(self) -> bool:
        return False


WITHHELD = _Withheld()

# What a surface may ask for besides the Person model's own fields, each with the model fields it
# is made of (which the audit trail names when it was shown):
# - birth_year: the year of the birth range (its middle when the range spans years);
# - names: the person's names (`NameView`s), primary first.
# - whereabouts: the current placement (`WhereaboutsView`), None when there is none;
# - relationships: the family links to other persons the user sees (`RelationshipView`s).
DERIVED = {
    "birth_year": ("birth_earliest", "birth_latest"),
    "names": (),
    "whereabouts": ("whereabouts",),
    "relationships": ("relationships",),
}
# Parts of the working record, shown from the sensitive level on, or to a partner whose agreement
# names them (`classification.SHAREABLE_PERSON_RECORDS`; placements include the whereabouts).
WORKING_RECORD = {"whereabouts": {"whereabouts", "placements"}, "relationships": {"relationships"}}
PRESENTABLE = frozenset(FIELDS["Person"]) | frozenset(DERIVED)

# At the minimal level a birth range shows only as its year: for an exact date the range is the
# birth date itself, which that level may not see.
YEAR_ONLY_BELOW_SENSITIVE = frozenset({"birth_earliest", "birth_latest"})
# What a partner sees of every person shared with it, whatever its agreement names: when the record
# was made and last changed, which a copy kept in step needs (and the change feed tells anyway).
PARTNER_BOOKKEEPING = frozenset({"created_at", "updated_at"})
# Foreign keys a surface prints, loaded for a whole page at once when the caller did not.
_RELATED = ("organisation", "team", "assigned_to")


@dataclass(frozen=True)
class NameView:
    """One name of a person; its kind and source are WITHHELD below the level that shows them."""

    text: str
    script: str
    kind: object
    source: object
    primary: bool


@dataclass(frozen=True)
class WhereaboutsView:
    """Where a person is now: the current placement's place and since when, at its precision."""

    placement: object  # the public id of the placement
    location: object  # the public id of a known detention location, or None
    place: str
    since: object
    since_precision: str


@dataclass(frozen=True)
class RelationshipView:
    """A family link: `from_person` is the `kind` of `to_person` (public ids)."""

    id: object
    from_person: object
    to_person: object
    kind: str
    confidence: str


@dataclass(frozen=True)
class PersonView:
    """One person as one user may see them: `view["sex"]` is the value or WITHHELD (templates
    write `view.sex`); `level` is the user's level on the person, for what a page shows beyond
    the person's own fields (relatives, notes, the actions it offers)."""

    person: Person
    level: Level
    values: dict

    def __getitem__(self, name: str):
        return self.values[name]


def visible_fields(level: Level, agreed: set[str] | frozenset[str] = frozenset()) -> frozenset:
    """The presentable fields a user at `level` sees of a person (`agreed`: the fields a partner's
    sharing agreements name for that person)."""
    partner = level == Level.PARTNER
    fields = set(shown_at("Person", level, partner_fields=set(agreed) if partner else None))
    if "birth_earliest" in fields or (partner and "birth_year" in agreed):
        fields.add("birth_year")
    if partner:
        fields |= PARTNER_BOOKKEEPING
    if Level.PARTNER < level < Level.SENSITIVE:
        fields -= YEAR_ONLY_BELOW_SENSITIVE
    if level >= Level.MINIMAL:
        fields.add("names")
    for name, naming in WORKING_RECORD.items():
        if level >= Level.SENSITIVE or (partner and naming & set(agreed)):
            fields.add(name)
    return frozenset(fields)


def _levels(user, persons: list[Person]) -> dict[int, tuple[Level, frozenset]]:
    """Each person's (level, visible fields) for `user`, in a constant number of queries."""
    levels = person_levels(user, persons)
    agreed: dict[int, set[str]] = defaultdict(set)
    shared = [p.pk for p in persons if levels[p.pk] == Level.PARTNER]
    if shared:
        rows = (
            partner_shares(user)
            .filter(person__in=shared)
            .values_list("person_id", "agreement__shared_fields")
        )
        for person_id, fields in rows:
            agreed[person_id].update(fields)
    return {p.pk: (levels[p.pk], visible_fields(levels[p.pk], agreed[p.pk])) for p in persons}


def _load(persons: list[Person], fields: set[str]) -> None:
    for name in _RELATED:
        if name in fields:
            field = Person._meta.get_field(name)
            missing = [
                p
                for p in persons
                if getattr(p, field.attname) is not None and not field.is_cached(p)
            ]
            if missing:
                prefetch_related_objects(missing, name)
    if "names" in fields:
        missing = [p for p in persons if "names" not in getattr(p, "_prefetched_objects_cache", {})]
        if missing:
            prefetch_related_objects(missing, "names")


def _survivors(user, persons: list[Person]) -> dict[int, Person]:
    """The records merged persons live on in, those the user may see: one query for a page."""
    ids = {p.merged_into_id for p in persons if p.merged_into_id is not None}
    if not ids:
        return {}
    return Person.objects.visible_to(user).in_bulk(ids)


def _whereabouts(user, persons: list[Person]) -> dict[int, WhereaboutsView]:
    """The current whereabouts of each person, as far as the user sees their placements: one
    query for a page."""
    from casework.services.placements import current_whereabouts_of

    placements = Placement.objects.visible_to(user).filter(person__in=[p.pk for p in persons])
    return {
        person_id: WhereaboutsView(
            placement=placement.public_id,
            location=placement.location.public_id if placement.location else None,
            place=placement.location.name if placement.location else placement.place_text,
            since=placement.start_date,
            since_precision=placement.start_precision,
        )
        for person_id, placement in current_whereabouts_of(placements).items()
    }


def _relationships(user, persons: list[Person]) -> dict[int, list[RelationshipView]]:
    """Each person's family links the user sees (both ends through the gate, so a link never names
    a person the user may not see): one query for a page."""
    ids = [p.pk for p in persons]
    links = (
        Relationship.objects.visible_to(user)
        .filter(Q(from_person_id__in=ids) | Q(to_person_id__in=ids))
        .select_related("from_person", "to_person")
        .only("public_id", "kind", "confidence", "from_person__public_id", "to_person__public_id")
        .order_by("created_at", "public_id")
    )
    found: dict[int, list[RelationshipView]] = defaultdict(list)
    for link in links:
        view = RelationshipView(
            id=link.public_id,
            from_person=link.from_person.public_id,
            to_person=link.to_person.public_id,
            kind=link.kind,
            confidence=link.confidence,
        )
        for end in {link.from_person_id, link.to_person_id}:
            found[end].append(view)
    return found


def _working_record(user, persons: list[Person], fields, seen) -> dict[str, dict]:
    """The parts of the working record asked for, of the persons who may see them."""
    loaders = {"whereabouts": _whereabouts, "relationships": _relationships}
    loaded = {}
    for name, load in loaders.items():
        if name not in fields:
            continue
        shown = [p for p in persons if name in seen[p.pk][1]]
        loaded[name] = load(user, shown) if shown else {}
    return loaded


def _names(person: Person, level: Level) -> list[NameView]:
    shown = shown_at("PersonName", level)
    names = sorted(person.names.all(), key=lambda n: (not n.is_primary, n.pk))
    return [
        NameView(
            text=name.as_text(),
            script=name.script,
            kind=name.kind if "kind" in shown else WITHHELD,
            source=name.source if "source" in shown else WITHHELD,
            primary=name.is_primary,
        )
        for name in names
    ]


def _value(person: Person, name: str, level: Level, survivors: dict[int, Person], loaded):
    if name == "whereabouts":
        return loaded["whereabouts"].get(person.pk)
    if name == "relationships":
        return loaded["relationships"].get(person.pk, [])
    if name == "birth_year":
        return person.birth_year
    if name == "names":
        return _names(person, level)
    if name == "merged_into":
        if person.merged_into_id is None:
            return None
        return survivors.get(person.merged_into_id, WITHHELD)
    return getattr(person, name)


def _trail_fields(view: PersonView) -> list[str]:
    """The model fields a surface showed of a person, as the audit trail names them."""
    shown = set()
    for name, value in view.values.items():
        if value is not WITHHELD:
            shown.update(DERIVED.get(name, (name,)))
    return sorted(shown)


def present_persons(user, persons, fields, *, read: str | None) -> list[PersonView]:
    """Each of `persons` (already through a read gate) as `user` may see them: for each of
    `fields` its value or WITHHELD, in a constant number of queries whatever the page's size.

    `read` names the page (as the audit trail keeps it): the page's reads are then recorded in
    one event naming every person whose read is an event (`audit.record_reads`). None for a
    surface that writes its own event (an export) or shows what a write of the user's just
    returned (the write was audited)."""
    persons = list(persons)
    fields = list(fields)
    unknown = set(fields) - PRESENTABLE
    if unknown:
        raise ValueError(f"Not a presentable person field: {sorted(unknown)}")
    if not persons:
        return []
    seen = _levels(user, persons)
    _load(persons, set(fields))
    survivors = _survivors(user, persons) if "merged_into" in fields else {}
    loaded = _working_record(user, persons, fields, seen)
    views = []
    for person in persons:
        level, visible = seen[person.pk]
        values = {
            name: _value(person, name, level, survivors, loaded) if name in visible else WITHHELD
            for name in fields
        }
        views.append(PersonView(person=person, level=level, values=values))
    if read is not None:
        audit.record_reads(
            user,
            read,
            [(view.person, view.level, _trail_fields(view)) for view in views],
        )
    return views


def present_person(user, person: Person, fields, *, record: bool = True) -> PersonView:
    """One person as `user` may see them (see `present_persons`), the read recorded as one event
    on that person (`audit.record_read`) unless `record` is False."""
    [view] = present_persons(user, [person], fields, read=None)
    if record:
        audit.record_read(user, person, view.level, fields=_trail_fields(view))
    return view


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


def history_rows(events, level: Level, *, viewer, person=None, known=()) -> list[dict]:
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
    # `known`: records of the person the caller read through their gates (names, placements).
    names = record_names.record_names(viewer, shown, known=[*([person] if person else ()), *known])
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
    names = record_names.record_names(viewer, events, known=[record])
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
