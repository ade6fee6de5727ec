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


def _feed_queries(client, cursor=None):
    from urllib.parse import quote

    url = "/api/v1/persons/changes/?page_size=100"
    if cursor:
        url += f"&cursor={quote(cursor)}"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return ctx, response.json()


def _mixed_changes(world, n):
    """n shared persons: a quarter with a second name, a quarter unshared again, a quarter merged
    into another shared one."""
    from casework.models import PersonName, SharedCase
    from casework.services.merge import persons_merge
    from tests.api.feed import share

    persons = [share(world) for _ in range(n)]
    quarter = n // 4
    for person in persons[:quarter]:
        PersonName.objects.create(person=person, full_text="Umm Testova", kind="kunya")
    SharedCase.objects.filter(person__in=persons[quarter : 2 * quarter]).delete()
    for absorbed in persons[2 * quarter : 3 * quarter]:
        persons_merge(
            actor=world.supervisor, survivor=persons[-1], absorbed=absorbed, reason="Same"
        )


def test_a_page_of_the_change_feed_costs_the_same_for_4_persons_or_60(world, api):
    """Pinned (issue 10, bench/README.md: 208 queries for a page of 100): the records, the
    tombstones of unshared and of merged persons, a person's several names, all in a constant
    number of queries."""
    client = api(world.partner)
    _feed_queries(client)  # the first request of a token also notes its use
    _mixed_changes(world, 4)
    few_ctx, body = _feed_queries(client)
    assert len(body["results"]) == 5
    _mixed_changes(world, 60)
    many_ctx, body = _feed_queries(client)
    assert len(body["results"]) == 65
    kinds = {(bool(r.get("tombstone")), bool(r.get("deleted"))) for r in body["results"]}
    assert kinds == {(False, False), (True, True), (True, False)}  # records, deleted, merged
    sql = "\n".join(q["sql"][:300] for q in many_ctx.captured_queries)
    assert len(many_ctx) == len(few_ctx), sql
    assert len(many_ctx) <= 9, sql


def test_a_page_of_persons_is_written_by_one_serializer(world, api):
    """Pinned (bench/README.md, the person list ~100-200 ms): a serializer deep-copies its fields
    when it is made, which for a page of 100 persons was most of the list's time; one a page."""
    from unittest import mock

    from casework.api.persons import PersonSerializer
    from tests.api.feed import share

    for _ in range(30):
        share(world)
    original = PersonSerializer.get_fields
    for persona, url in (
        ("partner", "/api/v1/persons/changes/"),
        ("supervisor", "/api/v1/persons/"),
    ):
        client = api(getattr(world, persona))
        with mock.patch.object(
            PersonSerializer, "get_fields", autospec=True, side_effect=original
        ) as made:
            response = client.get(url, {"page_size": 100})
        assert response.status_code == 200
        assert len(response.json()["results"]) >= 31
        assert made.call_count <= 1, (persona, made.call_count)
