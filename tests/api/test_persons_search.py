"""The API's `q` for staff: the one name search of the persons FilterSet (issue 9)."""

from casework.services.persons import NameInput, person_create

API = "/api/v1/persons/"


def test_the_api_q_searches_through_the_same_keys(world, api):
    muchammad = person_create(
        actor=world.caseworker,
        names=[NameInput(family_name="Tagirov", given_name="Muchammad")],
    )
    response = api(world.caseworker).get(API, {"q": "Мухаммад"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(muchammad.public_id)]
