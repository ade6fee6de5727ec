"""Reads built on the read gates (`Model.objects.visible_to(user)`): a record's history, a report's
entries, who may be put on a flight, a flight's passengers counted. Each takes the acting user and
starts from a gate."""

from collections.abc import Iterable

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from casework.models import (
    AuditEvent,
    AuditEventSubject,
    FamilyReport,
    ManifestEntry,
    ManifestRole,
    Person,
    PersonStatus,
    Placement,
    RepatriationFlight,
    ReportEntry,
    ReportStatus,
    User,
)
from casework.permissions import may_see_reporters
from casework.services.placements import current_placements


def history_for(user, person, *, gated: bool = False) -> QuerySet:
    """A record's own history, for those who may see the record (none for anyone else), with the
    history of the records merged into it (a merge carries history over; an undo takes it back).
    `gated`: the caller read `person` through `Person.objects.visible_to(user)` itself."""
    if not gated and not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return AuditEvent.objects.none()
    own_and_merged = Person.objects.filter(Q(pk=person.pk) | Q(merged_into=person)).values(
        "public_id"
    )
    # The person's events found first, each side off its own index, then gated one by one: an
    # OR of the two sides let PostgreSQL walk the whole trail newest first instead.
    about = (
        AuditEvent.objects.filter(person_id__in=own_and_merged)
        .order_by()
        .values("pk")
        .union(
            AuditEventSubject.objects.filter(person_id__in=own_and_merged)
            .order_by()
            .values("event_id"),
            all=True,
        )
    )
    return AuditEvent.objects.visible_to(user).filter(pk__in=about)


def record_history(
    user, gated: QuerySet, record, *, parts: Iterable = (), through_gate: bool = False
) -> QuerySet:
    """The history of a record that is not a person (a report, a flight, a list): its own events
    and those of its `parts` (a report's entries), for those the record's read gate `gated` lets
    see it; none for anyone else. Newest first. `through_gate`: the caller read `record` through
    `gated` itself in this request (the gate is not asked again)."""
    if not through_gate and not gated.filter(pk=record.pk).exists():
        return AuditEvent.objects.none()
    ids = [record.public_id, *(part.public_id for part in parts)]
    return AuditEvent.objects.filter(
        organisation_id=record.organisation_id, object_id__in=ids
    ).order_by("-at", "-id")


def may_see_reporter(user, report, *, gated: bool = False) -> bool:
    """Who reported and how to reach them, the family's account, their files, each entry's
    aliases and last known place: the organisation's report staff only (intake, caseworkers,
    supervisors), and only on a report the gate lets them see. `gated`: the caller read `report`
    through `FamilyReport.objects.visible_to(user)` itself in this request."""
    return (
        may_see_reporters(user)
        and report.organisation_id == user.organisation_id
        and (gated or FamilyReport.objects.visible_to(user).filter(pk=report.pk).exists())
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


class _CountOf(Subquery):
    """How many rows a subquery returns (at most its slice), as a scalar: counted where they are
    read, not looked up again by key."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _capped_count(rows: QuerySet, limit: int) -> _CountOf:
    """How many of `rows` there are, counting at most `limit` + 1 of them."""
    return _CountOf(rows.order_by().values("pk")[: limit + 1])


def overview_counts(user, *, limit: int) -> tuple[dict[str, int], int]:
    """The persons the user may see by status, and the reports waiting for triage (new), each
    counted up to `limit` + 1 (a count above `limit` means "more than `limit`"): one query, in
    which each count reads at most `limit` + 1 rows off an index, however many the user sees."""
    persons = Person.objects.visible_to(user)
    waiting = FamilyReport.objects.visible_to(user).filter(status=ReportStatus.NEW)
    counts = {}
    if not persons.query.is_empty():
        for status in PersonStatus.values:
            counts[f"persons_{status}"] = _capped_count(persons.filter(status=status), limit)
    if not waiting.query.is_empty():
        counts["reports_waiting"] = _capped_count(waiting, limit)
    row = {}
    if counts:
        # One row to hang the counts on: the user's own.
        row = User.objects.filter(pk=user.pk).annotate(**counts).values(*counts).get()
    by_status = {status: row.get(f"persons_{status}", 0) for status in PersonStatus.values}
    return by_status, row.get("reports_waiting", 0)


def flights_with_passenger_counts(user) -> QuerySet:
    """The flights the user sees, each with `passenger_count`: every passenger on its manifest,
    whoever they are. A manifest shows only the rows its reader may see (a partner, its own
    persons'); the count says how many others there are without naming any."""
    passengers = ManifestEntry.objects.filter(
        flight_id=OuterRef("pk"), role=ManifestRole.PASSENGER
    ).values("pk")
    return RepatriationFlight.objects.visible_to(user).annotate(
        passenger_count=_CountOf(passengers)
    )
