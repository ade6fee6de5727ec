"""The number a person reads for an entry of a report: its place among the report's entries,
counted from 1.

The stored position is only an order: reports entered through the services count from 1, the
demo's seeded reports from 0, and a report may one day lose an entry. So no page, message or
history shows a position itself; each shows this number.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from casework.models import ReportEntry


def entry_numbers(entries: Iterable[ReportEntry]) -> dict[int, int]:
    """{entry pk: its number in its report} for entries already read through a gate, in one
    query over their reports' entries (only their keys and positions are read)."""
    entries = list(entries)
    if not entries:
        return {}
    # The siblings of entries the caller was allowed to read: their order, nothing of them.
    siblings = (
        ReportEntry.objects.filter(report_id__in={e.report_id for e in entries})
        .order_by("report_id", "position", "id")
        .values_list("report_id", "pk")
    )
    numbers: dict[int, int] = {}
    counted: dict[int, int] = {}
    for report_id, pk in siblings:
        counted[report_id] = counted.get(report_id, 0) + 1
        numbers[pk] = counted[report_id]
    return {e.pk: numbers[e.pk] for e in entries}


def entry_number(entry: ReportEntry) -> int:
    return entry_numbers([entry])[entry.pk]


def numbered(entries: QuerySet) -> QuerySet:
    """`entries` each with its number (`number`) counted in the same query: how many entries of
    its report come before it in the stored order, plus one."""
    before = (
        ReportEntry.objects.filter(report_id=OuterRef("report_id"))
        .filter(
            Q(position__lt=OuterRef("position"))
            | Q(position=OuterRef("position"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("report_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return entries.annotate(number=Subquery(before))
