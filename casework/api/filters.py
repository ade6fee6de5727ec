"""The API filters persons with the one `PersonFilterSet` of `casework.filtersets`, told who asks:
a filter on a field the caller may not see is dropped, so it changes nothing. A name search (`q`,
or `search`) by a caller who may not search names, and `ordering` (the order is the cursor's), are
refused with a 400 naming the parameter rather than silently ignored. Every list also takes
`updated_since`."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import BaseFilterBackend

from casework.api.exceptions import InvalidParameters
from casework.permissions import may_search_person_names


class PersonFilterBackend(DjangoFilterBackend):
    def get_filterset_class(self, view, queryset=None):
        from casework.filtersets import PersonFilterSet

        return PersonFilterSet

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = request.query_params.copy()
        refused = {}
        if "ordering" in data:
            refused["ordering"] = _one_order()
        searched = [name for name in ("q", "search") if name in data]
        if searched and not may_search_person_names(request.user):
            for name in searched:
                refused[name] = [gettext("Your account may not search persons by name.")]
        if refused:
            raise InvalidParameters(refused)
        # `search` is the API's usual name for the list's name search (`q`).
        if "search" in data and "q" not in data:
            data["q"] = data["search"]
        data.pop("search", None)
        kwargs["data"] = data
        kwargs["user"] = request.user
        return kwargs

    def filter_queryset(self, request, queryset, view):
        return _filtered(self.get_filterset(request, queryset, view))


def _one_order() -> list[str]:
    return [gettext("Lists have one order, (created_at, id), which paging relies on.")]


def _filtered(filterset):
    """The filterset's rows, or a 400 naming each parameter it refused."""
    if not filterset.is_valid():
        raise InvalidParameters({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


class RecordFilterBackend(DjangoFilterBackend):
    """The view's `filterset_class` on a list other than persons': the queryset is already the read
    gate's, so a filter only narrows what the caller sees. `ordering` is refused, as on persons;
    an invalid value is a 400 naming the parameter."""

    def filter_queryset(self, request, queryset, view):
        if "ordering" in request.query_params:
            raise InvalidParameters({"ordering": _one_order()})
        filterset = self.get_filterset(request, queryset, view)
        return queryset if filterset is None else _filtered(filterset)


class UpdatedSinceFilter(BaseFilterBackend):
    """`updated_since`: only the records changed at or after a moment (ISO 8601 with its offset),
    for a copy that pulls again only what changed. Every list takes it."""

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        try:
            moment = parse_datetime(raw.strip())
            # In UTC before it reaches the database: ISO 8601 allows offsets up to ±23:59,
            # PostgreSQL only to ±15:59 (found by schemathesis: "+22:34" was a 500).
            if moment is not None and not timezone.is_naive(moment):
                moment = moment.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            moment = None
        if moment is None or timezone.is_naive(moment):
            raise InvalidParameters(
                {
                    self.param: [
                        gettext("A date and time with its offset, e.g. 2026-01-31T08:00:00Z.")
                    ]
                }
            )
        return queryset.filter(updated_at__gte=moment)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only records changed at or after this moment (ISO 8601, with "
                "its offset): the record's own last change. A partner learns of persons newly "
                "shared with it, or no longer, from the change feed.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
