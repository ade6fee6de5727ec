"""The `changes` action of a viewset: a partner's change feed at `<list>/changes/` (persons,
reports), read through `sync.feed_page`, with its cursor, page size and answer documented alike."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action

from casework.api.pagination import page_size_of

FEED_PAGE_SIZE = 100
FEED_MAX_PAGE_SIZE = 500


def feed_page_size(request) -> int:
    return page_size_of(request, "page_size", FEED_PAGE_SIZE, FEED_MAX_PAGE_SIZE)


def change_feed(*, name: str, results, description: str):
    """Make a view method the feed action; `name` is its answer's component, `results` the
    serializer of its items."""

    def decorate(method):
        # The action first, then its schema (as the decorators read top to bottom on a view).
        feed = action(
            detail=False,
            methods=["get"],
            url_path="changes",
            url_name="changes",
            pagination_class=None,
            filter_backends=[],
        )(method)
        return extend_schema(
            description=description,
            parameters=[
                OpenApiParameter("cursor", str, description="`next_cursor` of the previous page."),
                OpenApiParameter(
                    "page_size",
                    {"type": "integer", "minimum": 1, "maximum": FEED_MAX_PAGE_SIZE},
                    description=f"Changes per page (default {FEED_PAGE_SIZE}).",
                ),
            ],
            responses={
                200: inline_serializer(
                    name,
                    {
                        "results": results,
                        "next_cursor": serializers.CharField(allow_null=True),
                        "has_more": serializers.BooleanField(),
                    },
                )
            },
        )(feed)

    return decorate
