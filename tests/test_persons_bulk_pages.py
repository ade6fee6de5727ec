"""The bulk change page (issue 12): chosen on the list, applied through the bulk services; bad
input is a specific error on the form (400), never a 500 and never half a change."""

from casework.models import AuditEvent, Person
from tests.factories import PersonFactory


def _post(client, persons, **fields):
    data = {"person": [str(p) for p in persons], "change": "status", "reason": "A list came.",
            **fields}  # fmt: skip
    return client.post("/persons/bulk/", data)


def test_the_list_offers_choosing_to_those_who_change_cases(world, login):
    html = login(world.caseworker).get("/persons/").content.decode()
    assert 'form="bulk-choice"' in html and f'value="{world.case_a.public_id}"' in html
    assert 'form="bulk-choice"' not in login(world.intake).get("/persons/").content.decode()


def test_two_persons_change_status_in_one_go(world, login):
    other = PersonFactory(organisation=world.north, team=world.team_a)
    client = login(world.caseworker)
    response = _post(client, [world.case_a.public_id, other.public_id], to="verifying")
    assert response.status_code == 302
    assert {Person.objects.get(pk=p.pk).status for p in (world.case_a, other)} == {"verifying"}
    follow = client.get(response["Location"]).content.decode()
    assert "2 persons were changed." in follow


def test_one_forbidden_move_comes_back_naming_the_person_and_changes_nothing(world, login):
    stuck = PersonFactory(organisation=world.north, team=world.team_a, status="reunited",
                          display_name="Stuckova Aisha")  # fmt: skip
    response = _post(
        login(world.caseworker), [world.case_a.public_id, stuck.public_id], to="verifying"
    )
    assert response.status_code == 400
    assert "Stuckova Aisha" in response.content.decode()
    assert Person.objects.get(pk=world.case_a.pk).status == "reported"
    assert not AuditEvent.objects.filter(action="status_change").exists()


def test_bad_input_is_a_specific_error(world, login):
    client = login(world.caseworker)
    cases = {
        "no reason": ([world.case_a.public_id], {"to": "verifying", "reason": ""}),
        "no status": ([world.case_a.public_id], {"to": ""}),
        "no person": ([], {"to": "verifying"}),
        "not a uuid": (["not-a-uuid"], {"to": "verifying"}),
        "another team's": ([world.case_b.public_id], {"to": "verifying"}),
        "unknown status": ([world.case_a.public_id], {"to": "flying"}),
    }
    for label, (persons, fields) in cases.items():
        response = _post(client, persons, **fields)
        assert response.status_code == 400, label
        assert response.context["form"].errors, label
    assert Person.objects.get(pk=world.case_a.pk).status == "reported"
    assert Person.objects.get(pk=world.case_b.pk).status == "reported"


def test_a_supervisor_assigns_the_chosen_cases(world, login):
    response = _post(
        login(world.supervisor),
        [world.case_a.public_id, world.case_b.public_id],
        change="assign",
        assigned_to=world.caseworker.username,
        reason="Covering for team B.",
    )
    assert response.status_code == 302
    for person in (world.case_a, world.case_b):
        assert Person.objects.get(pk=person.pk).assigned_to == world.caseworker
