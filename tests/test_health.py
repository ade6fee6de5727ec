"""/health/ tells the proxy and monitoring whether casework can work: 200 when every part answers,
503 naming the part that does not; JSON, never cached, nothing about any record or the set-up."""

from django.test import Client

from tests.database_faults import DROPPED, database_unreachable


def test_it_says_ok_when_the_database_answers(db):
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_it_says_503_and_what_is_down_when_the_database_does_not_answer(db):
    with database_unreachable():
        response = Client().get("/health/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]
    # The error's own words (which may name hosts, ports or roles) stay out of the answer.
    assert DROPPED not in response.content.decode()


def test_it_needs_no_login_and_answers_a_signed_in_user_alike(world, login):
    assert login(world.caseworker).get("/health/").json() == Client().get("/health/").json()
