"""The database out of reach (stopped, restarting, dropping connections): pages answer a 503 in the
app's frame, the API a 503 in its own error shape, both with Retry-After, never Django's bare
"Server Error (500)"; a write the outage caught is not half-done, and sent again it is done once."""

import pytest
from django.test import Client

from casework.models import AuditEvent, CaseNote, Person
from casework.services.form_tokens import new_form_token
from tests.api.conftest import issue_token
from tests.database_faults import database_unreachable, inserts_into

API_PERSONS = "/api/v1/persons/"


def _without_raising(client: Client) -> Client:
    # The test client re-raises a view's exception; the user gets what handler500 answers.
    client.raise_request_exception = False
    return client


def _assert_framed_503(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Server Error (500)" not in page
    assert "bootstrap.min.css" in page and 'href="/"' in page
    assert "cannot reach its database" in page
    # The reference on the page is the request id the log lines carry.
    assert response["X-Request-ID"] in page


def _assert_api_503(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "type": "/api/v1/docs/#problem-database_unavailable",
        "title": "Service unavailable.",
        "status": 503,
        "detail": "The service cannot reach its database. Try again shortly.",
        "code": "database_unavailable",
    }


# A page, a list, a record that does not exist, and the families' form.
@pytest.mark.parametrize(
    "path", ["/", "/persons/", "/persons/00000000-0000-4000-8000-000000000000/", "/report/"]
)
def test_a_page_is_a_503_in_the_apps_frame(world, login, path):
    client = _without_raising(login(world.caseworker))
    with database_unreachable():
        response = client.get(path)
    _assert_framed_503(response)


def test_the_503_page_speaks_russian(world, login):
    client = _without_raising(login(world.caseworker))
    client.cookies["django_language"] = "ru"
    with database_unreachable():
        response = client.get("/persons/")
    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="ru"' in page
    assert "cannot reach its database" not in page


def test_an_api_list_is_a_json_503_when_the_token_cannot_be_checked(world):
    _token, secret = issue_token(world.partner)
    client = _without_raising(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"))
    with database_unreachable():
        response = client.get(API_PERSONS)
    _assert_api_503(response)


def test_an_api_list_is_a_json_503_when_the_records_cannot_be_read(world):
    _token, secret = issue_token(world.partner)
    client = _without_raising(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"))
    failed = []
    with database_unreachable(lambda sql: '"casework_person"' in sql, calls=failed):
        response = client.get(API_PERSONS)
    assert failed, "the list must have reached the persons' table"
    _assert_api_503(response)


def test_an_api_page_of_a_staff_session_is_a_json_503(world, login):
    client = _without_raising(login(world.caseworker))
    with database_unreachable():
        response = client.get(API_PERSONS)
    _assert_api_503(response)


def test_another_failure_under_the_api_is_a_json_500_not_html(world, login, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("casework.api.persons.PersonViewSet.list", broken)
    response = _without_raising(login(world.caseworker)).get(API_PERSONS)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "/api/v1/docs/#problem-server_error",
        "title": "Server error.",
        "status": 500,
        "detail": "The request failed on the server.",
        "code": "server_error",
    }
    assert not response.has_header("Retry-After")


def test_another_failure_of_a_page_is_a_500_in_the_apps_frame(world, login, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("casework.views.home.render", broken)
    response = _without_raising(login(world.caseworker)).get("/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Server Error (500)" not in page and "bootstrap.min.css" in page
    assert "Something went wrong" in page and response["X-Request-ID"] in page


def test_a_post_caught_by_the_outage_is_not_half_done_and_sent_again_is_done_once(world, login):
    client = _without_raising(login(world.caseworker))
    url = f"/persons/{world.case_a.public_id}/notes/new/"
    form = {"text": "Called the family after the outage.", "form_token": new_form_token()}
    notes, events = CaseNote.objects.count(), AuditEvent.objects.count()
    # The note's row is written; the connection drops as its audit event is.
    failed = []
    with database_unreachable(inserts_into("casework_auditevent"), calls=failed):
        response = client.post(url, form)
    assert failed
    _assert_framed_503(response)
    assert CaseNote.objects.count() == notes
    assert AuditEvent.objects.count() == events
    first, second = client.post(url, form), client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    note = CaseNote.objects.get(text=form["text"])
    assert AuditEvent.objects.filter(object_id=str(note.public_id)).count() == 1


def test_an_api_write_caught_by_the_outage_is_not_half_done_and_its_retry_is_done_once(
    world, login
):
    client = _without_raising(login(world.caseworker))
    body = {"names": [{"family_name": "Outageva", "given_name": "Seda"}], "sex": "F"}

    def post():
        return client.post(
            API_PERSONS, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="drill-1"
        )

    with database_unreachable(inserts_into("casework_auditevent")):
        response = post()
    _assert_api_503(response)
    assert not Person.objects.filter(display_name="Outageva Seda").exists()
    assert post().status_code == 201
    assert post().status_code == 201
    assert Person.objects.filter(display_name="Outageva Seda").count() == 1
