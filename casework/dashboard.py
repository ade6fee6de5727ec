"""What the home page reads for one user: their cases and next steps, tasks due, the queues waiting
for them and the flights coming, and the aggregates of its charts.

Each read starts from its gate and is bounded: a list reads at most its page plus one row (to say
"more than N"), a queue is counted only up to its limit, and an aggregate is one grouped query, so
the page costs the same at 100,000 persons as at a hundred.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from casework import workflow
from casework.charts import COUNT_CAP
from casework.models import (
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
    RepatriationFlight,
    ReportStatus,
)
from casework.permissions import Action, may
from casework.selectors import overview_counts

LIST_LIMIT = 8
QUEUE_LIMIT = 99
FLIGHTS_SHOWN = 5
RETURN_MONTHS = 12
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


def returns_by_month(user, today: dt.date | None = None) -> list[tuple[str, dt.date, int]] | None:
    """Handovers (a child returned to a family or to child services) in each of the last twelve
    months, the oldest first, months with none included."""
    if not may(user, Action.MANAGE_FLIGHT):
        return None
    today = today or timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _ in range(RETURN_MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    counts: dict[dt.date, int] = {}
    rows = (
        Handover.objects.visible_to(user)
        .filter(handed_at__gte=start)
        .annotate(month=TruncMonth("handed_at"))
        .order_by()
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    for when, n in rows:
        key = when.date() if isinstance(when, dt.datetime) else when
        counts[key] = counts.get(key, 0) + n
    return [(first.isoformat()[:7], first, counts.get(first, 0)) for first in months]
