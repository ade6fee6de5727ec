"""Bulk assign and bulk status change (issue 12): each person through the one-at-a-time service,
all in one transaction, each audited with the one reason; one refusal and nothing changes."""

import pytest

from casework.models import AuditEvent, Person
from casework.permissions import Denied, Hidden
from casework.services import bulk
from casework.services.bulk import persons_assign, persons_change_status
from casework.services.errors import ServiceError


def _reload(*persons):
    return [Person.objects.get(pk=p.pk) for p in persons]


def test_a_supervisor_assigns_several_cases_each_audited_and_keeping_its_team(world):
    done = persons_assign(
        actor=world.supervisor,
        persons=[world.case_a, world.case_b],
        assigned_to=world.caseworker,
        reason="Covering while team B travels.",
    )
    assert len(done) == 2
    case_a, case_b = _reload(world.case_a, world.case_b)
    assert case_a.assigned_to == case_b.assigned_to == world.caseworker
    assert (case_a.team, case_b.team) == (world.team_a, world.team_b)
    for person in (case_a, case_b):
        event = AuditEvent.objects.filter(object_id=person.public_id).latest("at")
        assert event.actor == world.supervisor
        assert event.reason == "Covering while team B travels."
        assert "assigned_to" in event.fields


def test_a_caseworker_may_not_assign_in_bulk_and_nothing_changes(world):
    with pytest.raises((Denied, Hidden)):
        persons_assign(
            actor=world.caseworker,
            persons=[world.case_a],
            assigned_to=world.caseworker,
            reason="Mine now.",
        )
    assert _reload(world.case_a)[0].assigned_to is None


def test_a_bulk_status_change_moves_each_person_with_the_reason(world):
    persons_change_status(
        actor=world.supervisor,
        persons=[world.case_a, world.case_b],
        to="verifying",
        reason="The ICRC list arrived.",
    )
    assert {p.status for p in _reload(world.case_a, world.case_b)} == {"verifying"}
    events = AuditEvent.objects.filter(action="status_change", reason="The ICRC list arrived.")
    assert {e.object_id for e in events} == {world.case_a.public_id, world.case_b.public_id}


def test_one_forbidden_move_names_the_person_and_undoes_the_others(world):
    Person.objects.filter(pk=world.case_b.pk).update(status="reunited")
    with pytest.raises(ServiceError) as raised:
        persons_change_status(
            actor=world.supervisor,
            persons=[world.case_a, Person.objects.get(pk=world.case_b.pk)],
            to="verifying",
            reason="The ICRC list arrived.",
        )
    message = " ".join(raised.value.message_dict["persons"])
    assert world.case_b.display_name in message and "cannot move" in message
    assert _reload(world.case_a)[0].status == "reported"
    assert not AuditEvent.objects.filter(action="status_change").exists()


def test_a_person_outside_the_scope_refuses_the_whole_change(world):
    with pytest.raises(Hidden):
        persons_change_status(
            actor=world.caseworker,
            persons=[world.case_a, world.case_b],
            to="verifying",
            reason="The ICRC list arrived.",
        )
    assert [p.status for p in _reload(world.case_a, world.case_b)] == ["reported", "reported"]


@pytest.mark.parametrize(
    ("persons", "reason", "problem"),
    [
        ([], "A reason.", "persons"),
        (None, "", "reason"),
        (None, "   ", "reason"),
    ],
)
def test_bad_input_gets_a_specific_error_and_changes_nothing(world, persons, reason, problem):
    persons = [world.case_a] if persons is None else persons
    with pytest.raises(ServiceError) as raised:
        persons_change_status(
            actor=world.supervisor, persons=persons, to="verifying", reason=reason
        )
    assert problem in raised.value.message_dict
    assert _reload(world.case_a)[0].status == "reported"


def test_more_than_a_page_of_persons_is_refused(world, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_BULK", 1)
    with pytest.raises(ServiceError) as raised:
        persons_assign(
            actor=world.supervisor,
            persons=[world.case_a, world.case_b],
            assigned_to=None,
            reason="Too many.",
        )
    assert "at most 1 person" in raised.value.message_dict["persons"][0]
