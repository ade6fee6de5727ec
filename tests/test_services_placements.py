"""placement_record and the current whereabouts."""

import datetime as dt

import pytest

from casework.models import AuditEvent, Placement
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.placements import current_whereabouts, placement_record
from tests.factories import LocationFactory

BASE = {"start_date": dt.date(2024, 1, 5), "source": "visit", "reliability": "confirmed"}


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_the_team_and_the_supervisor_record_a_placement(world, persona):
    actor = getattr(world, persona)
    location = LocationFactory()
    placement = placement_record(actor=actor, person=world.case_a, location=location, **BASE)
    assert placement.recorded_by == actor
    event = AuditEvent.objects.get(object_id=placement.public_id)
    assert (event.action, event.person_id) == ("create", world.case_a.public_id)


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [("other_team_caseworker", Hidden), ("intake", Denied), ("dpo", Denied), ("admin", Hidden)],
)
def test_others_may_not_record_a_placement(world, persona, refusal):
    with pytest.raises(refusal):
        placement_record(actor=getattr(world, persona), person=world.case_a, place_text="X", **BASE)
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"place_text": ""}, "location"),
        ({"source": "rumour"}, "source"),
        ({"reliability": "sure"}, "reliability"),
        ({"end_date": dt.date(2023, 1, 1)}, "end_date"),
        ({"start_date": dt.date(2999, 1, 1)}, "start_date"),
        ({"place_text": "a\x00b"}, "place_text"),
        ({"notes": "n" * 100_000}, "notes"),
    ],
)
def test_bad_placements_are_refused_with_the_field_named(world, change, field):
    data = {**BASE, "place_text": "Hasakah", **change}
    with pytest.raises(ServiceError) as refusal:
        placement_record(actor=world.caseworker, person=world.case_a, **data)
    assert field in refusal.value.message_dict
    assert not Placement.objects.exists()


def test_the_whereabouts_are_the_latest_confirmed_placement(world):
    old = placement_record(actor=world.caseworker, person=world.case_a, place_text="Old", **BASE)
    later = {**BASE, "start_date": dt.date(2024, 6, 1)}
    placement_record(
        actor=world.caseworker, person=world.case_a, place_text="Seen", is_sighting=True, **later
    )
    placement_record(
        actor=world.caseworker,
        person=world.case_a,
        place_text="Rumour",
        **{**later, "reliability": "doubtful"},
    )
    assert current_whereabouts(world.case_a) == old
