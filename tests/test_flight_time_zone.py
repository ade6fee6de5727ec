"""A flight's dates and times are read in its own time zone, not the server's (UTC): "today" for
boarding, "in the future" and "before the flight" for a handover, and every time the flight page
shows. The flights here are run in Asia/Baghdad (UTC+3, no summer time), and the clock is stopped
around midnight, when Baghdad is already on the next day and the server is not."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings

from casework.models import ManifestEntry, PersonStatus
from casework.services.errors import ServiceError
from casework.services.flights import (
    flight_create,
    flight_update,
    handover_record,
    manifest_mark_boarded,
)
from casework.services.form_tokens import new_form_token
from casework.workflow import boarding_moves
from tests.factories import FlightFactory, PersonFactory

BAGHDAD = "Asia/Baghdad"
FLIGHT_DAY = dt.date(2026, 3, 10)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@contextmanager
def clock(moment: dt.datetime):
    """Stop the clock at `moment`: `django.utils.timezone.now`, which the workflow and the
    services (the modules under test) read as `timezone.now`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def flight(world):
    assert settings.TIME_ZONE == "UTC"
    return FlightFactory(organisation=world.north, date=FLIGHT_DAY, time_zone=BAGHDAD)


def _passenger(world, flight, **entry):
    child = PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status=PersonStatus.ON_MANIFEST,
        display_name="Baghdadova Safiya",
        birth_precision="year",
        birth_date=dt.date(2016, 1, 1),
        birth_earliest=dt.date(2016, 1, 1),
        birth_latest=dt.date(2016, 12, 31),
    )
    entry = {"status": "approved", **entry}
    return ManifestEntry.objects.create(
        flight=flight, person=child, approved_by=world.supervisor, **entry
    )


def _handover(world, entry, handed_at):
    return handover_record(
        actor=world.caseworker,
        manifest_entry=entry,
        recipient_kind="child_services",
        recipient_name="Child services of Grozny",
        recipient_relationship="",
        handed_at=handed_at,
        place="Grozny airport",
        documents="",
    )


# --- Boarding ------------------------------------------------------------------------------------


def test_boarding_opens_at_midnight_where_the_flight_is_run(world, flight):
    entry = _passenger(world, flight)
    with clock(utc(2026, 3, 9, 20, 30)):  # 23:30 in Baghdad, the day before the flight
        assert boarding_moves(entry, flight) == set()
        with pytest.raises(ServiceError):
            manifest_mark_boarded(actor=world.caseworker, entry=entry)
    with clock(utc(2026, 3, 9, 21, 30)):  # 00:30 on the flight's day in Baghdad, 9 March in UTC
        assert "boarded" in boarding_moves(entry, flight)
        manifest_mark_boarded(actor=world.caseworker, entry=entry)
    entry.refresh_from_db()
    assert entry.status == "boarded"
    assert entry.boarded_at == utc(2026, 3, 9, 21, 30)


def test_a_flight_behind_the_server_does_not_board_before_its_day(world):
    flight = FlightFactory(organisation=world.north, date=FLIGHT_DAY, time_zone="America/Bogota")
    entry = _passenger(world, flight)
    with clock(utc(2026, 3, 10, 2, 0)):  # 10 March in UTC, still 21:00 on 9 March in Bogotá
        assert boarding_moves(entry, flight) == set()


# --- Handover ------------------------------------------------------------------------------------


def test_a_handover_typed_in_baghdad_time_just_after_midnight_is_accepted(world, login, flight):
    entry = _passenger(world, flight, status="boarded", boarded_at=utc(2026, 3, 9, 21, 35))
    with clock(utc(2026, 3, 9, 22, 30)):  # 01:30 on 10 March in Baghdad
        response = login(world.caseworker).post(
            f"/flights/{flight.public_id}/manifest/{entry.public_id}/handover/",
            {
                "form_token": new_form_token(),
                "recipient_kind": "child_services",
                "recipient_name": "Child services of Grozny",
                "handed_at": "2026-03-10 01:15",
                "place": "Grozny airport",
            },
        )
    assert response.status_code == 302, response.content.decode()
    assert entry.handover.handed_at == utc(2026, 3, 9, 22, 15)


def test_a_handover_later_than_now_in_baghdad_is_in_the_future(world, login, flight):
    entry = _passenger(world, flight, status="boarded", boarded_at=utc(2026, 3, 9, 21, 35))
    with clock(utc(2026, 3, 9, 22, 30)):
        response = login(world.caseworker).post(
            f"/flights/{flight.public_id}/manifest/{entry.public_id}/handover/",
            {
                "form_token": new_form_token(),
                "recipient_kind": "child_services",
                "recipient_name": "Child services of Grozny",
                "handed_at": "2026-03-10 02:00",
            },
        )
    assert response.status_code == 400
    assert "it is now 2026-03-10 01:30 in Asia/Baghdad" in response.content.decode()
    assert not hasattr(ManifestEntry.objects.get(pk=entry.pk), "handover")


def test_a_handover_before_the_boarding_is_refused(world, flight):
    entry = _passenger(world, flight, status="boarded", boarded_at=utc(2026, 3, 9, 21, 35))
    with clock(utc(2026, 3, 9, 22, 30)), pytest.raises(ServiceError) as refused:
        _handover(world, entry, utc(2026, 3, 9, 21, 20))  # 00:20 in Baghdad
    assert refused.value.message_dict["handed_at"] == [
        "The handover is before the boarding, recorded at 2026-03-10 00:35 (Asia/Baghdad)."
    ]


def test_a_handover_on_the_day_before_the_flight_in_baghdad_is_refused(world, flight):
    # Boarding recorded before boarding times were kept: the flight's day is the bound.
    entry = _passenger(world, flight, status="boarded")
    with clock(utc(2026, 3, 10, 12, 0)), pytest.raises(ServiceError) as refused:
        _handover(world, entry, utc(2026, 3, 9, 20, 50))  # 23:50 on 9 March in Baghdad
    assert refused.value.message_dict["handed_at"] == ["The handover is before the flight."]


# --- The flight page and the flight's zone -------------------------------------------------


def test_the_flight_page_shows_boarding_and_handover_times_in_the_flights_zone(
    world, login, flight
):
    entry = _passenger(world, flight, status="boarded", boarded_at=utc(2026, 3, 9, 21, 35))
    with clock(utc(2026, 3, 9, 22, 30)):
        _handover(world, entry, utc(2026, 3, 9, 22, 15))
        body = login(world.caseworker).get(f"/flights/{flight.public_id}/").content.decode()
    assert "Asia/Baghdad" in body
    assert "now 2026-03-10 01:30 there" in body
    assert "boarded 2026-03-10 00:35" in body
    assert "Handed over 2026-03-10 01:15" in body
    assert "2026-03-09 21:35" not in body


def test_a_flight_is_run_in_the_servers_zone_unless_told_otherwise(world):
    flight = flight_create(
        actor=world.supervisor,
        reference="TZ-1",
        date=FLIGHT_DAY,
        origin="Baghdad",
        destination="Grozny",
        capacity=10,
    )
    assert flight.time_zone == settings.TIME_ZONE
    flight = flight_update(
        actor=world.supervisor, flight=flight, expected_version=1, time_zone=BAGHDAD
    )
    assert flight.time_zone == BAGHDAD


@pytest.mark.parametrize("zone", ["Baghdad", "UTC+3", "Nowhere/Else", 3])
def test_a_time_zone_is_an_iana_name(world, zone):
    with pytest.raises(ServiceError) as refused:
        flight_create(
            actor=world.supervisor,
            reference="TZ-2",
            date=FLIGHT_DAY,
            origin="Baghdad",
            destination="Grozny",
            capacity=10,
            time_zone=zone,
        )
    assert "time_zone" in refused.value.message_dict


def test_the_flight_form_offers_the_zone_and_saves_it(world, login):
    client = login(world.caseworker)
    form = client.get("/flights/new/").content.decode()
    assert '<option value="Asia/Baghdad">' in form
    response = client.post(
        "/flights/new/",
        {
            "form_token": new_form_token(),
            "reference": "TZ-3",
            "date": "2026-03-10",
            "origin": "Baghdad",
            "destination": "Grozny",
            "capacity": "10",
            "status": "planned",
            "time_zone": BAGHDAD,
        },
    )
    assert response.status_code == 302
    assert world.north.flights.get(reference="TZ-3").time_zone == BAGHDAD
