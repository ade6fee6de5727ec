"""Repatriation flights over the API (read-only).

Those who plan flights read their organisation's flights with every manifest row, each passenger
shown only as far as they may see that person (an escort is named). A partner reads the flights
on which a person shared with it under an agreement that shares flights is a passenger, with the
manifest rows of those persons only: the other rows are counted (`other_passengers`), never named.
Which rows show is the read gate's (`ManifestEntry.objects.visible_to`); what of each passenger
shows, the presenter's: a partner sees a passenger's name only when its agreement shares it. A
page that shows passengers is one audit event naming them all, as the persons list writes it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet
from casework.api.conditional import conditional_response, etag_for
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON
from casework.api.reads import record_page_reads
from casework.models import ManifestEntry, ManifestRole, Person, RepatriationFlight
from casework.permissions import Action, is_partner_system, may
from casework.presenters import WITHHELD, present_persons
from casework.selectors import flights_with_passenger_counts

# What a manifest shows of each passenger, as the audit trail names it.
READ_FIELDS = ["flights"]


class ManifestEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    role = serializers.CharField()
    status = serializers.CharField()
    person = serializers.SerializerMethodField(
        help_text='{"id", "display_name"} of a passenger you may see (the name {"withheld": '
        'true} when your agreement does not share it), else {"withheld": true}; null for an '
        "escort."
    )
    escort_name = serializers.CharField()

    def get_person(self, entry) -> dict | None:
        return _manifest_entry(entry, self.context["passengers"])["person"]


class FlightSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    manifest = ManifestEntrySerializer(many=True, read_only=True)
    other_passengers = serializers.SerializerMethodField(
        help_text="Passengers on the manifest whose rows you may not see: counted, not named."
    )

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
            "other_passengers",
        ]

    def get_other_passengers(self, flight) -> int:
        return _other_passengers(flight)

    def to_representation(self, flight) -> dict:
        """The declared fields written out directly: a page of 100 flights carries thousands of
        manifest rows, and DRF's per-field machinery cost ~1 s of Python for them (bench/README.md).
        `test_reference` holds this to what the declared fields would give."""
        passengers = self.context.get("passengers")
        if passengers is None:
            passengers = shown_passengers(self.context["request"].user, [flight])
        return {
            "id": str(flight.public_id),
            "reference": flight.reference,
            "date": flight.date.isoformat(),
            "origin": flight.origin,
            "destination": flight.destination,
            "organiser": flight.organiser,
            "capacity": flight.capacity,
            "status": flight.status,
            "manifest": [_manifest_entry(entry, passengers) for entry in flight.manifest.all()],
            "other_passengers": _other_passengers(flight),
        }


def _other_passengers(flight) -> int:
    shown = sum(1 for entry in flight.manifest.all() if entry.role == ManifestRole.PASSENGER)
    return flight.passenger_count - shown


def _manifest_entry(entry, passengers: dict[int, dict]) -> dict:
    # An escort's row names no person; a passenger the caller may not see is masked.
    person = None if entry.person_id is None else passengers.get(entry.person_id, WITHHELD_JSON)
    return {
        "id": str(entry.public_id),
        "role": entry.role,
        "status": entry.status,
        "person": person,
        "escort_name": entry.escort_name,
    }


def shown_passengers(user, flights) -> dict[int, dict]:
    """What the manifests of these flights show of each passenger the user may see, by person id:
    a constant number of queries for a whole page of flights (their manifests prefetched)."""
    person_ids = {e.person_id for f in flights for e in f.manifest.all() if e.person_id}
    if not person_ids:
        return {}
    persons = Person.objects.visible_to(user).filter(pk__in=person_ids)
    views = present_persons(user, persons, ["display_name"], read=None)
    return {
        view.person.pk: {
            "id": str(view.person.public_id),
            "display_name": (
                WITHHELD_JSON if view["display_name"] is WITHHELD else view["display_name"]
            ),
        }
        for view in views
    }


def _passengers_shown(flights, passengers: dict[int, dict]) -> list[Person]:
    return [e.person for f in flights for e in f.manifest.all() if e.person_id in passengers]


class FlightViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = FlightSerializer
    pagination_class = KeysetPagination
    filter_backends = [UpdatedSinceFilter]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.offered_to(request.user):
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        return may(user, Action.MANAGE_FLIGHT) or is_partner_system(user)

    def get_queryset(self):
        user = self.request.user
        # Only the rows the caller may see, and only what the answer shows of each.
        rows = (
            ManifestEntry.objects.visible_to(user)
            .select_related("person")
            .only(
                "public_id",
                "flight_id",
                "role",
                "status",
                "escort_name",
                "person_id",
                "person__public_id",
                "person__display_name",
                "person__organisation_id",
                "person__team_id",
                "person__assigned_to_id",
                "person__sensitivity",
            )
        )
        return flights_with_passenger_counts(user).prefetch_related(
            Prefetch("manifest", queryset=rows)
        )

    def _context(self, flights) -> dict:
        return {
            **self.get_serializer_context(),
            "passengers": shown_passengers(self.request.user, flights),
        }

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self._context(page)
        shown = _passengers_shown(page, context["passengers"])
        record_page_reads(request.user, "api_flight_list", shown, READ_FIELDS)
        return self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )

    def retrieve(self, request, *args, **kwargs):
        flight = self.get_object()
        context = self._context([flight])
        data = self.get_serializer(flight, context=context).data
        shown = _passengers_shown([flight], context["passengers"])
        record_page_reads(request.user, "api_flight_detail", shown, READ_FIELDS)
        return conditional_response(request, data, etag_for(data))
