"""Repatriation flights over the API (read-only), for those who plan them. Each passenger on a
manifest shows only as far as the caller may see that person; an escort is named."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet, ConditionalRetrieveMixin
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON
from casework.models import Person, RepatriationFlight
from casework.permissions import Action, may


class ManifestEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    role = serializers.CharField()
    status = serializers.CharField()
    person = serializers.SerializerMethodField(
        help_text='{"id", "display_name"} of a passenger you may see, else {"withheld": true}.'
    )
    escort_name = serializers.CharField()

    def get_person(self, entry) -> dict | None:
        if entry.person_id is None:
            return None
        visible = self.context["visible_passengers"]
        if entry.person_id not in visible:
            return WITHHELD_JSON
        return {"id": str(entry.person.public_id), "display_name": entry.person.display_name}


class FlightSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    manifest = serializers.SerializerMethodField()

    class Meta:
        model = RepatriationFlight
        fields = [
            "id",
            "reference",
            "date",
            "origin",
            "destination",
            "organiser",
            "capacity",
            "status",
            "manifest",
        ]

    def get_manifest(self, flight) -> list[dict]:
        entries = list(flight.manifest.all())
        visible = self.context.get("visible_passengers")
        if visible is None:
            visible = visible_passengers(self.context["request"].user, [flight])
        context = {**self.context, "visible_passengers": visible}
        return ManifestEntrySerializer(entries, many=True, context=context).data


def visible_passengers(user, flights) -> set[int]:
    """The passengers of these flights the user may see: one query for a whole page of flights
    (their manifests prefetched), not one a flight."""
    person_ids = {e.person_id for f in flights for e in f.manifest.all() if e.person_id}
    if not person_ids:
        return set()
    visible = Person.objects.visible_to(user).filter(pk__in=person_ids)
    return set(visible.values_list("pk", flat=True))


class FlightViewSet(mixins.ListModelMixin, ConditionalRetrieveMixin, ApiViewSet):
    serializer_class = FlightSerializer
    pagination_class = KeysetPagination
    filter_backends = [UpdatedSinceFilter]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may(request.user, Action.MANAGE_FLIGHT):
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        return may(user, Action.MANAGE_FLIGHT)

    def get_queryset(self):
        return RepatriationFlight.objects.visible_to(self.request.user).prefetch_related(
            "manifest__person"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {
            **self.get_serializer_context(),
            "visible_passengers": visible_passengers(request.user, page),
        }
        return self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )
