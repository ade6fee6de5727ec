"""Repatriation flights over the API (read-only), for those who plan them. Each passenger on a
manifest shows only as far as the caller may see that person; an escort is named."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet, ConditionalRetrieveMixin
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON
from casework.models import ManifestEntry, Person, RepatriationFlight
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
        return _manifest_entry(entry, self.context["visible_passengers"])["person"]


class FlightSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    manifest = ManifestEntrySerializer(many=True, read_only=True)

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

    def to_representation(self, flight) -> dict:
        """The declared fields written out directly: a page of 100 flights carries thousands of
        manifest rows, and DRF's per-field machinery cost ~1 s of Python for them (bench/README.md).
        `test_reference` holds this to what the declared fields would give."""
        visible = self.context.get("visible_passengers")
        if visible is None:
            visible = visible_passengers(self.context["request"].user, [flight])
        return {
            "id": str(flight.public_id),
            "reference": flight.reference,
            "date": flight.date.isoformat(),
            "origin": flight.origin,
            "destination": flight.destination,
            "organiser": flight.organiser,
            "capacity": flight.capacity,
            "status": flight.status,
            "manifest": [_manifest_entry(entry, visible) for entry in flight.manifest.all()],
        }


def _manifest_entry(entry, visible: set[int]) -> dict:
    if entry.person_id is None:
        person = None
    elif entry.person_id in visible:
        person = {"id": str(entry.person.public_id), "display_name": entry.person.display_name}
    else:
        person = WITHHELD_JSON
    return {
        "id": str(entry.public_id),
        "role": entry.role,
        "status": entry.status,
        "person": person,
        "escort_name": entry.escort_name,
    }


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
        # Only what the answer shows of each manifest row and passenger.
        rows = ManifestEntry.objects.select_related("person").only(
            "public_id",
            "flight_id",
            "role",
            "status",
            "escort_name",
            "person_id",
            "person__public_id",
            "person__display_name",
        )
        return RepatriationFlight.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("manifest", queryset=rows)
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
