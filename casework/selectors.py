"""Reads built on the read gates (`Model.objects.visible_to(user)`): a record's history, a report's
entries, who may be put on a flight. Each takes the acting user and starts from a gate."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from casework.models import (
    AuditEvent,
    FamilyReport,
    Person,
    PersonStatus,
    Placement,
    ReportEntry,
)
from casework.permissions import may_see_reporters
from casework.services.placements import current_placements


def history_for(user, person, *, gated: bool = False) -> QuerySet:
    """A record's own history, for those who may see the record (none for anyone else), with the
    history of the records merged into it (a merge carries history over; an undo takes it back).
    `gated`: the caller read `person` through `Person.objects.visible_to(user)` itself."""
    if not gated and not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return AuditEvent.objects.none()
    own_and_merged = Person.objects.filter(Q(pk=person.pk) | Q(merged_into=person))
    return AuditEvent.objects.visible_to(user).about(own_and_merged.values("public_id"))


def record_history(user, gated: QuerySet, record, *, parts: Iterable = ()) -> QuerySet:
    """The history of a record that is not a person (a report, a flight, a list): its own events
    and those of its `parts` (a report's entries), for those the record's read gate `gated` lets
    see it; none for anyone else. Newest first."""
    if not gated.filter(pk=record.pk).exists():
        return AuditEvent.objects.none()
    ids = [record.public_id, *(part.public_id for part in parts)]
    return AuditEvent.objects.filter(
        organisation_id=record.organisation_id, object_id__in=ids
    ).order_by("-at", "-id")


def may_see_reporter(user, report) -> bool:
    """Who reported and how to reach them, the family's account, their files, each entry's
    aliases and last known place: the organisation's report staff only (intake, caseworkers,
    supervisors), and only on a report the gate lets them see."""
    return (
        may_see_reporters(user)
        and report.organisation_id == user.organisation_id
        and FamilyReport.objects.visible_to(user).filter(pk=report.pk).exists()
    )


def report_entries_for(user, report) -> QuerySet:
    return ReportEntry.objects.visible_to(user).filter(report=report).select_related("person")


def proposable_persons(user, flight) -> QuerySet:
    """Persons the user sees who are cleared to fly and not yet on this flight."""
    return (
        Person.objects.visible_to(user)
        .filter(
            organisation_id=flight.organisation_id,
            status__in=[PersonStatus.CLEARED_FOR_RETURN, PersonStatus.ON_MANIFEST],
        )
        .exclude(manifest_entries__flight=flight)
        .order_by("display_name", "id")
    )


def persons_now_at(user, place) -> QuerySet:
    """Who is known to be at `place` now (`services.placements.current_placements`), of the
    persons whose whereabouts the user may see; a merged record is counted once, as its survivor."""
    here = current_placements(Placement.objects.visible_to(user).filter(location=place))
    return (
        Person.objects.visible_to(user)
        .filter(pk__in=here.values("person_id"), merged_into__isnull=True)
        .order_by("display_name", "id")
    )
