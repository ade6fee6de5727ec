"""What a partner reads of the persons shared with it (casework/api/placements.py, reference.py,
flights.py, reports.py and the persons' whereabouts and relationships), each exactly as its
agreement allows: two partners' tokens, each with its own agreement and persons; neither reads,
filters or finds its way to the other's records, to a person outside its share or to a withheld
field."""

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from casework.models import (
    AuditEvent,
    ManifestEntry,
    Person,
    Placement,
    Relationship,
    ReportEntry,
    SharedCase,
    SharingAgreement,
)
from tests.factories import FlightFactory, LocationFactory, PersonFactory, ReportFactory

WITHHELD = {"withheld": True}
EVERYTHING = ["display_name", "relationships", "whereabouts", "placements", "flights"]
# Every list a partner reads.
PARTNER_LISTS = (
    "/api/v1/persons/",
    "/api/v1/persons/changes/",
    "/api/v1/placements/",
    "/api/v1/locations/",
    "/api/v1/flights/",
    "/api/v1/reports/",
)


@dataclass
class Share:
    """One partner's side: its persons, their places, flights and reports."""

    person: Person
    sibling: Person
    current: Placement
    earlier: Placement
    sighting: Placement
    flight: object
    report: object


def _placement(person, location, start, **kwargs):
    return Placement.objects.create(
        person=person,
        location=location,
        start_date=start,
        source="visit",
        reliability=kwargs.pop("reliability", "confirmed"),
        notes="Seen by our field officer",
        **kwargs,
    )


def _side(world, agreement, person, partner_org, outsider) -> Share:
    sibling = PersonFactory(organisation=world.north, team=world.team_a)
    SharedCase.objects.get_or_create(agreement=agreement, person=person)
    SharedCase.objects.create(agreement=agreement, person=sibling)
    Relationship.objects.create(from_person=person, to_person=sibling, kind="sibling")
    # A link to a person outside the share: never shown, not even the other end's id.
    Relationship.objects.create(from_person=outsider, to_person=person, kind="mother")
    camp, prison, market = (LocationFactory(access_notes="Ask for the deputy") for _ in range(3))
    earlier = _placement(person, prison, dt.date(2019, 1, 1), start_precision="year")
    current = _placement(person, camp, dt.date(2023, 5, 1), start_precision="month")
    sighting = _placement(person, market, dt.date(2024, 2, 3), is_sighting=True)
    _placement(outsider, LocationFactory(), dt.date(2024, 1, 1))
    flight = FlightFactory(organisation=world.north)
    ManifestEntry.objects.create(flight=flight, person=person)
    ManifestEntry.objects.create(flight=flight, person=outsider)
    ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Testov Ruslan")
    report = ReportFactory(organisation=world.north, channel="partner", source_partner=partner_org)
    ReportEntry.objects.create(
        report=report, position=1, family_name="Testova", given_name="Madina", sex="F"
    )
    return Share(person, sibling, current, earlier, sighting, flight, report)


@pytest.fixture
def two(world):
    """Partner A (the world's partner) and partner B (the stranger, given an agreement of its
    own), each sharing everything of its own persons; `outsider` is shared with neither."""
    world.agreement.shared_fields = EVERYTHING
    world.agreement.save()
    agreement_b = SharingAgreement.objects.create(
        owner=world.north,
        partner=world.stranger_org,
        title="North shares with Stranger NGO",
        shared_fields=EVERYTHING,
        valid_from=dt.date(2025, 1, 1),
    )
    outsider = PersonFactory(organisation=world.north, team=world.team_a, display_name="Outova")
    a = _side(world, world.agreement, world.case_a, world.partner_org, outsider)
    b = _side(world, agreement_b, world.case_b, world.stranger_org, outsider)
    return a, b, outsider, agreement_b


def _text(response) -> str:
    return response.content.decode()


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Persons: whereabouts and relationships ---------------------------------------------------


def test_a_person_carries_whereabouts_and_only_relationships_within_the_share(world, api, two):
    a, _b, outsider, _ = two
    response = api(world.partner).get(f"/api/v1/persons/{a.person.public_id}/")
    body = response.json()
    assert body["whereabouts"] == {
        "placement": str(a.current.public_id),
        "location": str(a.current.location.public_id),
        "place": a.current.location.name,
        "since": "2023-05-01",
        "since_precision": "month",
    }
    [link] = body["relationships"]
    assert link["from_person"] == str(a.person.public_id)
    assert link["to_person"] == str(a.sibling.public_id)
    assert link["kind"] == "sibling"
    assert str(outsider.public_id) not in _text(response)


def test_fields_the_agreement_does_not_name_are_withheld(world, api, two):
    a, *_ = two
    world.agreement.shared_fields = ["display_name"]
    world.agreement.save()
    client = api(world.partner)
    body = client.get(f"/api/v1/persons/{a.person.public_id}/").json()
    assert body["whereabouts"] == WITHHELD
    assert body["relationships"] == WITHHELD
    assert _ids(client.get("/api/v1/placements/")) == set()
    assert _ids(client.get("/api/v1/locations/")) == set()
    assert _ids(client.get("/api/v1/flights/")) == set()
    assert client.get(f"/api/v1/placements/{a.current.public_id}/").status_code == 404


def test_a_relationship_to_a_person_shared_without_relationships_is_not_shown(world, api, two):
    a, *_ = two
    # The sibling is shared under a second agreement that shares no relationships.
    other = SharingAgreement.objects.create(
        owner=world.north,
        partner=world.partner_org,
        title="Names only",
        shared_fields=["display_name"],
        valid_from=dt.date(2025, 1, 1),
    )
    SharedCase.objects.filter(agreement=world.agreement, person=a.sibling).delete()
    SharedCase.objects.create(agreement=other, person=a.sibling)
    body = api(world.partner).get(f"/api/v1/persons/{a.person.public_id}/").json()
    assert body["relationships"] == []


def test_an_agreement_sharing_whereabouts_alone_shows_the_current_placement_only(world, api, two):
    a, *_ = two
    world.agreement.shared_fields = ["display_name", "whereabouts"]
    world.agreement.save()
    client = api(world.partner)
    assert _ids(client.get("/api/v1/placements/")) == {str(a.current.public_id)}
    assert _ids(client.get("/api/v1/locations/")) == {str(a.current.location.public_id)}
    assert client.get(f"/api/v1/placements/{a.earlier.public_id}/").status_code == 404
    body = client.get(f"/api/v1/persons/{a.person.public_id}/").json()
    assert body["whereabouts"]["placement"] == str(a.current.public_id)


# --- Placements -------------------------------------------------------------------------------


def test_a_partner_lists_the_placements_of_its_own_persons_only(world, api, two):
    a, b, outsider, _ = two
    client = api(world.partner)
    response = client.get("/api/v1/placements/")
    assert _ids(response) == {str(p.public_id) for p in (a.current, a.earlier, a.sighting)}
    row = next(r for r in response.json()["results"] if r["id"] == str(a.earlier.public_id))
    assert row["start_date"] == "2019-01-01" and row["start_precision"] == "year"
    assert row["person"] == str(a.person.public_id)
    # Who recorded it and the caseworkers' notes never leave.
    assert "notes" not in row and "recorded_by" not in row
    assert "field officer" not in _text(response)
    assert str(outsider.public_id) not in _text(response)
    # B's are as missing to A, by id or by filter.
    hidden = client.get(f"/api/v1/placements/{b.current.public_id}/")
    missing = client.get(f"/api/v1/placements/{uuid.uuid4()}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert _ids(client.get(f"/api/v1/placements/?person={b.person.public_id}")) == set()
    assert _ids(client.get(f"/api/v1/placements/?person={a.person.public_id}")) == {
        str(p.public_id) for p in (a.current, a.earlier, a.sighting)
    }
    assert _ids(client.get("/api/v1/placements/?is_sighting=true")) == {str(a.sighting.public_id)}
    # B sees its own and none of A's.
    assert str(a.current.public_id) not in _text(
        api(world.partner_without_agreement).get("/api/v1/placements/")
    )


def test_the_placement_list_refuses_ordering_and_bad_filters_by_name(world, api, two):
    client = api(world.partner)
    from tests.api.conftest import fields_of

    assert fields_of(client.get("/api/v1/placements/?ordering=-start_date")) == {"ordering"}
    assert fields_of(client.get("/api/v1/placements/?person=nope")) == {"person"}
    assert fields_of(client.get("/api/v1/placements/?updated_since=yesterday")) == {"updated_since"}


def test_placements_page_by_cursor_and_since_a_moment(world, api, two):
    a, *_ = two
    client = api(world.partner)
    first = client.get("/api/v1/placements/?page_size=2").json()
    second = client.get(first["next"]).json()
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 3
    later = timezone.now() + dt.timedelta(seconds=1)
    Placement.objects.filter(pk=a.sighting.pk).update(updated_at=later)
    since = later.isoformat().replace("+00:00", "Z")
    assert _ids(client.get(f"/api/v1/placements/?updated_since={since}")) == {
        str(a.sighting.public_id)
    }


def test_a_placement_has_an_etag_and_answers_304(world, api, two):
    a, *_ = two
    client = api(world.partner)
    url = f"/api/v1/placements/{a.current.public_id}/"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_page_of_placements_is_one_read_event_naming_its_persons(world, api, two):
    a, *_ = two
    client = api(world.partner)
    before = AuditEvent.objects.count()
    client.get("/api/v1/placements/")
    [event] = AuditEvent.objects.all()[before:]
    assert event.action == "read_sensitive"
    assert event.changes["view"] == "api_placement_list"
    assert event.changes["records"] == [str(a.person.public_id)]


# --- Locations --------------------------------------------------------------------------------


def test_a_partner_reads_the_places_its_persons_are_or_were_at_without_access_notes(
    world, api, two
):
    a, b, *_ = two
    client = api(world.partner)
    response = client.get("/api/v1/locations/")
    assert _ids(response) == {str(p.location.public_id) for p in (a.current, a.earlier, a.sighting)}
    assert all(row["access_notes"] == WITHHELD for row in response.json()["results"])
    assert "deputy" not in _text(response)
    assert client.get(f"/api/v1/locations/{b.current.location.public_id}/").status_code == 404
    detail = client.get(f"/api/v1/locations/{a.current.location.public_id}/")
    assert detail.status_code == 200
    assert (
        client.get(detail.request["PATH_INFO"], HTTP_IF_NONE_MATCH=detail["ETag"]).status_code
        == 304
    )


# --- Flights ----------------------------------------------------------------------------------


def test_a_partner_reads_its_passengers_flights_with_their_rows_only(world, api, two):
    a, b, outsider, _ = two
    client = api(world.partner)
    response = client.get("/api/v1/flights/")
    [flight] = response.json()["results"]
    assert flight["id"] == str(a.flight.public_id)
    [row] = flight["manifest"]
    assert row["person"] == {"id": str(a.person.public_id), "display_name": a.person.display_name}
    assert flight["other_passengers"] == 1
    assert str(outsider.public_id) not in _text(response)
    assert "Outova" not in _text(response) and "Testov Ruslan" not in _text(response)
    hidden = client.get(f"/api/v1/flights/{b.flight.public_id}/")
    assert hidden.status_code == 404
    detail = client.get(f"/api/v1/flights/{a.flight.public_id}/")
    assert detail.json() == flight
    assert (
        client.get(
            f"/api/v1/flights/{a.flight.public_id}/", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )


def test_a_passengers_name_shows_only_when_the_agreement_shares_it(world, api, two):
    a, *_ = two
    world.agreement.shared_fields = ["flights"]
    world.agreement.save()
    [flight] = api(world.partner).get("/api/v1/flights/").json()["results"]
    assert flight["manifest"][0]["person"] == {
        "id": str(a.person.public_id),
        "display_name": WITHHELD,
    }


def test_staff_still_see_every_row_of_their_flights(world, api, two):
    a, *_ = two
    flight = api(world.supervisor).get(f"/api/v1/flights/{a.flight.public_id}/").json()
    assert len(flight["manifest"]) == 3
    assert flight["other_passengers"] == 0


# --- Reports ----------------------------------------------------------------------------------


def test_a_partner_reads_its_reports_back_with_their_entries(world, api, two):
    a, b, *_ = two
    client = api(world.partner)
    response = client.get("/api/v1/reports/")
    assert _ids(response) == {str(a.report.public_id)}
    [report] = response.json()["results"]
    [entry] = report["entries"]
    assert entry["sent"] == {"family_name": "Testova", "given_name": "Madina", "sex": "F"}
    assert entry["processed"] is False
    assert entry["outcome"] == WITHHELD
    text = _text(response)
    assert "Testova Zarema" not in text and "triaged_by" not in text
    assert client.get(f"/api/v1/reports/{b.report.public_id}/").status_code == 404
    detail = client.get(f"/api/v1/reports/{a.report.public_id}/")
    assert detail.json() == report


def test_a_processed_entry_moves_the_report_into_updated_since(world, api, two):
    a, *_ = two
    client = api(world.partner)
    later = timezone.now() + dt.timedelta(seconds=1)
    since = later.isoformat().replace("+00:00", "Z")
    assert _ids(client.get(f"/api/v1/reports/?updated_since={since}")) == set()
    from casework.services.reports import report_triage_entry

    [entry] = a.report.entries.all()
    report_triage_entry(actor=world.supervisor, entry=entry, person=a.person)
    type(a.report).objects.filter(pk=a.report.pk).update(updated_at=later)
    response = client.get(f"/api/v1/reports/?updated_since={since}")
    assert _ids(response) == {str(a.report.public_id)}
    [entry_read] = response.json()["results"][0]["entries"]
    assert entry_read["processed"] is True and entry_read["outcome"] == WITHHELD


# --- An agreement that ends -------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["revoked", "expired"])
def test_an_ended_agreement_hides_everything(world, api, two, ending):
    a, *_ = two
    if ending == "revoked":
        world.agreement.revoked_at = timezone.now()
    else:
        world.agreement.valid_until = timezone.localdate() - dt.timedelta(days=1)
    world.agreement.save()
    client = api(world.partner)
    for url in (
        "/api/v1/persons/",
        "/api/v1/placements/",
        "/api/v1/locations/",
        "/api/v1/flights/",
    ):
        assert _ids(client.get(url)) == set(), url
    for url in (
        f"/api/v1/persons/{a.person.public_id}/",
        f"/api/v1/placements/{a.current.public_id}/",
        f"/api/v1/locations/{a.current.location.public_id}/",
        f"/api/v1/flights/{a.flight.public_id}/",
    ):
        assert client.get(url).status_code == 404, url


def test_nothing_of_the_other_partner_is_in_any_answer(world, api, two):
    """Every list and record A may call, read whole: no id of B's persons or records."""
    a, b, outsider, _ = two
    client = api(world.partner)
    foreign = {
        str(x.public_id)
        for x in (b.person, b.sibling, b.current, b.earlier, b.sighting, b.flight, b.report)
    } | {str(b.current.location.public_id), str(outsider.public_id)}
    urls = [
        *PARTNER_LISTS,
        f"/api/v1/persons/{a.person.public_id}/",
        f"/api/v1/flights/{a.flight.public_id}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = json.dumps(response.json())
        assert not any(public_id in text for public_id in foreign), url


# --- The change feed --------------------------------------------------------------------------


def test_a_new_placement_or_relationship_brings_the_person_back_in_the_feed(world, api, two):
    from casework.services.placements import placement_record
    from casework.services.relationships import relationship_link
    from tests.api.feed import drain

    a, *_ = two
    client = api(world.partner)
    _items, cursor = drain(client)
    placement_record(
        actor=world.caseworker,
        person=a.person,
        location=LocationFactory(),
        start_date=dt.date(2025, 6, 1),
        source="visit",
        reliability="confirmed",
    )
    [item], cursor = drain(client, cursor)
    assert item["id"] == str(a.person.public_id)
    assert item["whereabouts"]["since"] == "2025-06-01"
    cousin = PersonFactory(organisation=world.north, team=world.team_a)
    SharedCase.objects.create(agreement=world.agreement, person=cousin)
    _items, cursor = drain(client, cursor)
    relationship_link(actor=world.caseworker, person=a.person, relative=cousin, kind="guardian")
    items, _cursor = drain(client, cursor)
    assert {item["id"] for item in items} == {str(a.person.public_id), str(cousin.public_id)}
    [mine] = [item for item in items if item["id"] == str(a.person.public_id)]
    assert str(cousin.public_id) in {link["from_person"] for link in mine["relationships"]}


def test_the_report_feed_brings_each_report_again_when_it_changes(world, api, two):
    from casework.services.reports import report_triage_entry

    a, b, *_ = two
    client = api(world.partner)

    def drain(cursor=None):
        items = []
        while True:
            query = {"page_size": 1, **({"cursor": cursor} if cursor else {})}
            body = client.get("/api/v1/reports/changes/", query).json()
            items += body["results"]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return items, cursor

    items, cursor = drain()
    # B's report never; A's as it reads now, entries included.
    assert [item["id"] for item in items] == [str(a.report.public_id)]
    assert items[0]["entries"][0]["processed"] is False
    assert drain(cursor)[0] == []
    [entry] = a.report.entries.all()
    report_triage_entry(actor=world.supervisor, entry=entry, person=a.person)
    ReportEntry.objects.filter(report=b.report).update(family_name="Changed")
    b.report.save()
    items, cursor = drain(cursor)
    assert [item["id"] for item in items] == [str(a.report.public_id)]
    assert items[0]["entries"][0]["processed"] is True
    assert items[0]["entries"][0]["outcome"] == WITHHELD


def test_the_report_feed_is_a_partners_alone(world, api):
    assert api(world.supervisor).get("/api/v1/reports/changes/").status_code == 403
    response = api(world.partner).get("/api/v1/reports/changes/?cursor=forged")
    assert response.status_code == 400
