"""Exports of the other lists (family reports, flights, places): the rows of the list's FilterSet
over the list's read gate, values as the list page writes them (choice labels in the user's
language), the reporter only for those who may see reporters, each export in the audit trail with
its filters as the persons export keeps them (a value only when it is one the filter offers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.audit import AuditAction
from casework.exports import Table
from casework.filtersets import FlightFilterSet, PlaceFilterSet, ReportFilterSet
from casework.models import FLIGHT_DESCRIPTION, DetentionLocation, FamilyReport, RepatriationFlight
from casework.permissions import Action, may_see_reporters, require
from casework.services.errors import ServiceError


@dataclass(frozen=True)
class ListExport:
    name: str
    title: object
    filterset: type
    actions: tuple[Action, ...]


REPORTS = ListExport("reports", _("Family reports"), ReportFilterSet, (Action.VIEW_REPORT,))
FLIGHTS = ListExport("flights", _("Flights"), FlightFilterSet, (Action.MANAGE_FLIGHT,))
PLACES = ListExport("places", _("Places"), PlaceFilterSet, ())
CHUNK = 1000


def _offered(declared, value: str) -> bool:
    """Whether `value` is one the filter itself offers (a choice, a date), never typed text."""
    choices = declared.extra.get("choices")
    if choices is not None:
        return value in {str(key) for key, _label in choices}
    if declared.__class__.__name__ == "DateFilter":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def audited_filters(filterset_class, params) -> dict:
    """The filters as the trail keeps them: every filter's name, its value only when offered."""
    kept = {}
    for name in sorted(params or {}):
        declared = filterset_class.base_filters.get(name)
        if declared is None:
            continue
        raw = params.getlist(name) if hasattr(params, "getlist") else params[name]
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        if all(_offered(declared, v) for v in values):
            kept[name] = values[0] if len(values) == 1 else values
        else:
            kept[name] = audit.REDACTED
    return kept


def _filtered(spec: ListExport, actor, params, queryset):
    filterset = spec.filterset(
        params or None, queryset=queryset, request=SimpleNamespace(user=actor)
    )
    if not filterset.is_bound:
        return filterset.queryset
    if not filterset.is_valid():
        raise ServiceError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def _label(obj, field: str) -> str:
    return str(getattr(obj, f"get_{field}_display")())


def _report_rows(actor):
    show_reporter = may_see_reporters(actor)
    header = ["reference", "received_at", "channel", "status", "persons_described", "reporter"]

    def row(report):
        reporter = report.reporter_name if show_reporter else gettext("withheld")
        return [
            report.reference,
            report.received_at,
            _label(report, "channel"),
            _label(report, "status"),
            report.persons_described,
            reporter,
        ]

    queryset = FamilyReport.objects.visible_to(actor).annotate(persons_described=Count("entries"))
    return header, row, queryset, ("-received_at", "-id")


def _flight_rows(actor):
    header = list(FLIGHT_DESCRIPTION)

    def row(flight):
        return [
            flight.reference,
            flight.date,
            flight.origin,
            flight.destination,
            flight.organiser,
            flight.capacity,
            _label(flight, "status"),
        ]

    return header, row, RepatriationFlight.objects.visible_to(actor), ("-date", "reference")


def _place_rows(actor):
    # The access notes are the working record's (sensitive): not in a list export.
    header = ["name", "kind", "country", "governorate", "city", "controlling_authority"]
    header += ["latitude", "longitude", "reported_population", "population_as_of"]

    def row(place):
        return [
            place.name,
            _label(place, "kind"),
            place.country,
            place.governorate,
            place.city,
            place.controlling_authority,
            place.latitude,
            place.longitude,
            place.reported_population,
            place.population_as_of,
        ]

    return header, row, DetentionLocation.objects.visible_to(actor), ("country", "name", "id")


_ROWS = {"reports": _report_rows, "flights": _flight_rows, "places": _place_rows}


def list_table(spec: ListExport, *, actor, params) -> Table:
    """The list as the actor may see it, filtered as its page filters it, its export audited."""
    for action in (Action.EXPORT_PSEUDONYMISED, *spec.actions):
        require(actor, action)
    header, row, queryset, ordering = _ROWS[spec.name](actor)
    rows = _filtered(spec, actor, params, queryset).order_by(*ordering)
    count = rows.count()
    with transaction.atomic():
        audit.record(
            actor,
            AuditAction.EXPORT,
            fields=header,
            changes={
                "list": spec.name,
                "rows": count,
                "filters": audited_filters(spec.filterset, params),
            },
        )
    return Table(
        stem=spec.name,
        title=str(spec.title),
        header=header,
        count=count,
        rows=(row(obj) for obj in rows.iterator(chunk_size=CHUNK)),
    )
