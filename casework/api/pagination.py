"""Cursor pagination: stable under concurrent writes, so a syncing partner skips nothing."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    ordering = ("created_at", "public_id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValidationError, ValueError, TypeError, OverflowError):
            # A cursor that decodes but carries a position of the wrong type (tampered): the
            # database refuses the value; answer like DRF does for a cursor it cannot decode.
            if request.query_params.get(self.cursor_query_param):
                raise NotFound(self.invalid_cursor_message) from None
            raise
