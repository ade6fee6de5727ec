"""The names of the records audit events touched, as a reader may see them: "report
MATRIXREP1", "placement in Roj", "flight NORTH-1", a person's name. Each kind of record is read
through its read gate, so a record the reader may not see gets no name here (the history and the
audit trail then say its kind only). One query per kind of record on a page of events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Q
from django.utils.translation import gettext as _

from casework.audit import AuditAction
from casework.entry_numbers import numbered
from casework.levels import Level
from casework.models import (
    FamilyReport,
    LegalProceeding,
    ListImport,
    ManifestEntry,
    ManifestRole,
    MatchSuggestion,
    Person,
    PersonName,
    Placement,
    Relationship,
    RepatriationFlight,
    ReportEntry,
    User,
)
from casework.permissions import person_levels


def is_absorbed(event) -> bool:
    """Whether a merge event is the one on the absorbed person's side."""
    return str(event.person_id) == str((event.changes or {}).get("absorbed"))


def merge_other(event) -> str | None:
    """The public id of the other person of a merge event."""
    changes = event.changes or {}
    return changes.get("survivor") if is_absorbed(event) else changes.get("absorbed")


def persons(viewer, ids) -> dict[str, str]:
    """The name of each person of `ids` the viewer may see, by public id."""
    found = Person.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(p.public_id): str(p) for p in found.only("public_id", "display_name")}


def _proceeding_name(proceeding: LegalProceeding) -> str:
    # Charges, courts and sentences are restricted: a history line names the kind of record only.
    return _("legal proceeding")


def _placement_name(placement: Placement) -> str:
    place = placement.location.name if placement.location else placement.place_text
    text = _("sighting in %(place)s") if placement.is_sighting else _("placement in %(place)s")
    return text % {"place": place}


def _placements(viewer, ids) -> dict[str, str]:
    found = (
        Placement.objects.visible_to(viewer).filter(public_id__in=ids).select_related("location")
    )
    return {str(placement.public_id): _placement_name(placement) for placement in found}


def _person_name_name(name: PersonName) -> str:
    return _("name %(name)s") % {"name": name.as_text()}


def _person_names(viewer, ids) -> dict[str, str]:
    found = PersonName.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(n.public_id): _person_name_name(n) for n in found}


def _relationship_name(link: Relationship) -> str:
    return _("%(kind)s %(name)s") % {"kind": link.get_kind_display(), "name": str(link.from_person)}


def _relationships(viewer, ids) -> dict[str, str]:
    found = Relationship.objects.visible_to(viewer).filter(public_id__in=ids)
    links = list(found.select_related("from_person"))
    # The relative is named when the viewer may see them (their level, read with the scope the
    # request already holds, instead of a second query through the person gate).
    levels = person_levels(viewer, [link.from_person for link in links])
    return {
        str(link.public_id): _relationship_name(link)
        for link in links
        if levels[link.from_person.pk] > Level.NONE
    }


def _report_name(report: FamilyReport) -> str:
    return _("report %(reference)s") % {"reference": report.reference}


def _reports(viewer, ids) -> dict[str, str]:
    found = FamilyReport.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(r.public_id): _report_name(r) for r in found}


def _report_entries(viewer, ids) -> dict[str, str]:
    found = numbered(
        ReportEntry.objects.visible_to(viewer).filter(public_id__in=ids).select_related("report")
    )
    return {
        str(e.public_id): _("report %(reference)s, entry %(number)s")
        % {"reference": e.report.reference, "number": e.number}
        for e in found
    }


def _flight_name(flight: RepatriationFlight) -> str:
    return _("flight %(reference)s") % {"reference": flight.reference}


def _flights(viewer, ids) -> dict[str, str]:
    found = RepatriationFlight.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(f.public_id): _flight_name(f) for f in found}


def _seats_and_handovers(viewer, seat_ids, handover_ids) -> dict[tuple[str, str], str]:
    """Seats on flights and the handovers after them, named in one query (a handover is as
    visible as its seat: both through the flight)."""
    found = (
        ManifestEntry.objects.visible_to(viewer)
        .filter(Q(public_id__in=seat_ids) | Q(handover__public_id__in=handover_ids))
        .select_related("flight", "handover")
    )
    names = {}
    for entry in found:
        reference = {"reference": entry.flight.reference}
        if str(entry.public_id) in seat_ids:
            seat = (
                _("escort on flight %(reference)s")
                if entry.role == ManifestRole.ESCORT
                else _("seat on flight %(reference)s")
            )
            names[("ManifestEntry", str(entry.public_id))] = seat % reference
        handover = getattr(entry, "handover", None)
        if handover is not None and str(handover.public_id) in handover_ids:
            names[("Handover", str(handover.public_id))] = (
                _("handover after flight %(reference)s") % reference
            )
    return names


def _list_name(list_import: ListImport) -> str:
    return _("list “%(source)s”") % {"source": list_import.source}


def _lists(viewer, ids) -> dict[str, str]:
    found = ListImport.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(li.public_id): _list_name(li) for li in found}


def _suggestions(viewer, ids) -> dict[str, str]:
    found = MatchSuggestion.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(s.public_id): _("suggested match") for s in found}


def _accounts(viewer, ids) -> dict[str, str]:
    # Accounts are no case data: the reader's own organisation's, by their user name.
    found = User.objects.filter(public_id__in=ids, organisation_id=viewer.organisation_id)
    return {str(u.public_id): _("account %(name)s") % {"name": u.get_username()} for u in found}


_NAMERS: dict[str, Callable] = {
    "Person": persons,
    "Placement": _placements,
    "PersonName": _person_names,
    "Relationship": _relationships,
    "FamilyReport": _reports,
    "ReportEntry": _report_entries,
    "RepatriationFlight": _flights,
    "ListImport": _lists,
    "MatchSuggestion": _suggestions,
    "User": _accounts,
}


# Named by `_seats_and_handovers`, both kinds in one query.
_SEATS_AND_HANDOVERS = ("ManifestEntry", "Handover")

# How a record the caller already read through its gate is named, without asking again.
_KNOWN_NAMES: dict[type, Callable] = {
    Person: str,
    LegalProceeding: _proceeding_name,
    Placement: _placement_name,
    PersonName: _person_name_name,
    FamilyReport: _report_name,
    RepatriationFlight: _flight_name,
    ListImport: _list_name,
    Relationship: _relationship_name,
}


def record_names(viewer, events, *, known=()) -> dict[tuple[str, str], str]:
    """The name of each record the events touched that `viewer` may see, by (kind, public id),
    and for a merge the other person's name (under "Person"). One query per kind of record.
    `known`: records the caller has already read through their gates for `viewer` (a person's
    page: the person, their names, their placements; a report's, flight's or list's page: that
    record), named without asking again: a kind whose records are all known costs no query."""
    names = {
        (type(record).__name__, str(record.public_id)): _KNOWN_NAMES[type(record)](record)
        for record in known
    }
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.action in (AuditAction.MERGE, AuditAction.UNMERGE):
            if other := merge_other(event):
                wanted["Person"].add(str(other))
        elif event.object_id and (
            event.object_type in _NAMERS or event.object_type in _SEATS_AND_HANDOVERS
        ):
            wanted[event.object_type].add(str(event.object_id))
    for kind, public_id in names:
        wanted[kind].discard(public_id)
    seats, handovers = (wanted.pop(kind, set()) for kind in _SEATS_AND_HANDOVERS)
    if seats or handovers:
        names.update(_seats_and_handovers(viewer, seats, handovers))
    for kind, ids in wanted.items():
        if not ids:
            continue
        names.update({(kind, pid): name for pid, name in _NAMERS[kind](viewer, ids).items()})
    return names
