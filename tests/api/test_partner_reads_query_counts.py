"""What a partner reads beyond the persons' own fields costs the same number of queries for a
page of 2 records or 30: placements, locations, flights with their manifests, reports with their
entries, and persons with their whereabouts and relationships."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import ManifestEntry, Placement, Relationship, ReportEntry, SharedCase
from tests.api.test_partner_reads import EVERYTHING, PARTNER_LISTS
from tests.factories import FlightFactory, LocationFactory, PersonFactory, ReportFactory


def _shared_family(world, n):
    """n shared persons, each with a shared relative, a placement at a place of its own, a flight
    with another passenger, and a report of the partner's with two entries."""
    outsider = PersonFactory(organisation=world.north, team=world.team_a)
    for i in range(n):
        person = PersonFactory(organisation=world.north, team=world.team_a)
        relative = PersonFactory(organisation=world.north, team=world.team_a)
        for someone in (person, relative):
            SharedCase.objects.create(agreement=world.agreement, person=someone)
        Relationship.objects.create(from_person=relative, to_person=person, kind="mother")
        Placement.objects.create(
            person=person,
            location=LocationFactory(),
            start_date=dt.date(2020, 1, 1 + i % 28),
            source="visit",
            reliability="confirmed",
        )
        flight = FlightFactory(organisation=world.north)
        ManifestEntry.objects.create(flight=flight, person=person)
        ManifestEntry.objects.create(flight=flight, person=outsider)
        report = ReportFactory(
            organisation=world.north, channel="partner", source_partner=world.partner_org
        )
        for position in (1, 2):
            ReportEntry.objects.create(report=report, position=position, family_name="Testova")


def _count(client, url):
    # Once before: the change feed first takes in what was shared since (its own writes).
    client.get(url, {"page_size": 200})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content
    return len(ctx), len(response.json()["results"])


@pytest.mark.parametrize("url", PARTNER_LISTS)
def test_a_partners_page_costs_the_same_for_2_records_or_30(world, api, url):
    world.agreement.shared_fields = EVERYTHING
    world.agreement.save()
    client = api(world.partner)
    client.get("/api/v1/persons/")  # the first request of a token also notes its use
    _shared_family(world, 2)
    few, few_rows = _count(client, url)
    _shared_family(world, 28)
    many, many_rows = _count(client, url)
    assert many_rows > few_rows >= 2
    assert many == few, url
