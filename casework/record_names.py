"""The names of the records audit events touched, as a reader may see them: "report
MATRIXREP1", "placement in Roj", "flight NORTH-1", a person's name. Each kind of record is read
through its read gate, so a record the reader may not see gets no name here (the history and the
audit trail then say its kind only). One query per kind of record on a page of events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _

from casework.audit import AuditAction
from casework.entry_numbers import entry_numbers
from casework.models import (
    FamilyReport,
    Handover,
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


def _placements(viewer, ids) -> dict[str, str]:
    found = (
        Placement.objects.visible_to(viewer).filter(public_id__in=ids).select_related("location")
    )
    names = {}
    for placement in found:
        place = placement.location.name if placement.location else placement.place_text
        text = _("sighting in %(place)s") if placement.is_sighting else _("placement in %(place)s")
        names[str(placement.public_id)] = text % {"place": place}
    return names


def _person_names(viewer, ids) -> dict[str, str]:
    found = PersonName.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(n.public_id): _("name %(name)s") % {"name": n.as_text()} for n in found}


def _relationships(viewer, ids) -> dict[str, str]:
    found = Relationship.objects.visible_to(viewer).filter(public_id__in=ids)
    links = list(found.select_related("from_person"))
    seen = persons(viewer, [link.from_person.public_id for link in links])
    return {
        str(link.public_id): _("%(kind)s %(name)s")
        % {"kind": link.get_kind_display(), "name": seen[str(link.from_person.public_id)]}
        for link in links
        if str(link.from_person.public_id) in seen
    }


def _reports(viewer, ids) -> dict[str, str]:
    found = FamilyReport.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(r.public_id): _("report %(reference)s") % {"reference": r.reference} for r in found}


def _report_entries(viewer, ids) -> dict[str, str]:
    found = list(
        ReportEntry.objects.visible_to(viewer).filter(public_id__in=ids).select_related("report")
    )
    numbers = entry_numbers(found)
    return {
        str(e.public_id): _("report %(reference)s, entry %(number)s")
        % {"reference": e.report.reference, "number": numbers[e.pk]}
        for e in found
    }


def _flights(viewer, ids) -> dict[str, str]:
    found = RepatriationFlight.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(f.public_id): _("flight %(reference)s") % {"reference": f.reference} for f in found}


def _manifest_entries(viewer, ids) -> dict[str, str]:
    found = (
        ManifestEntry.objects.visible_to(viewer).filter(public_id__in=ids).select_related("flight")
    )
    return {
        str(e.public_id): (
            _("escort on flight %(reference)s")
            if e.role == ManifestRole.ESCORT
            else _("seat on flight %(reference)s")
        )
        % {"reference": e.flight.reference}
        for e in found
    }


def _handovers(viewer, ids) -> dict[str, str]:
    found = Handover.objects.visible_to(viewer).filter(public_id__in=ids)
    return {
        str(h.public_id): _("handover after flight %(reference)s")
        % {"reference": h.manifest_entry.flight.reference}
        for h in found.select_related("manifest_entry__flight")
    }


def _lists(viewer, ids) -> dict[str, str]:
    found = ListImport.objects.visible_to(viewer).filter(public_id__in=ids)
    return {str(li.public_id): _("list “%(source)s”") % {"source": li.source} for li in found}


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
    "ManifestEntry": _manifest_entries,
    "Handover": _handovers,
    "ListImport": _lists,
    "MatchSuggestion": _suggestions,
    "User": _accounts,
}


def record_names(viewer, events, *, known=()) -> dict[tuple[str, str], str]:
    """The name of each record the events touched that `viewer` may see, by (kind, public id),
    and for a merge the other person's name (under "Person"). One query per kind of record.
    `known`: persons the caller has already read through the gate (a person's page: the person),
    named without asking again."""
    names = {("Person", str(person.public_id)): str(person) for person in known}
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.action in (AuditAction.MERGE, AuditAction.UNMERGE):
            if other := merge_other(event):
                wanted["Person"].add(str(other))
        elif event.object_id and event.object_type in _NAMERS:
            wanted[event.object_type].add(str(event.object_id))
    for kind, public_id in names:
        wanted[kind].discard(public_id)
    for kind, ids in wanted.items():
        if not ids:
            continue
        names.update({(kind, pid): name for pid, name in _NAMERS[kind](viewer, ids).items()})
    return names
