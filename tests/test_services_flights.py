"""Flights, manifests, boarding and handovers: who may, capacity, duplicates, concurrency."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from casework.models import AuditEvent, ManifestEntry, PersonStatus
from casework.permissions import Denied, Hidden
from casework.services.errors import Conflict, ServiceError
from casework.services.flights import (
    escort_add,
    flight_create,
    flight_update,
    handover_record,
    manifest_approve,
    manifest_mark_boarded,
    manifest_mark_not_boarded,
    manifest_propose,
    manifest_propose_many,
)
from tests.factories import FlightFactory, PersonFactory


def cleared(world, *, team="team_a", born=dt.date(2016, 5, 1), **kwargs):
    return PersonFactory(
        organisation=world.north,
        team=getattr(world, team),
        status=PersonStatus.CLEARED_FOR_RETURN,
        birth_precision="exact",
        birth_date=born,
        birth_earliest=born,
        birth_latest=born,
        **kwargs,
    )


@pytest.fixture
def flight(world):
    return FlightFactory(organisation=world.north, capacity=2, date=timezone.localdate())


def handed(world, entry, **overrides):
    kwargs = {
        "actor": world.caseworker,
        "manifest_entry": entry,
        "recipient_kind": "relative",
        "recipient_name": "Testova Zarema",
        "recipient_relationship": "grandmother",
        "handed_at": timezone.now(),
        "place": "Grozny airport",
        "documents": "birth certificate",
    }
    kwargs.update(overrides)
    return handover_record(**kwargs)


def boarded_child(world, flight):
    child = cleared(world)
    entry = manifest_propose(actor=world.caseworker, flight=flight, person=child)
    manifest_approve(actor=world.supervisor, entry=entry)
    manifest_mark_boarded(actor=world.caseworker, entry=entry)
    entry.refresh_from_db()
    return child, entry


# --- Flights ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_flight_planners_create_flights(world, persona):
    flight = flight_create(
        actor=getattr(world, persona),
        reference="EVAC-1",
        date=dt.date(2026, 12, 1),
        origin="Erbil",
        destination="Grozny",
        capacity=30,
    )
    assert flight.organisation == world.north
    assert AuditEvent.objects.filter(object_id=flight.public_id, action="create").exists()


@pytest.mark.parametrize("status", ["confirmed", "completed", "cancelled"])
def test_a_flight_begins_planned_and_nothing_else(world, status):
    from casework.models import RepatriationFlight

    with pytest.raises(ServiceError) as refused:
        flight_create(
            actor=world.supervisor,
            reference="EVAC-9",
            date=dt.date(2026, 12, 1),
            origin="Erbil",
            destination="Grozny",
            capacity=30,
            status=status,
        )
    assert "A new flight is planned" in refused.value.message_dict["status"][0]
    assert not RepatriationFlight.objects.filter(reference="EVAC-9").exists()


@pytest.mark.parametrize("persona", ["intake", "dpo", "admin", "partner"])
def test_other_roles_do_not_create_flights(world, persona):
    with pytest.raises(Denied):
        flight_create(
            actor=getattr(world, persona),
            reference="EVAC-1",
            date=dt.date(2026, 12, 1),
            origin="Erbil",
            destination="Grozny",
            capacity=30,
        )


def test_it_refuses_a_duplicate_reference_and_bad_values(world, flight):
    with pytest.raises(ServiceError) as excinfo:
        flight_create(
            actor=world.supervisor,
            reference=flight.reference,
            date=flight.date,
            origin="Erbil",
            destination="Grozny",
            capacity=3,
        )
    assert "reference" in excinfo.value.message_dict
    with pytest.raises(ServiceError) as excinfo:
        flight_create(
            actor=world.supervisor,
            reference="X\x00",
            date=flight.date,
            origin="",
            destination="y" * 1000,
            capacity=-1,
        )
    assert {"reference", "origin", "destination", "capacity"} <= set(excinfo.value.message_dict)


def test_flight_update_refuses_a_stale_version(world, flight):
    flight_update(actor=world.caseworker, flight=flight, expected_version=1, capacity=10)
    with pytest.raises(Conflict):
        flight_update(actor=world.supervisor, flight=flight, expected_version=1, capacity=20)
    flight.refresh_from_db()
    assert flight.capacity == 10 and flight.version == 2


def test_flight_update_in_another_organisation_is_hidden(world, flight):
    with pytest.raises(Hidden):
        flight_update(actor=world.south_supervisor, flight=flight, expected_version=1)


def test_capacity_cannot_drop_below_approved_passengers(world, flight):
    entry = manifest_propose(actor=world.caseworker, flight=flight, person=cleared(world))
    manifest_approve(actor=world.supervisor, entry=entry)
    with pytest.raises(ServiceError) as excinfo:
        flight_update(actor=world.supervisor, flight=flight, expected_version=1, capacity=0)
    assert "capacity" in excinfo.value.message_dict


# --- Manifest --------------------------------------------------------------------------------


def test_it_proposes_a_person_cleared_for_return(world, flight):
    entry = manifest_propose(actor=world.caseworker, flight=flight, person=cleared(world))
    assert entry.status == "proposed"


def test_it_refuses_a_person_not_cleared_for_return(world, flight):
    with pytest.raises(ServiceError) as excinfo:
        manifest_propose(actor=world.caseworker, flight=flight, person=world.case_a)
    assert "cleared for return" in excinfo.value.message_dict["person"][0]


def test_it_hides_persons_the_actor_may_not_see(world, flight):
    other = cleared(world, team="team_b")
    with pytest.raises(Hidden):
        manifest_propose(actor=world.caseworker, flight=flight, person=other)
    assert not ManifestEntry.objects.exists()


def test_it_refuses_a_person_twice_on_one_flight(world, flight):
    person = cleared(world)
    manifest_propose(actor=world.caseworker, flight=flight, person=person)
    with pytest.raises(ServiceError) as excinfo:
        manifest_propose(actor=world.supervisor, flight=flight, person=person)
    assert "already on this flight" in excinfo.value.message_dict["person"][0]
    assert ManifestEntry.objects.count() == 1


def test_the_database_also_refuses_a_person_twice(world, flight):
    from django.db import IntegrityError, transaction

    person = cleared(world)
    manifest_propose(actor=world.caseworker, flight=flight, person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        ManifestEntry.objects.create(flight=flight, person=person)


def test_several_persons_are_proposed_at_once_with_one_event_each(world, flight):
    persons = [cleared(world) for _ in range(3)]
    entries = manifest_propose_many(
        actor=world.caseworker, flight=flight, persons=persons, note="Family group"
    )
    assert [e.person for e in entries] == persons
    assert {(e.status, e.note) for e in entries} == {("proposed", "Family group")}
    events = AuditEvent.objects.filter(action="create", object_type="ManifestEntry")
    assert sorted(e.object_id for e in events) == sorted(e.public_id for e in entries)


def test_proposing_several_is_all_or_nothing_with_a_refusal_per_person(world, flight):
    ready = cleared(world)
    already = cleared(world)
    manifest_propose(actor=world.caseworker, flight=flight, person=already)
    located = cleared(world, born=dt.date(2014, 6, 1))
    located.status = PersonStatus.LOCATED
    located.save(update_fields=["status"])
    with pytest.raises(ServiceError) as refused:
        manifest_propose_many(
            actor=world.caseworker, flight=flight, persons=[ready, already, located]
        )
    problems = refused.value.message_dict
    assert set(problems) == {str(already.public_id), str(located.public_id)}
    assert "already on this flight" in problems[str(already.public_id)][0]
    assert problems[str(located.public_id)][0].startswith(f"{located.display_name} (born 2014):")
    assert ManifestEntry.objects.filter(flight=flight).count() == 1


def test_proposing_several_refuses_one_person_twice_and_an_empty_list(world, flight):
    person = cleared(world)
    with pytest.raises(ServiceError) as refused:
        manifest_propose_many(actor=world.caseworker, flight=flight, persons=[person, person])
    assert "chosen twice" in refused.value.message_dict[str(person.public_id)][0]
    with pytest.raises(ServiceError) as refused:
        manifest_propose_many(actor=world.caseworker, flight=flight, persons=[])
    assert "persons" in refused.value.message_dict
    assert not ManifestEntry.objects.exists()


def test_proposing_several_hides_a_person_the_actor_may_not_see(world, flight):
    with pytest.raises(Hidden):
        manifest_propose_many(
            actor=world.caseworker,
            flight=flight,
            persons=[cleared(world), cleared(world, team="team_b")],
        )
    assert not ManifestEntry.objects.exists()


def test_proposing_several_on_a_closed_flight_or_by_another_role_is_refused(world, flight):
    with pytest.raises(Denied):
        manifest_propose_many(actor=world.intake, flight=flight, persons=[cleared(world)])
    flight.status = "completed"
    flight.save(update_fields=["status"])
    with pytest.raises(ServiceError) as refused:
        manifest_propose_many(actor=world.caseworker, flight=flight, persons=[cleared(world)])
    assert "manifest is closed" in refused.value.message_dict["flight"][0]
    assert not ManifestEntry.objects.exists()


def test_only_a_supervisor_approves_and_the_person_goes_on_manifest(world, flight):
    person = cleared(world)
    entry = manifest_propose(actor=world.caseworker, flight=flight, person=person)
    with pytest.raises(Denied):
        manifest_approve(actor=world.caseworker, entry=entry)
    manifest_approve(actor=world.supervisor, entry=entry)
    entry.refresh_from_db()
    person.refresh_from_db()
    assert entry.status == "approved" and entry.approved_by == world.supervisor
    assert person.status == PersonStatus.ON_MANIFEST


def test_approval_is_refused_when_the_flight_is_full(world, flight):
    entries = [
        manifest_propose(actor=world.caseworker, flight=flight, person=cleared(world))
        for _ in range(3)
    ]
    manifest_approve(actor=world.supervisor, entry=entries[0])
    manifest_approve(actor=world.supervisor, entry=entries[1])
    with pytest.raises(ServiceError) as excinfo:
        manifest_approve(actor=world.supervisor, entry=entries[2])
    assert "full: 2 of 2" in excinfo.value.message_dict["entry"][0]
    entries[2].refresh_from_db()
    assert entries[2].status == "proposed"
    assert entries[2].person.status == PersonStatus.CLEARED_FOR_RETURN


def test_escorts_need_no_seat_approval(world, flight):
    entry = escort_add(actor=world.caseworker, flight=flight, escort_name="Staff Member One")
    assert entry.role == "escort"
    with pytest.raises(ServiceError):
        escort_add(actor=world.caseworker, flight=flight, escort_name="  ")


def test_boarding_and_not_boarding(world, flight):
    person, entry = boarded_child(world, flight)
    assert entry.status == "boarded"
    other = manifest_propose(actor=world.caseworker, flight=flight, person=cleared(world))
    manifest_mark_not_boarded(actor=world.caseworker, entry=other, note="Ill on the day.")
    other.refresh_from_db()
    assert other.status == "not_boarded"
    with pytest.raises(ServiceError):
        manifest_mark_boarded(actor=world.caseworker, entry=other)


# --- Handover --------------------------------------------------------------------------------


def test_a_child_handed_to_a_relative_is_returned_then_reunited(world, flight):
    child, entry = boarded_child(world, flight)
    handover = handed(world, entry)
    child.refresh_from_db()
    assert child.status == PersonStatus.REUNITED
    moves = AuditEvent.objects.filter(person_id=child.public_id, action="status_change")
    assert [m.changes["status"][1] for m in moves.order_by("id")][-2:] == ["returned", "reunited"]
    assert AuditEvent.objects.filter(object_id=handover.public_id).exists()


def test_a_child_handed_to_child_services_is_returned(world, flight):
    child, entry = boarded_child(world, flight)
    handed(world, entry, recipient_kind="child_services", recipient_relationship="")
    child.refresh_from_db()
    assert child.status == PersonStatus.RETURNED


def test_handover_is_only_for_boarded_children(world, flight):
    adult = cleared(world, born=dt.date(1990, 1, 1))
    entry = manifest_propose(actor=world.caseworker, flight=flight, person=adult)
    with pytest.raises(ServiceError):
        handed(world, entry)  # not boarded
    manifest_approve(actor=world.supervisor, entry=entry)
    manifest_mark_boarded(actor=world.caseworker, entry=entry)
    with pytest.raises(ServiceError) as excinfo:
        handed(world, entry)
    assert "children" in str(excinfo.value)


def test_handover_is_recorded_once_and_refused_to_other_roles(world, flight):
    _child, entry = boarded_child(world, flight)
    with pytest.raises(Hidden):
        handed(world, entry, actor=world.other_team_caseworker)
    for user in (world.intake, world.dpo):
        with pytest.raises(Denied):
            handed(world, entry, actor=user)
    handed(world, entry)
    with pytest.raises(ServiceError):
        handed(world, entry, actor=world.supervisor)


def test_handover_refuses_a_future_time_and_missing_recipient(world, flight):
    _child, entry = boarded_child(world, flight)
    with pytest.raises(ServiceError) as excinfo:
        handed(world, entry, handed_at=timezone.now() + dt.timedelta(days=2), recipient_name="")
    assert {"handed_at", "recipient_name"} <= set(excinfo.value.message_dict)


# --- Concurrency (PostgreSQL: real row locks) -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_approving_at_once_never_overfill_a_flight(world):
    flight = FlightFactory(organisation=world.north, capacity=1)
    entries = [
        manifest_propose(actor=world.caseworker, flight=flight, person=cleared(world))
        for _ in range(4)
    ]
    barrier = threading.Barrier(len(entries))
    outcomes = []

    def approve(entry):
        try:
            barrier.wait()
            manifest_approve(actor=world.supervisor, entry=entry)
            outcomes.append("ok")
        except ServiceError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(e,)) for e in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full", "full", "full", "ok"]
    assert ManifestEntry.objects.filter(flight=flight, status="approved").count() == 1


def test_the_new_flight_page_always_plans_whatever_status_is_posted(world, login):
    from casework.models import RepatriationFlight
    from casework.services.form_tokens import new_form_token

    client = login(world.caseworker)
    assert 'name="status"' not in client.get("/flights/new/").content.decode()
    response = client.post(
        "/flights/new/",
        {
            "form_token": new_form_token(),
            "reference": "EVAC-10",
            "date": "2026-12-01",
            "origin": "Erbil",
            "destination": "Grozny",
            "capacity": "30",
            "status": "completed",
            "time_zone": "Asia/Baghdad",
        },
    )
    assert response.status_code == 302
    assert RepatriationFlight.objects.get(reference="EVAC-10").status == "planned"
