"""The registry of places: a place created or edited, its reported population, its other names,
and the names of the organisation's lists mapped to a place or dismissed. Each write is allowed
to those who keep the registry (`Action.MANAGE_PLACES`) and audited in its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    DetentionLocation,
    LocationKind,
    PlaceAlias,
    PlaceName,
    PlaceNameStatus,
    PopulationReport,
)
from casework.permissions import Action, Hidden, require
from casework.services._common import not_in_future
from casework.services.errors import ServiceError
from casework.services.place_names import place_key
from casework.services.text_input import MAX_TEXT, clean_input

PLACE_FIELDS = (
    "name",
    "kind",
    "country",
    "governorate",
    "city",
    "controlling_authority",
    "latitude",
    "longitude",
    "access_notes",
)
_LENGTHS = {
    "name": 200,
    "governorate": 100,
    "city": 100,
    "controlling_authority": 200,
}


def _coordinate(name: str, value, limit: int, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[name] = [gettext("Write a number in degrees, such as 36.95.")]
        return None
    if not number.is_finite() or abs(number) > limit:
        errors[name] = [
            gettext("Must be between -%(limit)s and %(limit)s degrees.") % {"limit": limit}
        ]
        return None
    return number.quantize(Decimal("0.00001"))


def _clean_place(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {}
    for name, length in _LENGTHS.items():
        if name in values:
            clean[name] = clean_input(name, values[name] or "", max_length=length)
    if "access_notes" in values:
        clean["access_notes"] = clean_input(
            "access_notes", values["access_notes"] or "", max_length=MAX_TEXT, multiline=True
        )
    if "name" in clean and not clean["name"]:
        errors["name"] = [gettext("A place needs a name.")]
    if "kind" in values:
        if values["kind"] not in LocationKind.values:
            errors["kind"] = [gettext("Choose what kind of place it is.")]
        clean["kind"] = values["kind"]
    if "country" in values:
        country = (values["country"] or "").strip()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            errors["country"] = [gettext("A two-letter country code, such as IQ or SY.")]
        clean["country"] = country.upper()
    if "latitude" in values:
        clean["latitude"] = _coordinate("latitude", values["latitude"], 90, errors)
    if "longitude" in values:
        clean["longitude"] = _coordinate("longitude", values["longitude"], 180, errors)
    if errors:
        raise ServiceError(errors)
    return clean


def _same_name_error() -> ServiceError:
    return ServiceError({"name": [gettext("A place with this name is already known there.")]})


def _snapshot(place: DetentionLocation) -> dict:
    return {name: getattr(place, name) for name in PLACE_FIELDS}


def place_create(
    *,
    actor,
    name: str,
    kind: str,
    country: str,
    governorate: str = "",
    city: str = "",
    controlling_authority: str = "",
    latitude=None,
    longitude=None,
    access_notes: str = "",
) -> DetentionLocation:
    require(actor, Action.MANAGE_PLACES)
    values = _clean_place(
        {
            "name": name,
            "kind": kind,
            "country": country,
            "governorate": governorate,
            "city": city,
            "controlling_authority": controlling_authority,
            "latitude": latitude,
            "longitude": longitude,
            "access_notes": access_notes,
        }
    )
    try:
        with transaction.atomic():
            place = DetentionLocation.objects.create(**values)
            audit.record(actor, AuditAction.CREATE, place, fields=list(PLACE_FIELDS))
    except IntegrityError as exc:
        raise _same_name_error() from exc
    return place


def place_update(*, actor, place: DetentionLocation, **changes) -> DetentionLocation:
    require(actor, Action.MANAGE_PLACES, place)
    unknown = set(changes) - set(PLACE_FIELDS)
    if unknown:
        raise ServiceError({name: [gettext("Not a field of a place.")] for name in sorted(unknown)})
    values = _clean_place(changes)
    try:
        with transaction.atomic():
            locked = DetentionLocation.objects.select_for_update().get(pk=place.pk)
            before = _snapshot(locked)
            for name, value in values.items():
                setattr(locked, name, value)
            locked.save()
            # Access notes are for those who may see them: the trail says only that they changed.
            changed = audit.diff(before, _snapshot(locked), sensitive={"access_notes"})
            if changed:
                audit.record(actor, AuditAction.UPDATE, locked, fields=changed, changes=changed)
    except IntegrityError as exc:
        raise _same_name_error() from exc
    return locked


def _count(name: str, value, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = [gettext("Write a whole number of people.")]
        return None
    if number < 0 or number > 10_000_000:
        errors[name] = [gettext("Write a whole number of people.")]
        return None
    return number


def place_population_add(
    *,
    actor,
    place: DetentionLocation,
    as_of: dt.date,
    source: str,
    estimate=None,
    low=None,
    high=None,
    notes: str = "",
) -> PopulationReport:
    """A population as a source gave it: an estimate, a range, or both. The place's own figure
    (`reported_population`, which the API shows) follows the latest estimate."""
    require(actor, Action.MANAGE_PLACES, place)
    errors: dict[str, list[str]] = {}
    source = clean_input("source", source or "", max_length=300)
    notes = clean_input("notes", notes or "", max_length=MAX_TEXT, multiline=True)
    estimate = _count("estimate", estimate, errors)
    low = _count("low", low, errors)
    high = _count("high", high, errors)
    if not source:
        errors["source"] = [gettext("Who gave this figure? A population needs its source.")]
    if as_of is None:
        errors["as_of"] = [gettext("On which day was this the population?")]
    if not errors:
        if (low is None) != (high is None):
            errors["high" if high is None else "low"] = [gettext("A range needs both its ends.")]
        elif low is not None and low > high:
            errors["high"] = [gettext("The upper end is below the lower end.")]
        elif estimate is None and low is None:
            errors["estimate"] = [gettext("Give an estimate, a range, or both.")]
        elif estimate is not None and low is not None and not low <= estimate <= high:
            errors["estimate"] = [gettext("The estimate lies outside the range.")]
    if errors:
        raise ServiceError(errors)
    not_in_future("as_of", as_of)
    with transaction.atomic():
        report = PopulationReport.objects.create(
            location=place,
            as_of=as_of,
            estimate=estimate,
            low=low,
            high=high,
            source=source,
            notes=notes,
            recorded_by=actor,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            report,
            fields=["location", "as_of", "estimate", "low", "high", "source"],
        )
        latest = (
            PopulationReport.objects.filter(location=place, estimate__isnull=False)
            .order_by("-as_of", "-id")
            .first()
        )
        if latest is not None and latest.pk == report.pk:
            locked = DetentionLocation.objects.select_for_update().get(pk=place.pk)
            before = {"reported_population": locked.reported_population}
            before["population_as_of"] = locked.population_as_of
            locked.reported_population = estimate
            locked.population_as_of = as_of
            locked.save(update_fields=["reported_population", "population_as_of", "updated_at"])
            changed = audit.diff(
                before, {"reported_population": estimate, "population_as_of": as_of}
            )
            if changed:
                audit.record(actor, AuditAction.UPDATE, locked, fields=changed, changes=changed)
    return report


def _add_alias(actor, place: DetentionLocation, name: str) -> PlaceAlias | None:
    key = place_key(name)
    if not key:
        raise ServiceError({"name": [gettext("This name says only what kind of place it is.")]})
    if place_key(place.name) == key or place.aliases.filter(key=key).exists():
        return None  # the place already answers to this name
    taken = PlaceAlias.objects.filter(key=key).exclude(location=place).select_related("location")
    other = taken.first()
    if other is not None or _other_place_named(place, key):
        holder = other.location.name if other else gettext("another place")
        raise ServiceError(
            {
                "name": [
                    gettext("This name already means %(place)s.") % {"place": holder},
                ]
            }
        )
    alias = PlaceAlias.objects.create(location=place, name=name, key=key)
    audit.record(actor, AuditAction.CREATE, alias, fields=["location", "name"])
    return alias


def _other_place_named(place: DetentionLocation, key: str) -> bool:
    others = DetentionLocation.objects.exclude(pk=place.pk).only("name")
    return any(place_key(other.name) == key for other in others)


def place_alias_add(*, actor, place: DetentionLocation, name: str) -> PlaceAlias | None:
    """Another name of a place, in any script. None when the place already answers to it; refused
    when it already means another place (a name must lead to one place)."""
    require(actor, Action.MANAGE_PLACES, place)
    name = clean_input("name", name or "", max_length=200)
    if not name:
        raise ServiceError({"name": [gettext("Write the other name.")]})
    with transaction.atomic():
        return _add_alias(actor, place, name)


def _open_name(actor, place_name: PlaceName) -> PlaceName:
    require(actor, Action.MANAGE_PLACES, place_name)
    locked = PlaceName.objects.select_for_update().filter(pk=place_name.pk).first()
    if locked is None:
        raise Hidden()
    if locked.status != PlaceNameStatus.OPEN:
        raise ServiceError(gettext("This name was already decided."))
    return locked


def place_name_map(*, actor, place_name: PlaceName, place: DetentionLocation) -> PlaceName:
    """A listed name means this place: it becomes one of the place's names, so the next list that
    writes it is matched for sure."""
    require(actor, Action.MANAGE_PLACES, place)
    with transaction.atomic():
        locked = _open_name(actor, place_name)
        _add_alias(actor, place, locked.name)
        before = {"status": locked.status, "location": None}
        locked.status = PlaceNameStatus.MAPPED
        locked.location = place
        locked.decided_by = actor
        locked.save(update_fields=["status", "location", "decided_by", "updated_at"])
        changed = audit.diff(before, {"status": locked.status, "location": str(place.public_id)})
        audit.record(actor, AuditAction.UPDATE, locked, fields=changed, changes=changed)
    return locked


def place_name_dismiss(*, actor, place_name: PlaceName) -> PlaceName:
    """A listed name that is no place anyone can find ("somewhere near Raqqa")."""
    with transaction.atomic():
        locked = _open_name(actor, place_name)
        locked.status = PlaceNameStatus.DISMISSED
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        changes = {"status": [PlaceNameStatus.OPEN, PlaceNameStatus.DISMISSED]}
        audit.record(actor, AuditAction.UPDATE, locked, fields=["status"], changes=changes)
    return locked
