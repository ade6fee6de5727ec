"""Placements and sightings over the API: where a person was held or seen, read-only.

The rows come from `Placement.objects.visible_to(user)`: staff see those of the persons whose
working record they may read; a partner, those of the persons its agreements share placements of
(every placement and sighting) or whereabouts of (the current placement alone). Who recorded a
placement and the caseworkers' notes on it never leave through the API. A date shows as precise as
it is known: `start_date` with its `start_precision`, as a person's birth date.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet
from casework.api.conditional import conditional_response, etag_for
from casework.api.filters import RecordFilterBackend, UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.reads import record_page_reads
from casework.models import Placement, PlacementSource, Reliability
from casework.models.locations import PLACEMENT_START_PRECISIONS

# What a page of placements shows of each person, as the audit trail names it.
READ_FIELDS = ["placements"]


class PlacementSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    person = serializers.UUIDField(source="person.public_id", help_text="In /api/v1/persons/.")
    location = serializers.UUIDField(
        source="location.public_id",
        allow_null=True,
        help_text="In /api/v1/locations/; null for a place known only as written (`place`).",
    )
    place = serializers.CharField(help_text="The location's name, or the place as written.")
    is_sighting = serializers.BooleanField(help_text="Seen there once, not held there.")
    start_date = serializers.DateField()
    start_precision = serializers.ChoiceField(choices=PLACEMENT_START_PRECISIONS)
    end_date = serializers.DateField(allow_null=True)
    source = serializers.ChoiceField(choices=PlacementSource.choices)
    reliability = serializers.ChoiceField(choices=Reliability.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, placement: Placement) -> dict:
        location = placement.location
        return {
            "id": str(placement.public_id),
            "person": str(placement.person.public_id),
            "location": str(location.public_id) if location else None,
            "place": location.name if location else placement.place_text,
            "is_sighting": placement.is_sighting,
            "start_date": placement.start_date.isoformat(),
            "start_precision": placement.start_precision,
            "end_date": placement.end_date.isoformat() if placement.end_date else None,
            "source": placement.source,
            "reliability": placement.reliability,
            "created_at": serializers.DateTimeField().to_representation(placement.created_at),
            "updated_at": serializers.DateTimeField().to_representation(placement.updated_at),
        }


class PlacementFilterSet(django_filters.FilterSet):
    person = django_filters.UUIDFilter(
        field_name="person__public_id", help_text="Only this person's placements."
    )
    is_sighting = django_filters.BooleanFilter(help_text="Only sightings (true) or placements.")

    class Meta:
        model = Placement
        fields = ["person", "is_sighting"]


@extend_schema_view(
    list=extend_schema(
        description="Placements and sightings of the persons whose placements the caller may "
        "see, oldest record first: a partner's, as its agreements share them (the current "
        "whereabouts alone when an agreement shares only those)."
    ),
)
class PlacementViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = PlacementSerializer
    pagination_class = KeysetPagination
    filter_backends = [RecordFilterBackend, UpdatedSinceFilter]
    filterset_class = PlacementFilterSet
    http_method_names = ["get", "head"]

    def get_queryset(self):
        return (
            Placement.objects.visible_to(self.request.user)
            .select_related("person", "location")
            .only(
                "public_id",
                "created_at",
                "updated_at",
                "place_text",
                "is_sighting",
                "start_date",
                "start_precision",
                "end_date",
                "source",
                "reliability",
                "person__public_id",
                "person__organisation_id",
                "person__team_id",
                "person__assigned_to_id",
                "person__sensitivity",
                "location__public_id",
                "location__name",
            )
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_page_reads(request.user, "api_placement_list", [p.person for p in page], READ_FIELDS)
        write = PlacementSerializer().to_representation
        return self.get_paginated_response([write(placement) for placement in page])

    def retrieve(self, request, *args, **kwargs):
        placement = self.get_object()
        data = PlacementSerializer().to_representation(placement)
        record_page_reads(request.user, "api_placement_detail", [placement.person], READ_FIELDS)
        return conditional_response(request, data, etag_for(data))
