import pytest


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_home_shows_counts_of_visible_persons(world, login):
    response = login(world.caseworker).get("/")
    assert response.status_code == 200
    # Team A's caseworker sees case_a only: protected_a is assigned to the supervisor.
    assert response.context["total"] == 1
    supervisor_view = login(world.supervisor).get("/")
    assert supervisor_view.context["total"] == 3
