"""What the home page reads for one user: their cases and next steps, tasks due, the queues waiting
for them and the flights coming, and the aggregates of its charts.

Each read starts from its gate and is bounded: a list reads at most its page plus one row (to say
"more than N"), a queue is counted only up to its limit, and an aggregate is one grouped query, so
the page costs the same at 100,000 persons as at a hundred.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import TruncMonth
from django.utils import timezone

from casework import workflow
from casework.audit import AuditAction
from casework.charts import COUNT_CAP, SMALL_COUNT
from casework.models import (
    AuditEvent,
    CaseTask,
    Decision,
    FamilyReport,
    FlightStatus,
    Handover,
    ManifestRole,
    ManifestStatus,
    MatchSuggestion,
    Person,
    PersonStatus,
    Placement,
    RepatriationFlight,
    ReportStatus,
)
from casework.permissions import Action, may
from casework.selectors import overview_counts
from casework.services.placements import current_placements

LIST_LIMIT = 8
QUEUE_LIMIT = 99
FLIGHTS_SHOWN = 5
RETURN_MONTHS = 12
PLACES_SHOWN = 10
# A task shows on the home page from this many days before it is due, and until it is done.
REMINDER_DAYS = 7
SEATED = (ManifestStatus.APPROVED, ManifestStatus.BOARDED)
# A case is "mine to work" until it ends: reunited or one of the exits.
_ENDED = {PersonStatus.REUNITED, *workflow.EXITS}


@dataclass(frozen=True)
class Bounded:
    """At most `limit` rows, and whether there were more."""

    rows: list
    more: bool


@dataclass(frozen=True)
class QueueSize:
    count: int
    more: bool


def _bounded(qs: QuerySet) -> Bounded:
    limit = LIST_LIMIT
    rows = list(qs[: limit + 1])
    return Bounded(rows=rows[:limit], more=len(rows) > limit)


def _queue_size(qs: QuerySet) -> QueueSize:
    """How many rows wait, counted only up to the limit: a queue of thousands is "more than 99"."""
    limit = QUEUE_LIMIT
    count = qs.order_by()[: limit + 1].count()
    return QueueSize(count=min(count, limit), more=count > limit)


def next_status(status: str) -> str | None:
    """The next step of a case on the way home; None once it has ended."""
    if status in _ENDED or status not in workflow.ACTIVE_PATH:
        return None
    return workflow.ACTIVE_PATH[workflow.ACTIVE_PATH.index(status) + 1]


@dataclass(frozen=True)
class MyCase:
    person: Person
    next_status: str | None
    next_label: str | None
    needs_supervisor: bool


def works_cases(user) -> bool:
    return may(user, Action.CHANGE_STATUS)


def my_cases(user) -> Bounded | None:
    """The open cases assigned to the user, the least recently touched first."""
    if not works_cases(user):
        return None
    found = _bounded(
        Person.objects.visible_to(user)
        .filter(assigned_to=user)
        .exclude(status__in=_ENDED)
        .order_by("updated_at", "id")
    )
    labels = dict(PersonStatus.choices)
    cases = []
    for person in found.rows:
        target = next_status(person.status)
        cases.append(
            MyCase(
                person=person,
                next_status=target,
                next_label=labels.get(target) if target else None,
                needs_supervisor=target in workflow.NEEDS_SUPERVISOR,
            )
        )
    return Bounded(rows=cases, more=found.more)


def tasks_due(user, today: dt.date | None = None) -> Bounded | None:
    """The reminders: open tasks given to the user, or left to no one on the user's cases, that are
    overdue or due within `REMINDER_DAYS`, the earliest due first."""
    if not works_cases(user):
        return None
    today = today or timezone.localdate()
    return _bounded(
        CaseTask.objects.visible_to(user)
        .filter(done_at__isnull=True, due_on__lte=today + dt.timedelta(days=REMINDER_DAYS))
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True, person__assigned_to=user))
        .select_related("person")
        .order_by("due_on", "id")
    )


def reports_waiting(user) -> QueueSize | None:
    if not may(user, Action.TRIAGE_REPORT):
        return None
    return _queue_size(FamilyReport.objects.visible_to(user).filter(status=ReportStatus.NEW))


def suggestions_waiting(user) -> QueueSize | None:
    if not may(user, Action.DECIDE_MATCH):
        return None
    return _queue_size(MatchSuggestion.objects.visible_to(user).filter(decision=Decision.PENDING))


def flights_coming(user, today: dt.date | None = None) -> list | None:
    """The next open flights, each with its seats left (approved and boarded passengers take a
    seat)."""
    if not may(user, Action.MANAGE_FLIGHT):
        return None
    today = today or timezone.localdate()
    seated = Count(
        "manifest",
        filter=Q(manifest__role=ManifestRole.PASSENGER, manifest__status__in=SEATED),
    )
    flights = list(
        RepatriationFlight.objects.visible_to(user)
        .filter(date__gte=today, status__in=[FlightStatus.PLANNED, FlightStatus.CONFIRMED])
        .annotate(seated=seated)
        .order_by("date", "reference")[:FLIGHTS_SHOWN]
    )
    for flight in flights:
        flight.seats_left = max(flight.capacity - flight.seated, 0)
    return flights


def persons_by_status(user) -> list[tuple[str, str, int]]:
    """(status, label, count) of the persons the user may see, every status in its order; each
    count read up to `charts.COUNT_CAP` + 1 off the (team, status) and (assignee, status) indexes,
    in one query (`selectors.overview_counts`), so a count above the cap means "more than"."""
    counts, _waiting = overview_counts(user, limit=COUNT_CAP)
    return [(value, label, counts.get(value, 0)) for value, label in PersonStatus.choices]


def kept(user, name: str, day: dt.date, count):
    """`count()`, kept for the user `settings.HOME_CHARTS_SECONDS` (the charts' grouped counts
    over a year or over every current placement: a user who comes back to the home page within
    that time is not counted for again). Only counts are kept, never a label or a name of a
    person; a key per user, so one user's counts never reach another."""
    seconds = settings.HOME_CHARTS_SECONDS
    if not seconds:
        return count()
    key = f"casework:home:{name}:{user.pk}:{day.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = count()
        cache.set(key, found, seconds)
    return found


def last_months(today: dt.date, n: int = RETURN_MONTHS) -> list[dt.date]:
    """The first day of each of the last `n` months, this one included, the oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(n):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    return months


def _month_start(first: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(first, dt.time.min))


def _month_of(when) -> dt.date:
    day = when.date() if isinstance(when, dt.datetime) else when
    return day.replace(day=1)


def returns_by_month(user, today: dt.date | None = None) -> list[tuple[str, dt.date, int]] | None:
    """Handovers (a child returned to a family or to child services) in each of the last twelve
    months, the oldest first, months with none included."""
    if not may(user, Action.MANAGE_FLIGHT):
        return None
    months = last_months(today or timezone.localdate())
    counts: dict[dt.date, int] = {}
    rows = (
        Handover.objects.visible_to(user)
        .filter(handed_at__gte=_month_start(months[0]))
        .annotate(month=TruncMonth("handed_at"))
        .order_by()
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    for when, n in rows:
        key = _month_of(when)
        counts[key] = counts.get(key, 0) + n
    return [(first.isoformat()[:7], first, counts.get(first, 0)) for first in months]


def status_changes_by_month(
    user, today: dt.date | None = None
) -> tuple[list[tuple[str, dt.date, dict[str, int]]], list[tuple[str, str]]]:
    """How many of the persons the user may see reached each status in each of the last twelve
    months (the oldest first), and the statuses reached at all, in their order.

    Read from the status changes the audit trail records (`AuditAction.STATUS_CHANGE`, the new
    status its `changes`), off a partial index on the organisation's status changes by time
    (`audit_status_changes`): one grouped query over a year's changes, never the whole trail nor
    every person."""
    months = last_months(today or timezone.localdate())
    counts = kept(user, "status_changes", months[-1], lambda: _status_changes(user, months[0]))
    reached = {status for _month, status in counts}
    series = [(value, label) for value, label in PersonStatus.choices if value in reached]
    table = [
        (first.isoformat()[:7], first, {s: counts.get((first, s), 0) for s, _label in series})
        for first in months
    ]
    return table, series


def _status_changes(user, first: dt.date) -> dict[tuple[dt.date, str], int]:
    persons = Person.objects.visible_to(user)
    counts: dict[tuple[dt.date, str], int] = {}
    if not persons.query.is_empty() and user.organisation_id is not None:
        rows = (
            AuditEvent.objects.filter(
                organisation_id=user.organisation_id,
                action=AuditAction.STATUS_CHANGE,
                object_type="Person",  # a seat on a flight and a report change status too
                at__gte=_month_start(first),
                person_id__in=persons.values("public_id"),
            )
            .annotate(month=TruncMonth("at"), reached=KT("changes__status__1"))
            .order_by()
            .values_list("month", "reached")
            # Counted by a column the index holds, so that no row of the trail is read.
            .annotate(n=Count("person_id"))
            .values_list("month", "reached", "n")
        )
        for when, reached, n in rows:
            key = (_month_of(when), reached)
            counts[key] = counts.get(key, 0) + n
    return counts


def persons_per_place(user) -> list[dict] | None:
    """How many of the persons the user may see are at each known place now (their latest
    confirmed placement, not ended), with the place's name, country and governorate: one grouped
    query for both place charts. None for those who do not see whereabouts."""
    if not may(user, Action.RECORD_PLACEMENT):
        return None
    here = current_placements(Placement.objects.visible_to(user)).filter(location__isnull=False)
    return kept(
        user,
        "places",
        timezone.localdate(),
        lambda: list(
            here.order_by()
            .values(
                "location__public_id",
                "location__name",
                "location__country",
                "location__governorate",
            )
            .annotate(n=Count("person", distinct=True))
        ),
    )


def persons_by_place(
    user, per_place: list[dict] | None = None
) -> list[tuple[str, str, int]] | None:
    """(place, name, persons) of the `PLACES_SHOWN` places holding the most persons the user may
    see now, the most first (from `persons_per_place`, read here unless given)."""
    rows = persons_per_place(user) if per_place is None else per_place
    if rows is None:
        return None
    rows = sorted(rows, key=lambda r: (-r["n"], r["location__name"]))[:PLACES_SHOWN]
    return [(str(r["location__public_id"]), r["location__name"], r["n"]) for r in rows]


def persons_by_region(
    user, per_place: list[dict] | None = None
) -> list[tuple[str, str, int]] | None:
    """(region, its name, persons) where the persons the user may see are now, by the places'
    country and governorate (places carry no region of their own), the most first.

    A place holding fewer than `SMALL_COUNT` persons is left out of its region's count: the place
    chart beside this one shows it as "fewer than 5", and a region's count less its places' shown
    counts would otherwise give it away."""
    rows = persons_per_place(user) if per_place is None else per_place
    if rows is None:
        return None
    regions: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["n"] < SMALL_COUNT:
            continue
        key = (row["location__country"], row["location__governorate"])
        regions[key] = regions.get(key, 0) + row["n"]
    named = []
    for (country, governorate), n in regions.items():
        # The country as the registry writes it (its ISO code), after the governorate if known.
        label = f"{governorate}, {country}" if governorate else country
        named.append((f"{country}/{governorate}", label, n))
    named.sort(key=lambda row: (-row[2], row[1]))
    return named[:PLACES_SHOWN]
