"""Repatriation flights over the API (read-only), for those who plan them. Each passenger on a
manifest shows only as far as the caller may see that person; an escort is named."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied
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
        if entry.person_id is None:
            return None
        passenger = self.context["visible_passengers"].get(entry.person_id)
        return WITHHELD_JSON if passenger is None else passenger


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
        """The declared fields written out directly, each manifest as `manifests_of` reads it: a
        page of 100 flights carries thousands of manifest rows, and DRF's per-field machinery and
        a model instance per row cost most of the list's time (bench/README.md). `test_reference`
        holds this to what the declared fields would give."""
        manifests = self.context.get("manifests")
        if manifests is None:
            manifests = manifests_of(self.context["request"].user, [flight])
        return {
            "id": str(flight.public_id),
            "reference": flight.reference,
            "date": flight.date.isoformat(),
            "origin": flight.origin,
            "destination": flight.destination,
            "organiser": flight.organiser,
            "capacity": flight.capacity,
            "status": flight.status,
            "manifest": manifests.get(flight.pk, []),
        }


def _entries_of(flights):
    return ManifestEntry.objects.filter(flight_id__in=[flight.pk for flight in flights])


def visible_passengers(user, flights) -> dict[int, dict]:
    """The passengers of these flights the user may see, as the API shows them, by person pk: one
    query for a page of flights, the gate narrowed by a subquery of the manifests (not a list of
    thousands of ids, whose parameters alone cost more Python than the rest of the page)."""
    rows = (
        Person.objects.visible_to(user)
        .filter(pk__in=_entries_of(flights).filter(person__isnull=False).values("person_id"))
        .order_by()
        .values_list("pk", "public_id", "display_name")
    )
    return {pk: {"id": str(public_id), "display_name": name} for pk, public_id, name in rows}


def manifests_of(user, flights) -> dict[int, list[dict]]:
    """Each flight's manifest as the API writes it, by flight pk, in the manifest's order: two
    queries for a page of flights, its rows read as plain values (a model instance per row cost
    most of the list's time)."""
    visible = visible_passengers(user, flights)
    rows = (
        _entries_of(flights)
        .order_by("role", "id")  # the manifest's order within a flight (Meta.ordering)
        .values_list("flight_id", "public_id", "role", "status", "escort_name", "person_id")
    )
    manifests: dict[int, list[dict]] = defaultdict(list)
    for flight_id, public_id, role, entry_status, escort_name, person_id in rows:
        manifests[flight_id].append(
            {
                "id": str(public_id),
                "role": role,
                "status": entry_status,
                "person": None if person_id is None else visible.get(person_id, WITHHELD_JSON),
                "escort_name": escort_name,
            }
        )
    return manifests


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
        # The manifests are read apart, as values (`manifests_of`).
        return RepatriationFlight.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {
            **self.get_serializer_context(),
            "manifests": manifests_of(request.user, page),
        }
        return self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )
