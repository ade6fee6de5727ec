from casework.models import Person


def test_a_merged_record_points_to_the_record_it_lives_on_in(world, login):
    Person.objects.filter(pk=world.case_b.pk).update(
        merged_into=world.case_a, status="closed_duplicate"
    )
    response = login(world.supervisor).get(f"/persons/{world.case_b.public_id}/")
    assert response.status_code == 200
    assert response.context["merged_into"] == world.case_a
    assert f"/persons/{world.case_a.public_id}/" in response.content.decode()


def test_the_pointer_is_not_shown_when_the_survivor_is_hidden(world, login):
    # Team B's caseworker sees case_b but not team A's case_a: no link, no name.
    Person.objects.filter(pk=world.case_b.pk).update(merged_into=world.case_a)
    response = login(world.other_team_caseworker).get(f"/persons/{world.case_b.public_id}/")
    assert response.status_code == 200
    assert response.context["merged_into"] is None
    assert str(world.case_a.public_id) not in response.content.decode()
