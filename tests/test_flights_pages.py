"""The flights pages: a stale edit is refused with a conflict page, refusals are explained."""

from django.utils import timezone

from casework.models import ManifestEntry, PersonStatus
from casework.services.form_tokens import new_form_token
from tests.factories import FlightFactory, PersonFactory


def _edit_data(flight, **changes):
    data = {
        "reference": flight.reference,
        "date": flight.date.isoformat(),
        "origin": flight.origin,
        "destination": flight.destination,
        "organiser": "",
        "capacity": str(flight.capacity),
        "status": flight.status,
        "time_zone": flight.time_zone,
        "version": str(flight.version),
    }
    data.update(changes)
    return data


def test_a_stale_edit_gets_a_conflict_page_and_changes_nothing(world, login):
    flight = FlightFactory(organisation=world.north)
    stale = _edit_data(flight, capacity="5")
    first = login(world.caseworker).post(f"/flights/{flight.public_id}/edit/", _edit_data(flight))
    assert first.status_code == 302
    second = login(world.supervisor).post(f"/flights/{flight.public_id}/edit/", stale)
    assert second.status_code == 409
    assert "changed by someone else" in second.content.decode()
    flight.refresh_from_db()
    assert flight.capacity == 40


def test_approving_beyond_capacity_is_refused_with_a_message(world, login):
    flight = FlightFactory(organisation=world.north, capacity=0, date=timezone.localdate())
    person = PersonFactory(
        organisation=world.north, team=world.team_a, status=PersonStatus.CLEARED_FOR_RETURN
    )
    entry = ManifestEntry.objects.create(flight=flight, person=person)
    client = login(world.supervisor)
    response = client.post(
        f"/flights/{flight.public_id}/manifest/{entry.public_id}/approve/", follow=True
    )
    assert "The flight is full" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "proposed"


def test_proposing_the_same_person_twice_is_refused_with_a_message(world, login):
    flight = FlightFactory(organisation=world.north, date=timezone.localdate())
    person = PersonFactory(
        organisation=world.north, team=world.team_a, status=PersonStatus.CLEARED_FOR_RETURN
    )
    client = login(world.caseworker)
    url = f"/flights/{flight.public_id}/manifest/add/"
    client.post(url, {"persons": [str(person.public_id)], "form_token": new_form_token()})
    # Sent again from a fresh form (a second token): the service refuses it.
    again = {"persons": [str(person.public_id)], "form_token": new_form_token()}
    response = client.post(url, again)
    assert ManifestEntry.objects.filter(flight=flight, person=person).count() == 1
    assert response.status_code == 400
    assert "is already on this flight&#x27;s manifest" in response.content.decode()
    # The picker no longer offers a person already on the flight.
    assert response.context["rows"] == []


def test_a_flight_shows_its_own_history(world, login):
    from casework.services.flights import flight_update

    flight = FlightFactory(organisation=world.north, capacity=10)
    flight_update(
        actor=world.supervisor, flight=flight, expected_version=flight.version, capacity=12
    )
    page = login(world.caseworker).get(f"/flights/{flight.public_id}/")
    assert page.status_code == 200
    updates = [row for row in page.context["history"] if row["action"] == "update"]
    assert [row["fields"] for row in updates] == [["capacity"]]
    assert [row["actor_label"] for row in updates] == [world.supervisor.username]
    assert 'id="record-history"' in page.content.decode()


def test_boarding_is_offered_only_as_the_service_allows_it(world, login):
    flight = FlightFactory(organisation=world.north, date=timezone.localdate())
    proposed = ManifestEntry.objects.create(
        flight=flight,
        person=PersonFactory(
            organisation=world.north, team=world.team_a, status=PersonStatus.CLEARED_FOR_RETURN
        ),
    )
    approved = ManifestEntry.objects.create(
        flight=flight,
        status="approved",
        approved_by=world.supervisor,
        person=PersonFactory(
            organisation=world.north, team=world.team_a, status=PersonStatus.ON_MANIFEST
        ),
    )
    page = login(world.caseworker).get(f"/flights/{flight.public_id}/").content.decode()
    # A proposed passenger can only be recorded as not boarded; an approved one either way.
    assert f'id="board-{proposed.public_id}-no"' in page
    assert f'id="board-{proposed.public_id}-yes"' not in page
    assert f'id="board-{approved.public_id}-yes"' in page
    assert f'id="board-{approved.public_id}-no"' in page
    # And what the page does not offer, the service refuses.
    response = login(world.caseworker).post(
        f"/flights/{flight.public_id}/manifest/{proposed.public_id}/boarding/",
        {"boarded": "yes"},
        follow=True,
    )
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    assert "cannot be marked boarded" in response.content.decode()


def test_a_completed_flight_offers_no_proposal_or_approval(world, login):
    flight = FlightFactory(organisation=world.north, date=timezone.localdate(), status="completed")
    ManifestEntry.objects.create(
        flight=flight,
        person=PersonFactory(
            organisation=world.north, team=world.team_a, status=PersonStatus.CLEARED_FOR_RETURN
        ),
    )
    page = login(world.supervisor).get(f"/flights/{flight.public_id}/").content.decode()
    assert 'id="propose"' not in page and 'id="escort"' not in page
    assert "/approve/" not in page
    assert 'id="manifest-closed"' in page


def test_nobody_boards_a_flight_that_has_not_left(world, login):
    import datetime as dt

    flight = FlightFactory(
        organisation=world.north, date=timezone.localdate() + dt.timedelta(days=60)
    )
    entry = ManifestEntry.objects.create(
        flight=flight,
        status="approved",
        approved_by=world.supervisor,
        person=PersonFactory(
            organisation=world.north, team=world.team_a, status=PersonStatus.ON_MANIFEST
        ),
    )
    client = login(world.caseworker)
    page = client.get(f"/flights/{flight.public_id}/").content.decode()
    assert f'id="board-{entry.public_id}-yes"' not in page
    client.post(
        f"/flights/{flight.public_id}/manifest/{entry.public_id}/boarding/", {"boarded": "yes"}
    )
    entry.refresh_from_db()
    assert entry.status == "approved"
