"""Keyset pagination for every API list: no page skips or repeats a record, whatever is added,
changed or removed between two pages and however many records share a creation time.

A list is ordered by (created_at, public_id): the time never changes and the id is unique, so the
order is total and a record never moves in it. A cursor is the position of a page's last (or, to
go back, first) record, signed so that a client cannot forge one; a page is the records strictly
after (before) it. No offset is ever counted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from casework.api.exceptions import InvalidCursor, InvalidParameters

_CURSOR_SALT = "casework.api.list-position"
ORDERING = ("created_at", "public_id")


@dataclass(frozen=True)
class ListPosition:
    created_at: dt.datetime
    public_id: uuid.UUID
    backwards: bool = False

    def encode(self) -> str:
        data = {"t": self.created_at.isoformat(), "k": self.public_id.hex, "b": self.backwards}
        return signing.dumps(data, salt=_CURSOR_SALT)

    @classmethod
    def decode(cls, cursor: str) -> ListPosition:
        try:
            data = signing.loads(cursor, salt=_CURSOR_SALT)
            created_at = dt.datetime.fromisoformat(data["t"])
            public_id = uuid.UUID(hex=data["k"])
            backwards = data["b"]
        except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
            raise InvalidCursor() from None
        if timezone.is_naive(created_at) or not isinstance(backwards, bool):
            raise InvalidCursor()
        return cls(created_at, public_id, backwards)

    def beyond(self) -> Q:
        """The records after this position in the direction it reads. (The first term alone
        bounds an index scan; the rest leaves out the records of the same time up to it.)"""
        further = "lt" if self.backwards else "gt"
        return Q(**{f"created_at__{further}e": self.created_at}) & (
            Q(**{f"created_at__{further}": self.created_at})
            | Q(**{f"public_id__{further}": self.public_id})
        )

    @classmethod
    def of(cls, record, *, backwards: bool = False) -> ListPosition:
        return cls(record.created_at, record.public_id, backwards)


def page_size_of(request, name: str, default: int, maximum: int) -> int:
    """The page size asked for (`default` when none): a whole number from 1 to `maximum`, else a
    400 naming the parameter, never silently another size."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= maximum):
        raise InvalidParameters(
            {name: [gettext("A whole number from 1 to %(maximum)s.") % {"maximum": maximum}]}
        )
    return int(raw)


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        position = ListPosition.decode(raw) if raw else None
        backwards = position is not None and position.backwards
        order = [f"-{name}" for name in ORDERING] if backwards else list(ORDERING)
        page = queryset.order_by(*order)
        if position is not None:
            page = page.filter(position.beyond())
        rows = list(page[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        # Going forwards there is a previous page once past the start; going back, a next one.
        has_next = more if not backwards else bool(rows)
        has_previous = (position is not None and bool(rows)) if not backwards else more
        self._next = ListPosition.of(rows[-1]) if has_next else None
        self._previous = ListPosition.of(rows[0], backwards=True) if has_previous else None
        return rows

    def _page_size(self, request) -> int:
        return page_size_of(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def _link(self, position: ListPosition | None) -> str | None:
        if position is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, position.encode())

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self._next),
                "previous": self._link(self._previous),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "The `next` or `previous` link of the page before: pages follow the order "
                    "(created_at, id) and never skip or repeat a record."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


_ROW_CURSOR_SALT = "casework.api.row-position"


def _row_cursor(number: int, backwards: bool) -> str:
    return signing.dumps({"n": number, "b": backwards}, salt=_ROW_CURSOR_SALT)


def _row_position(cursor: str) -> tuple[int, bool]:
    try:
        data = signing.loads(cursor, salt=_ROW_CURSOR_SALT)
        number, backwards = data["n"], data["b"]
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise InvalidCursor() from None
    if not isinstance(number, int) or isinstance(number, bool) or not isinstance(backwards, bool):
        raise InvalidCursor()
    return number, backwards


class RowNumberPagination(KeysetPagination):
    """The rows of one list, by their number (unique in the list, never changing): the same
    keyset pages, the row number as the position."""

    page_size = 100
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        number, backwards = _row_position(raw) if raw else (None, False)
        page = queryset.order_by("-row_number" if backwards else "row_number")
        if number is not None:
            page = page.filter(**{f"row_number__{'lt' if backwards else 'gt'}": number})
        rows = list(page[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        has_next = more if not backwards else bool(rows)
        has_previous = (number is not None and bool(rows)) if not backwards else more
        self._next = _row_cursor(rows[-1].row_number, False) if has_next else None
        self._previous = _row_cursor(rows[0].row_number, True) if has_previous else None
        return rows

    def _link(self, position):
        if position is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, position)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters[0]["description"] = (
            "The `next` or `previous` link of the page before: pages follow the row numbers and "
            "never skip or repeat a row."
        )
        return parameters
