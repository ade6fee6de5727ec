"""A page of the person list costs the same number of queries for 3 persons or 40."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AuditEvent
from tests.factories import PersonFactory


def _queries_for_list(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/persons/")
    assert response.status_code == 200
    return len(ctx), response.json()


def test_the_list_does_not_query_per_row(world, login):
    client = login(world.caseworker)
    client.get("/api/v1/persons/")  # the first request of a session also writes the session
    few, body = _queries_for_list(client)
    assert len(body["results"]) == 1
    for n in range(40):
        PersonFactory(organisation=world.north, team=world.team_a, display_name=f"Testova {n}")
    many, body = _queries_for_list(client)
    assert len(body["results"]) == 41
    assert many == few
    # Every sensitive read on the page is still on the trail: one event per page naming them all.
    pages = AuditEvent.objects.filter(action="read_sensitive").order_by("id")
    assert [event.subjects.count() for event in pages] == [1, 1, 41]
