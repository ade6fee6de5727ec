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

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet
from casework.api.conditional import conditional_response, etag_for
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON
from casework.api.reads import record_view_reads
from casework.models import (
    FLIGHT_DESCRIPTION,
    ManifestEntry,
    ManifestRole,
    Person,
    RepatriationFlight,
)
from casework.permissions import Action, is_partner_system, may
from casework.presenters import WITHHELD, PersonView, present_persons
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
        # `FlightSerializer.to_representation` writes the rows itself; this is what it stands for.
        if entry.person_id is None:
            return None
        return self.context["manifests"].passengers.get(entry.person_id, WITHHELD_JSON)


class FlightSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    manifest = ManifestEntrySerializer(many=True, read_only=True)
    other_passengers = serializers.SerializerMethodField(
        help_text="Passengers on the manifest whose rows you may not see: counted, not named."
    )

    class Meta:
        model = RepatriationFlight
        fields = ["id", *FLIGHT_DESCRIPTION, "manifest", "other_passengers"]

    def get_other_passengers(self, flight) -> int:
        return flight.passenger_count - self.context["manifests"].shown.get(flight.pk, 0)

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
            "manifest": manifests.rows.get(flight.pk, []),
            "other_passengers": flight.passenger_count - manifests.shown.get(flight.pk, 0),
        }


def _entries_of(user, flights):
    """The manifest rows of these flights the user may see (a partner: its shared persons')."""
    return ManifestEntry.objects.visible_to(user).filter(flight_id__in=[f.pk for f in flights])


def shown_passengers(user, flights) -> tuple[dict[int, dict], list[PersonView]]:
    """What the manifests of these flights show of each passenger the user may see, by person pk,
    and those persons (for the audit trail): one query for a page of flights, the gate narrowed by
    a subquery of the manifests (not a list of thousands of ids, whose parameters alone cost more
    Python than the rest of the page)."""
    persons = (
        Person.objects.visible_to(user)
        .filter(pk__in=_entries_of(user, flights).filter(person__isnull=False).values("person_id"))
        .order_by()
        .only(
            "public_id",
            "display_name",
            "organisation_id",
            "team_id",
            "assigned_to_id",
            "sensitivity",
        )
    )
    views = present_persons(user, persons, ["display_name"], read=None)
    shown = {
        view.person.pk: {
            "id": str(view.person.public_id),
            "display_name": (
                WITHHELD_JSON if view["display_name"] is WITHHELD else view["display_name"]
            ),
        }
        for view in views
    }
    return shown, views


@dataclass(frozen=True)
class Manifests:
    rows: dict[int, list[dict]]  # each flight's manifest as the API writes it, by flight pk
    shown: dict[int, int]  # how many passengers each flight's manifest shows
    passengers: dict[int, dict]  # what it shows of each, by person pk
    views: list[PersonView]  # those persons as presented (with their level), for the audit trail


def manifests_of(user, flights) -> Manifests:
    """The manifests of a page of flights in three queries, the rows read as plain values (a
    model instance per row cost most of the list's time), in the manifest's order."""
    passengers, views = shown_passengers(user, flights)
    rows = (
        _entries_of(user, flights)
        .order_by("role", "id")  # the manifest's order within a flight (Meta.ordering)
        .values_list("flight_id", "public_id", "role", "status", "escort_name", "person_id")
    )
    manifests: dict[int, list[dict]] = defaultdict(list)
    shown_counts: dict[int, int] = defaultdict(int)
    for flight_id, public_id, role, entry_status, escort_name, person_id in rows:
        # An escort's row names no person; a passenger the caller may not see is masked.
        manifests[flight_id].append(
            {
                "id": str(public_id),
                "role": role,
                "status": entry_status,
                "person": None if person_id is None else passengers.get(person_id, WITHHELD_JSON),
                "escort_name": escort_name,
            }
        )
        if role == ManifestRole.PASSENGER:
            shown_counts[flight_id] += 1
    return Manifests(manifests, shown_counts, passengers, views)


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
        # The manifests are read apart, as values (`manifests_of`).
        return flights_with_passenger_counts(self.request.user)

    def _context(self, flights) -> dict:
        return {
            **self.get_serializer_context(),
            "manifests": manifests_of(self.request.user, flights),
        }

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self._context(page)
        record_view_reads(request.user, "api_flight_list", context["manifests"].views, READ_FIELDS)
        return self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )

    def retrieve(self, request, *args, **kwargs):
        flight = self.get_object()
        context = self._context([flight])
        data = self.get_serializer(flight, context=context).data
        record_view_reads(
            request.user, "api_flight_detail", context["manifests"].views, READ_FIELDS
        )
        return conditional_response(request, data, etag_for(data))
