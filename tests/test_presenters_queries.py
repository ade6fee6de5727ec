"""What presenting persons costs in queries: the person page stays within 15, and a page of the API
list costs the same for 5 persons as for 50, merged ones included."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import (
    AuditEvent,
    CaseNote,
    Person,
    PersonName,
    PersonStatus,
    Placement,
    PlacementSource,
    Reliability,
)
from casework.services.relationships import relationship_link
from tests.conftest import verified_client
from tests.factories import PersonFactory
from tests.queries import own_queries

PAGE_BUDGET = 15
# `permissions` still reads a caseworker's teams and break-glass grants anew for each gate it is
# asked (the person gate, the level, the history's gate and its scope, the relatives' levels): four
# pairs more than once. Reading them once per request (being done in `permissions`) makes this 0.
CASEWORKER_TEAMS_AND_GRANTS_READ_AGAIN = 0


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _placement(person, place: str, start: dt.date) -> None:
    Placement.objects.create(
        person=person,
        place_text=place,
        start_date=start,
        source=PlacementSource.VISIT,
        reliability=Reliability.CONFIRMED,
    )


@pytest.fixture
def full_record(world):
    """Case A with what its page shows: names, relatives, placements, notes, a history, and a
    duplicate merged into it."""
    person = world.case_a
    PersonName.objects.create(person=person, full_text="Umm Testova", kind="kunya")
    for n in range(3):
        relative = PersonFactory(organisation=world.north, team=world.team_a)
        relationship_link(actor=world.supervisor, person=person, relative=relative, kind="sibling")
        _placement(person, f"Invented camp {n}", dt.date(2020, 1, n + 1))
        CaseNote.objects.create(person=person, author=world.supervisor, text=f"Note {n}")
    duplicate = PersonFactory(organisation=world.north, team=world.team_a)
    Person.objects.filter(pk=duplicate.pk).update(
        merged_into=person, status=PersonStatus.CLOSED_DUPLICATE
    )
    return person


def _page_queries(user, person) -> int:
    client = verified_client(user)
    client.get("/persons/")  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/persons/{person.public_id}/")
    assert response.status_code == 200
    return len(own_queries(ctx))


@pytest.mark.parametrize("persona", ["supervisor", "intake", "dpo"])
def test_the_person_page_makes_at_most_15_queries(world, full_record, persona):
    assert _page_queries(getattr(world, persona), full_record) <= PAGE_BUDGET


def test_the_person_page_makes_at_most_15_queries_for_a_caseworker(world, full_record):
    budget = PAGE_BUDGET + CASEWORKER_TEAMS_AND_GRANTS_READ_AGAIN
    assert _page_queries(world.caseworker, full_record) <= budget


def test_the_person_page_costs_the_same_however_full_the_record(world, full_record):
    # Every part is read in one query whatever its length: twice the names, relatives,
    # placements and notes, the same queries.
    before = _page_queries(world.supervisor, full_record)
    for relative in [PersonFactory(organisation=world.north) for _ in range(3)]:
        relationship_link(
            actor=world.supervisor, person=full_record, relative=relative, kind="sibling"
        )
        PersonName.objects.create(person=full_record, full_text="Testova alias", kind="alias")
        _placement(full_record, "Invented camp", dt.date(2021, 1, 1))
        CaseNote.objects.create(person=full_record, author=world.supervisor, text="More")
    assert _page_queries(world.supervisor, full_record) == before


# --- The API list ---------------------------------------------------------------------------------


def _merged_pairs(world, count: int) -> None:
    """`count` persons of team A, each with a closed duplicate merged into it: half of the list
    are merged persons whose survivor the API names."""
    for _ in range(count):
        survivor = PersonFactory(organisation=world.north, team=world.team_a)
        duplicate = PersonFactory(organisation=world.north, team=world.team_a)
        Person.objects.filter(pk=duplicate.pk).update(
            merged_into=survivor, status=PersonStatus.CLOSED_DUPLICATE
        )


def _list_queries(client, page_size: int) -> tuple[int, list[dict]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/persons/", {"page_size": page_size})
    assert response.status_code == 200
    return len(ctx), response.json()["results"]


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_a_page_of_the_api_list_costs_the_same_for_5_or_50_persons(world, persona):
    _merged_pairs(world, 30)
    client = verified_client(getattr(world, persona))
    client.get("/api/v1/persons/")  # the first request of a session also writes the session
    few, small = _list_queries(client, 5)
    many, large = _list_queries(client, 50)
    assert (len(small), len(large)) == (5, 50)
    # A merged person is its tombstone, pointing at the survivor (as in the change feed).
    merged = [r for r in large if r.get("tombstone")]
    assert merged and all(set(r) == {"id", "tombstone", "merged_into"} for r in merged)
    assert many == few
    # Each page is one read event naming the persons it shows as records.
    shown = [len([r for r in page if not r.get("tombstone")]) for page in (small, large)]
    pages = AuditEvent.objects.filter(action__startswith="read_").order_by("id")
    assert [event.subjects.count() for event in pages][-2:] == shown
