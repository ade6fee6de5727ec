"""casework/api/reference.py and casework/api/flights.py: read-only reference data and flights."""

import json
import uuid

from casework.models import ManifestEntry
from tests.factories import FlightFactory, LocationFactory

WITHHELD = {"withheld": True}


def test_staff_list_locations_with_access_notes_only_for_those_who_place(world, api):
    location = LocationFactory(name="Test Camp", access_notes="Ask for the deputy")
    for persona, shown in [("caseworker", True), ("intake", False), ("dpo", False)]:
        results = api(getattr(world, persona)).get("/api/v1/locations/").json()["results"]
        assert [r["id"] for r in results] == [str(location.public_id)]
        assert (results[0]["access_notes"] == "Ask for the deputy") is shown


def test_locations_are_read_only(world, api):
    client = api(world.admin)
    response = client.post("/api/v1/locations/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 405


def test_a_partner_without_shared_placements_sees_no_location_as_if_missing(world, api):
    location = LocationFactory()
    client = api(world.partner)
    assert client.get("/api/v1/locations/").json()["results"] == []
    hidden = client.get(f"/api/v1/locations/{location.public_id}/")
    missing = client.get(f"/api/v1/locations/{uuid.uuid4()}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_a_flight_of_another_organisation_is_like_a_missing_one(world, api):
    south_flight = FlightFactory(organisation=world.south)
    client = api(world.supervisor)
    foreign = client.get(f"/api/v1/flights/{south_flight.public_id}/")
    missing = client.get(f"/api/v1/flights/{uuid.uuid4()}/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert client.get("/api/v1/flights/").json()["results"] == []


def test_a_manifest_shows_passengers_only_as_far_as_visible(world, api):
    flight = FlightFactory(organisation=world.north)
    ManifestEntry.objects.create(flight=flight, person=world.case_a)
    ManifestEntry.objects.create(flight=flight, person=world.protected_a)
    ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Testov Ruslan")
    manifest = api(world.caseworker).get(f"/api/v1/flights/{flight.public_id}/").json()["manifest"]
    people = [entry["person"] for entry in manifest]
    assert {"id": str(world.case_a.public_id), "display_name": "Alieva Madina"} in people
    assert WITHHELD in people  # the protected case the caseworker does not see
    assert "Protected" not in str(manifest)
    assert str(world.protected_a.public_id) not in str(manifest)
    escort = next(entry for entry in manifest if entry["role"] == "escort")
    assert escort["person"] is None and escort["escort_name"] == "Testov Ruslan"


def test_a_flight_is_written_as_its_declared_fields_would_give(world, api):
    """The flight list writes flights without DRF's per-field machinery (bench/README.md): the
    same answer, value for value, as the declared serializer."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from casework.api.flights import FlightSerializer, FlightViewSet, manifests_of

    flight = FlightFactory(organisation=world.north)
    ManifestEntry.objects.create(flight=flight, person=world.case_a)
    ManifestEntry.objects.create(flight=flight, person=world.protected_a)
    ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Testov Ruslan")
    request = APIRequestFactory().get("/api/v1/flights/")
    request.user = world.caseworker
    view = FlightViewSet(request=request, format_kwarg=None)
    [loaded] = view.get_queryset().filter(pk=flight.pk)
    context = {
        "request": request,
        "manifests": manifests_of(world.caseworker, [loaded]),
    }
    serializer = FlightSerializer(loaded, context=context)
    declared = serializers.ModelSerializer.to_representation(serializer, loaded)
    assert serializer.data == declared
    assert len(declared["manifest"]) == 3
    listed = api(world.caseworker).get("/api/v1/flights/").json()["results"]
    assert [r for r in listed if r["id"] == str(flight.public_id)] == [
        json.loads(json.dumps(declared, default=str))
    ]
