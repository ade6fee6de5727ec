"""Where a person was held or seen: placements and sightings. The latest confirmed placement is
the person's current whereabouts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    DatePrecision,
    DetentionLocation,
    Placement,
    PlacementSource,
    Reliability,
)
from casework.models.locations import is_latest_confirmed
from casework.models.sync import ChangeKind, note_person_changes
from casework.permissions import Action, require
from casework.services._common import not_in_future, recheck_scope
from casework.services.errors import ServiceError
from casework.services.text_input import MAX_TEXT, clean_input


def placement_record(
    *,
    actor,
    person,
    start_date: dt.date,
    source: str,
    reliability: str,
    location: DetentionLocation | None = None,
    place_text: str = "",
    is_sighting: bool = False,
    start_precision: str = DatePrecision.EXACT,
    end_date: dt.date | None = None,
    notes: str = "",
) -> Placement:
    require(actor, Action.RECORD_PLACEMENT, person)
    place_text = clean_input("place_text", place_text, max_length=300)
    notes = clean_input("notes", notes, max_length=MAX_TEXT, multiline=True)
    errors: dict[str, list[str]] = {}
    if location is None and not place_text:
        errors["location"] = [gettext("Choose a known location or describe the place.")]
    if start_date is None:
        errors["start_date"] = [gettext("When was the person there (or seen)?")]
    if source not in PlacementSource.values:
        errors["source"] = [gettext("Unknown source %(source)r.") % {"source": source}]
    if reliability not in Reliability.values:
        errors["reliability"] = [
            gettext("Unknown reliability %(reliability)r.") % {"reliability": reliability}
        ]
    if start_precision not in (DatePrecision.EXACT, DatePrecision.MONTH, DatePrecision.YEAR):
        errors["start_precision"] = [gettext("A start date is exact, a month or a year.")]
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = [gettext("The end is before the start.")]
    if errors:
        raise ServiceError(errors)
    not_in_future("start_date", start_date)
    not_in_future("end_date", end_date)
    with transaction.atomic():
        placement = Placement.objects.create(
            person=person,
            location=location,
            place_text=place_text,
            is_sighting=is_sighting,
            start_date=start_date,
            start_precision=start_precision,
            end_date=end_date,
            source=source,
            reliability=reliability,
            notes=notes,
            recorded_by=actor,
        )
        recheck_scope(actor, person)
        # A partner whose agreement shares whereabouts reads them on the person.
        note_person_changes([person.pk], ChangeKind.EDITED)
        audit.record(
            actor,
            AuditAction.CREATE,
            placement,
            fields=["location", "place_text", "start_date", "source", "reliability"],
        )
    return placement


def _confirmed_latest_first(placements):
    return (
        placements.filter(reliability=Reliability.CONFIRMED, is_sighting=False)
        .select_related("location")
        .order_by("-start_date", "-id")
    )


def current_whereabouts(person) -> Placement | None:
    """The latest confirmed placement (not a mere sighting), if any."""
    return _confirmed_latest_first(person.placements).first()


def current_whereabouts_among(placements) -> Placement | None:
    """`current_whereabouts` of one person taken from their placements already read (newest
    first, the model's order), without asking the database again."""
    confirmed = [
        p for p in placements if p.reliability == Reliability.CONFIRMED and not p.is_sighting
    ]
    return max(confirmed, key=lambda p: (p.start_date, p.pk), default=None)


def current_whereabouts_of(placements) -> dict[int, Placement]:
    """`current_whereabouts` of many persons in one query, by person id, taken from `placements`
    (a read gate's queryset, `Placement.objects.visible_to(user)`, narrowed to those persons)."""
    found: dict[int, Placement] = {}
    for placement in _confirmed_latest_first(placements):
        found.setdefault(placement.person_id, placement)
    return found


def current_placements(placements: QuerySet) -> QuerySet:
    """Of `placements`, those that are their person's current whereabouts (the latest confirmed
    placement, not a sighting, as `current_whereabouts` says) and have not ended: who is known to
    be at a place now."""
    return placements.filter(is_latest_confirmed(), end_date__isnull=True)
