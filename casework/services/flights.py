"""Repatriation flights: planning them, their manifests, boarding, and handing each child over.

Approving a passenger and recording a handover commit resources, so they lock the rows they
depend on (`select_for_update`): two supervisors approving at once cannot overfill a flight.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    FlightStatus,
    Handover,
    ManifestEntry,
    ManifestRole,
    ManifestStatus,
    Person,
    PersonStatus,
    RecipientKind,
    RepatriationFlight,
)
from casework.models.flights import default_time_zone, known_time_zones
from casework.permissions import Action, Hidden, require
from casework.services.errors import Conflict, ServiceError
from casework.services.persons import person_change_status
from casework.services.text_input import clean_input
from casework.workflow import boarding_moves, flight_now, manifest_is_open

# Who may be proposed: cleared for return, or already on a manifest (of a flight they missed).
PROPOSABLE = {PersonStatus.CLEARED_FOR_RETURN, PersonStatus.ON_MANIFEST}
SEATED = (ManifestStatus.APPROVED, ManifestStatus.BOARDED)
MAX_CAPACITY = 1000
ADULT_AGE = 18

_FLIGHT_TEXT = {"reference": 40, "origin": 120, "destination": 120, "organiser": 200}
_FLIGHT_FIELDS = set(_FLIGHT_TEXT) | {"date", "capacity", "status", "time_zone"}


def _clean_flight(values: dict, errors: dict) -> dict:
    cleaned = {}
    for name, limit in _FLIGHT_TEXT.items():
        if name in values:
            cleaned[name] = clean_input(
                name, values[name], max_length=limit, required=name != "organiser", errors=errors
            )
    if "date" in values:
        if not isinstance(values["date"], dt.date) or isinstance(values["date"], dt.datetime):
            errors["date"] = [gettext("Give the flight date.")]
        elif values["date"].year < 2000:
            errors["date"] = [gettext("The flight date is implausibly early.")]
        else:
            cleaned["date"] = values["date"]
    if "capacity" in values:
        capacity = values["capacity"]
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            errors["capacity"] = [gettext("The capacity is a whole number of seats.")]
        elif not 0 <= capacity <= MAX_CAPACITY:
            errors["capacity"] = [
                gettext("The capacity is between 0 and %(most)s seats.") % {"most": MAX_CAPACITY}
            ]
        else:
            cleaned["capacity"] = capacity
    if "status" in values:
        if values["status"] not in FlightStatus.values:
            errors["status"] = [
                gettext("Unknown flight status %(status)r.") % {"status": values["status"]}
            ]
        else:
            cleaned["status"] = values["status"]
    if "time_zone" in values:
        _clean_time_zone(values["time_zone"], cleaned, errors)
    return cleaned


def _clean_time_zone(value, cleaned: dict, errors: dict) -> None:
    # An IANA name the server knows (Asia/Baghdad), so every date of the flight can be read there.
    if isinstance(value, str) and value in known_time_zones():
        cleaned["time_zone"] = value
    else:
        errors["time_zone"] = [
            gettext("Choose the time zone by its name, such as Asia/Baghdad or Europe/Moscow.")
        ]


def _snapshot(flight: RepatriationFlight) -> dict:
    return {name: getattr(flight, name) for name in sorted(_FLIGHT_FIELDS)}


def flight_create(
    *,
    actor,
    reference: str,
    date: dt.date,
    origin: str,
    destination: str,
    capacity: int,
    organiser: str = "",
    status: str = FlightStatus.PLANNED,
    time_zone: str | None = None,
) -> RepatriationFlight:
    require(actor, Action.MANAGE_FLIGHT)
    errors: dict = {}
    values = _clean_flight(
        {
            "reference": reference,
            "date": date,
            "origin": origin,
            "destination": destination,
            "capacity": capacity,
            "organiser": organiser,
            "status": status,
            "time_zone": time_zone or default_time_zone(),
        },
        errors,
    )
    if values.get("status") not in (None, FlightStatus.PLANNED):
        # Confirmed, completed or cancelled is what becomes of a flight, each move on its trail:
        # none begins that way.
        errors.setdefault("status", []).append(
            gettext("A new flight is planned; it is confirmed, completed or cancelled afterwards.")
        )
    if errors:
        raise ServiceError(errors)
    try:
        with transaction.atomic():
            flight = RepatriationFlight.objects.create(
                organisation_id=actor.organisation_id, **values
            )
            audit.record(actor, AuditAction.CREATE, flight, fields=sorted(values))
    except IntegrityError as exc:
        raise ServiceError(
            {"reference": [gettext("A flight with this reference already exists.")]}
        ) from exc
    return flight


def flight_update(
    *, actor, flight: RepatriationFlight, expected_version: int, **changes
) -> RepatriationFlight:
    """Edit a flight. Refused with Conflict when someone changed it since it was read."""
    require(actor, Action.MANAGE_FLIGHT, flight)
    unknown = set(changes) - _FLIGHT_FIELDS
    if unknown:
        raise ServiceError(
            {name: [gettext("Not a field of a flight.")] for name in sorted(unknown)}
        )
    errors: dict = {}
    values = _clean_flight(changes, errors)
    if errors:
        raise ServiceError(errors)
    try:
        with transaction.atomic():
            locked = RepatriationFlight.objects.select_for_update().get(pk=flight.pk)
            if locked.version != expected_version:
                raise Conflict(locked, expected_version)
            seated = _seated_count(locked)
            if values.get("capacity", locked.capacity) < seated:
                raise ServiceError(
                    {
                        "capacity": [
                            gettext("%(count)s passengers are approved: capacity cannot be lower.")
                            % {"count": seated}
                        ]
                    }
                )
            before = _snapshot(locked)
            for name, value in values.items():
                setattr(locked, name, value)
            locked.version = F("version") + 1
            locked.save()
            locked.refresh_from_db()
            changed = audit.diff(before, _snapshot(locked))
            audit.record(actor, AuditAction.UPDATE, locked, fields=changed, changes=changed)
    except IntegrityError as exc:
        raise ServiceError(
            {"reference": [gettext("A flight with this reference already exists.")]}
        ) from exc
    return locked


def _seated_count(flight: RepatriationFlight) -> int:
    return ManifestEntry.objects.filter(
        flight=flight, role=ManifestRole.PASSENGER, status__in=SEATED
    ).count()


def _require_visible_person(actor, person: Person | None) -> Person:
    # Passengers come through the read gate: a person one may not see does not exist.
    if person is None or not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise Hidden()
    return person


def _require_open(flight: RepatriationFlight) -> None:
    if not manifest_is_open(flight):
        raise ServiceError(
            {
                "flight": [
                    gettext("The flight is %(status)s: its manifest is closed.")
                    % {"status": flight.get_status_display()}
                ]
            }
        )


def manifest_propose(*, actor, flight: RepatriationFlight, person: Person, note: str = ""):
    """Put a person cleared for return on the flight's manifest, waiting for approval."""
    require(actor, Action.MANAGE_FLIGHT, flight)
    _require_visible_person(actor, person)
    note = clean_input("note", note, max_length=300)
    if person.status not in PROPOSABLE:
        raise ServiceError(
            {
                "person": [
                    gettext(
                        "Only a person cleared for return can be proposed (this one is %(status)s)."
                    )
                    % {"status": person.get_status_display()}
                ]
            }
        )
    duplicate = ServiceError(
        {"person": [gettext("This person is already on this flight's manifest.")]}
    )
    try:
        with transaction.atomic():
            locked = RepatriationFlight.objects.select_for_update().get(pk=flight.pk)
            _require_open(locked)
            if ManifestEntry.objects.filter(flight=locked, person=person).exists():
                raise duplicate
            entry = ManifestEntry.objects.create(
                flight=locked, role=ManifestRole.PASSENGER, person=person, note=note
            )
            audit.record(actor, AuditAction.CREATE, entry, fields=["flight", "person", "status"])
    except IntegrityError as exc:  # the database's own refusal, when two proposals race
        raise duplicate from exc
    return entry


def _person_label(person: Person) -> str:
    # Who a per-person refusal is about: two persons may share a name, rarely a birth year too.
    if person.birth_year:
        return gettext("%(name)s (born %(year)s)") % {
            "name": person.display_name,
            "year": person.birth_year,
        }
    return person.display_name


def manifest_propose_many(
    *, actor, flight: RepatriationFlight, persons, note: str = ""
) -> list[ManifestEntry]:
    """Put several persons cleared for return on the flight's manifest at once, each checked as
    `manifest_propose` checks one: all of them or none. A refusal names each person refused, keyed
    by their public id; a person the actor may not see is answered like a missing one."""
    require(actor, Action.MANAGE_FLIGHT, flight)
    persons = list(persons)
    errors: dict = {}
    note = clean_input("note", note, max_length=300, errors=errors)
    if not persons:
        errors["persons"] = [gettext("Choose at least one person to propose.")]
    if errors:
        raise ServiceError(errors)
    visible = set(
        Person.objects.visible_to(actor)
        .filter(pk__in=[person.pk for person in persons])
        .values_list("pk", flat=True)
    )
    if any(person.pk not in visible for person in persons):
        raise Hidden()
    seen: set[int] = set()
    for person in persons:
        key = str(person.public_id)
        if person.pk in seen:
            errors[key] = [
                gettext("%(person)s is chosen twice.") % {"person": _person_label(person)}
            ]
        elif person.status not in PROPOSABLE:
            errors[key] = [
                gettext(
                    "%(person)s: only a person cleared for return can be proposed "
                    "(this one is %(status)s)."
                )
                % {"person": _person_label(person), "status": person.get_status_display()}
            ]
        seen.add(person.pk)
    try:
        with transaction.atomic():
            locked = RepatriationFlight.objects.select_for_update().get(pk=flight.pk)
            _require_open(locked)
            already = set(
                ManifestEntry.objects.filter(flight=locked, person_id__in=seen).values_list(
                    "person_id", flat=True
                )
            )
            for person in persons:
                if person.pk in already:
                    errors.setdefault(str(person.public_id), []).append(
                        gettext("%(person)s is already on this flight's manifest.")
                        % {"person": _person_label(person)}
                    )
            if errors:
                raise ServiceError(errors)
            entries = []
            for person in persons:
                entry = ManifestEntry.objects.create(
                    flight=locked, role=ManifestRole.PASSENGER, person=person, note=note
                )
                audit.record(
                    actor, AuditAction.CREATE, entry, fields=["flight", "person", "status"]
                )
                entries.append(entry)
    except IntegrityError as exc:  # the database's own refusal, when two proposals race
        raise ServiceError(
            {
                "persons": [
                    gettext(
                        "Someone proposed one of these persons at the same time: nothing was added."
                    )
                ]
            }
        ) from exc
    return entries


def _locked_entry(entry: ManifestEntry) -> tuple[RepatriationFlight, ManifestEntry]:
    # Always flight first, then entry: one lock order everywhere, so no deadlock.
    flight = RepatriationFlight.objects.select_for_update().get(pk=entry.flight_id)
    locked = ManifestEntry.objects.select_for_update().get(pk=entry.pk)
    return flight, locked


def _set_entry_status(actor, entry: ManifestEntry, to: str, **extra) -> None:
    before = entry.status
    entry.status = to
    for name, value in extra.items():
        setattr(entry, name, value)
    entry.save()
    audit.record(
        actor,
        AuditAction.STATUS_CHANGE,
        entry,
        fields=["status"],
        changes={"status": [before, to]},
    )


def manifest_approve(*, actor, entry: ManifestEntry) -> ManifestEntry:
    """A supervisor approves a proposed passenger: a seat is taken and the person is on the
    manifest. Refused when the flight is full."""
    require(actor, Action.MANAGE_FLIGHT, entry.flight)
    if entry.role != ManifestRole.PASSENGER:
        raise ServiceError({"entry": [gettext("Escorts need no approval.")]})
    _require_visible_person(actor, entry.person)
    require(actor, Action.APPROVE_MANIFEST, entry.person)
    with transaction.atomic():
        flight, locked = _locked_entry(entry)
        _require_open(flight)
        if locked.status != ManifestStatus.PROPOSED:
            raise ServiceError(
                {
                    "entry": [
                        gettext("This passenger is already %(status)s.")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        seated = _seated_count(flight)
        if seated + 1 > flight.capacity:
            raise ServiceError(
                {
                    "entry": [
                        gettext(
                            "The flight is full: %(seated)s of %(capacity)s seats are approved."
                        )
                        % {"seated": seated, "capacity": flight.capacity}
                    ]
                }
            )
        _set_entry_status(actor, locked, ManifestStatus.APPROVED, approved_by=actor)
        person = Person.objects.get(pk=locked.person_id)
        if person.status == PersonStatus.CLEARED_FOR_RETURN:
            person_change_status(
                actor=actor,
                person=person,
                to=PersonStatus.ON_MANIFEST,
                reason=f"Approved for flight {flight.reference}",
            )
        elif person.status != PersonStatus.ON_MANIFEST:
            raise ServiceError(
                {
                    "entry": [
                        gettext("The person is %(status)s: not cleared to fly.")
                        % {"status": person.get_status_display()}
                    ]
                }
            )
    return locked


def manifest_mark_boarded(*, actor, entry: ManifestEntry) -> ManifestEntry:
    return _mark(actor, entry, ManifestStatus.BOARDED, note="")


def manifest_mark_not_boarded(*, actor, entry: ManifestEntry, note: str = "") -> ManifestEntry:
    """The passenger did not fly. They stay on manifest status, so they can be proposed for the
    next flight without approving their clearance again."""
    return _mark(actor, entry, ManifestStatus.NOT_BOARDED, note=note)


def _mark(actor, entry: ManifestEntry, to: str, *, note: str) -> ManifestEntry:
    require(actor, Action.MANAGE_FLIGHT, entry.flight)
    if entry.role == ManifestRole.PASSENGER:
        _require_visible_person(actor, entry.person)
    note = clean_input("note", note, max_length=300)
    with transaction.atomic():
        flight, locked = _locked_entry(entry)
        if flight.status == FlightStatus.CANCELLED:
            raise ServiceError({"flight": [gettext("The flight was cancelled.")]})
        if to not in boarding_moves(locked, flight):
            raise ServiceError(
                {
                    "entry": [
                        gettext("A passenger who is %(status)s cannot be marked %(to)s.")
                        % {
                            "status": locked.get_status_display(),
                            "to": ManifestStatus(to).label,
                        }
                    ]
                }
            )
        extra = {"note": note} if note else {}
        if to == ManifestStatus.BOARDED:
            extra["boarded_at"] = timezone.now()
            if locked.approved_by_id is None:
                extra["approved_by"] = actor  # an escort listed by staff
        _set_entry_status(actor, locked, to, **extra)
    return locked


def escort_add(*, actor, flight: RepatriationFlight, escort_name: str, note: str = ""):
    """An escort (staff, a social worker) travelling with the passengers."""
    require(actor, Action.MANAGE_FLIGHT, flight)
    errors: dict = {}
    name = clean_input("escort_name", escort_name, max_length=200, required=True, errors=errors)
    note = clean_input("note", note, max_length=300, errors=errors)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = RepatriationFlight.objects.select_for_update().get(pk=flight.pk)
        _require_open(locked)
        entry = ManifestEntry.objects.create(
            flight=locked, role=ManifestRole.ESCORT, escort_name=name, note=note
        )
        audit.record(actor, AuditAction.CREATE, entry, fields=["flight", "escort_name"])
    return entry


def _possibly_a_child(person: Person, on: dt.date) -> bool:
    if person.birth_latest is None:
        return False
    try:
        adult_from = on.replace(year=on.year - ADULT_AGE)
    except ValueError:
        adult_from = on.replace(year=on.year - ADULT_AGE, day=28)
    return person.birth_latest > adult_from


def _local(flight: RepatriationFlight, moment: dt.datetime) -> str:
    return timezone.localtime(moment, flight.zone).strftime("%Y-%m-%d %H:%M")


def _handover_in_future(flight: RepatriationFlight, handed_at: dt.datetime) -> str | None:
    # A few minutes' grace for clocks; the message tells the time where the flight is run.
    now = flight_now(flight)
    if handed_at > now + dt.timedelta(minutes=5):
        return gettext("The handover cannot be in the future: it is now %(now)s in %(zone)s.") % {
            "now": _local(flight, now),
            "zone": flight.time_zone,
        }
    return None


def _handover_too_early(
    flight: RepatriationFlight, entry: ManifestEntry, handed_at: dt.datetime
) -> str | None:
    """Why a handover at `handed_at` comes too early, read where the flight is run: before the
    flight's day, or before the boarding was recorded."""
    if timezone.localtime(handed_at, flight.zone).date() < flight.date:
        return gettext("The handover is before the flight.")
    if entry.boarded_at is not None and handed_at < entry.boarded_at:
        return gettext(
            "The handover is before the boarding, recorded at %(boarded)s (%(zone)s)."
        ) % {"boarded": _local(flight, entry.boarded_at), "zone": flight.time_zone}
    return None


def handover_record(
    *,
    actor,
    manifest_entry: ManifestEntry,
    recipient_kind: str,
    recipient_person: Person | None = None,
    recipient_name: str,
    recipient_relationship: str,
    handed_at: dt.datetime,
    place: str,
    documents: str,
) -> Handover:
    """A boarded child handed to a relative or the child services: the child is returned, and
    reunited when the recipient is a relative."""
    require(actor, Action.MANAGE_FLIGHT, manifest_entry.flight)
    if manifest_entry.role != ManifestRole.PASSENGER:
        raise ServiceError({"manifest_entry": [gettext("Only a passenger is handed over.")]})
    _require_visible_person(actor, manifest_entry.person)
    require(actor, Action.RECORD_HANDOVER, manifest_entry.person)
    if recipient_person is not None:
        _require_visible_person(actor, recipient_person)
        if recipient_person.pk == manifest_entry.person_id:
            raise ServiceError(
                {"recipient_person": [gettext("A child is not handed over to themself.")]}
            )
    errors: dict = {}
    if recipient_kind not in RecipientKind.values:
        errors["recipient_kind"] = [
            gettext("Unknown recipient %(kind)r.") % {"kind": recipient_kind}
        ]
    values = {
        "recipient_name": clean_input(
            "recipient_name", recipient_name, max_length=200, required=True, errors=errors
        ),
        "recipient_relationship": clean_input(
            "recipient_relationship", recipient_relationship, max_length=100, errors=errors
        ),
        "place": clean_input("place", place, max_length=200, errors=errors),
        "documents": clean_input(
            "documents", documents, max_length=5000, multiline=True, errors=errors
        ),
    }
    if recipient_kind == RecipientKind.RELATIVE and not values["recipient_relationship"]:
        errors.setdefault("recipient_relationship", [gettext("Say how the recipient is related.")])
    if not isinstance(handed_at, dt.datetime) or timezone.is_naive(handed_at):
        errors["handed_at"] = [gettext("Give the date and time of the handover.")]
    elif future := _handover_in_future(manifest_entry.flight, handed_at):
        errors["handed_at"] = [future]
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        flight, locked = _locked_entry(manifest_entry)
        person = Person.objects.select_for_update().get(pk=locked.person_id)
        if locked.status != ManifestStatus.BOARDED:
            raise ServiceError(
                {"manifest_entry": [gettext("Only a passenger who boarded is handed over.")]}
            )
        too_early = _handover_too_early(flight, locked, handed_at)
        if too_early:
            raise ServiceError({"handed_at": [too_early]})
        local_day = timezone.localtime(handed_at, flight.zone).date()
        if not _possibly_a_child(person, local_day):
            raise ServiceError(
                {
                    "manifest_entry": [
                        gettext(
                            "Handovers are recorded for children: this passenger is an adult, "
                            "or their age is not recorded (record at least an estimated age "
                            "first)."
                        )
                    ]
                }
            )
        if Handover.objects.filter(manifest_entry=locked).exists():
            raise ServiceError(
                {"manifest_entry": [gettext("This child's handover is already recorded.")]}
            )
        handover = Handover.objects.create(
            manifest_entry=locked,
            recipient_kind=recipient_kind,
            recipient_person=recipient_person,
            handed_at=handed_at,
            recorded_by=actor,
            **values,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            handover,
            person=person,
            fields=["recipient_kind", "recipient_person", *values, "handed_at"],
            changes={"recipient_kind": recipient_kind},
        )
        reason = f"Handed over after flight {flight.reference}"
        if person.status == PersonStatus.ON_MANIFEST:
            person = person_change_status(
                actor=actor, person=person, to=PersonStatus.RETURNED, reason=reason
            )
        if recipient_kind == RecipientKind.RELATIVE and person.status == PersonStatus.RETURNED:
            person_change_status(
                actor=actor, person=person, to=PersonStatus.REUNITED, reason=reason
            )
    return handover
