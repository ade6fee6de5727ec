"""Reads of sensitive data are audit events: the person list page and a page of the API or of the
feed are one event per page view, naming every person read (and found from each of them through
`AuditEventSubject`); a partner's reads of sensitive shared fields through the API (list, detail,
change feed) are events too; each in a constant number of queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework import audit
from casework.audit import AuditAction
from casework.models import AuditEvent, Person, SharedCase
from casework.permissions import Level
from casework.selectors import history_for
from casework.services.merge import persons_merge
from tests.api.conftest import issue_token
from tests.conftest import verified_client
from tests.factories import PersonFactory

REGION = "Invented Region Qaf"
BIRTHPLACE = "Invented Town Zay"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def with_values(world):
    Person.objects.filter(organisation=world.north).update(
        region_of_origin=REGION, birthplace=BIRTHPLACE
    )


def _reads():
    return AuditEvent.objects.filter(action__startswith="read_").order_by("id")


def _no_values_in(event):
    text = str((event.fields, event.changes, event.reason))
    assert REGION not in text and BIRTHPLACE not in text


# --- The person list page ----------------------------------------------------------------------


def test_a_list_page_showing_region_of_origin_is_one_read_event(world, login, with_values):
    response = login(world.caseworker).get("/persons/")
    assert response.status_code == 200 and REGION in response.content.decode()
    [event] = _reads()
    assert event.action == AuditAction.READ_SENSITIVE
    assert event.actor == world.caseworker and event.actor_label == "caseworker"
    assert event.organisation == world.north
    # About several persons, none of them alone: its subjects name them.
    assert (event.object_type, event.object_id, event.person_id) == ("Person", None, None)
    assert event.fields == [
        "birth_earliest",
        "birth_latest",
        "display_name",
        "region_of_origin",
        "status",
        "team",
        "updated_at",
    ]
    assert event.changes == {
        "view": "person_list",
        "level": "sensitive",
        "records": [str(world.case_a.public_id)],
    }
    assert list(event.subjects.values_list("person_id", flat=True)) == [world.case_a.public_id]
    _no_values_in(event)
    # The data-protection officer sees it, and it is found from the person it names: in their
    # history, and by a subject-access query.
    assert event in AuditEvent.objects.visible_to(world.dpo)
    assert event in history_for(world.supervisor, world.case_a)
    assert list(AuditEvent.objects.about([world.case_a.public_id])) == [event]


def test_the_event_names_exactly_the_persons_printed_in_full(world, login, with_values):
    login(world.supervisor).get("/persons/")
    [event] = _reads()
    # Ordered as the page: by name.
    assert event.changes["records"] == [
        str(p.public_id) for p in (world.case_a, world.case_b, world.protected_a)
    ]


def test_each_page_view_is_its_own_event(world, login):
    client = login(world.caseworker)
    client.get("/persons/")
    client.get("/persons/?page=1")
    assert _reads().count() == 2


@pytest.mark.parametrize("persona", ["intake", "dpo"])
def test_a_list_that_prints_no_sensitive_field_is_no_read(world, login, persona, with_values):
    response = login(getattr(world, persona)).get("/persons/")
    assert response.status_code == 200 and REGION not in response.content.decode()
    assert not _reads().exists()


def test_an_empty_page_is_no_read(world, login):
    response = login(world.caseworker).get("/persons/?status=located")
    assert response.status_code == 200 and not response.context["rows"]
    assert not _reads().exists()


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/persons/").status_code == 200
    return ctx


def test_the_list_page_costs_the_same_queries_for_1_or_41_persons(world):
    client = verified_client(world.caseworker)
    client.get("/persons/")  # the first request of a session also writes the session
    few = _list_queries(client)
    for n in range(40):
        PersonFactory(organisation=world.north, team=world.team_a, display_name=f"Testova {n}")
    many = _list_queries(client)
    assert len(many) == len(few)
    inserts = [q for q in many.captured_queries if 'INSERT INTO "casework_auditevent"' in q["sql"]]
    assert len(inserts) == 1
    assert len(_reads().last().changes["records"]) == 41
    assert _reads().last().subjects.count() == 41


# --- A partner's reads through the API -----------------------------------------------------------


@pytest.fixture
def partner(world):
    _token, key = issue_token(world.partner)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def shares_birthplace(world, with_values):
    world.agreement.shared_fields = ["display_name", "sex", "status", "birthplace"]
    world.agreement.save()


def _assert_partner_read(world, event, person, *, view=None):
    """One person read (`view` None) or a page of them, that page naming `person`."""
    assert event.action == AuditAction.READ_SENSITIVE
    assert event.actor == world.partner and event.actor_label == "partner"
    assert event.object_type == "Person"
    if view is None:
        assert event.object_id == event.person_id == person.public_id
        assert event.changes == {"level": "partner"}
    else:
        assert event.object_id is event.person_id is None
        assert event.changes == {
            "view": view,
            "level": "partner",
            "records": [str(person.public_id)],
        }
        assert list(event.subjects.values_list("person_id", flat=True)) == [person.public_id]
    # A read of the owner's record: the owner's data-protection officer sees it.
    assert event.organisation_id == person.organisation_id
    assert event.fields == [
        "birthplace",
        "created_at",
        "display_name",
        "sex",
        "status",
        "updated_at",
    ]
    _no_values_in(event)


def test_a_partner_reading_a_sensitive_shared_field_in_the_list_is_audited(
    world, partner, shares_birthplace
):
    body = partner.get("/api/v1/persons/").json()
    assert body["results"][0]["birthplace"] == BIRTHPLACE
    [event] = _reads()
    _assert_partner_read(world, event, world.case_a, view="api_person_list")


def test_a_partner_reading_a_sensitive_shared_field_one_by_one_is_audited(
    world, partner, shares_birthplace
):
    assert partner.get(f"/api/v1/persons/{world.case_a.public_id}/").status_code == 200
    [event] = _reads()
    _assert_partner_read(world, event, world.case_a)


def test_a_partner_reading_sensitive_fields_through_the_feed_is_audited(
    world, partner, shares_birthplace
):
    body = partner.get("/api/v1/persons/changes/").json()
    assert [r["id"] for r in body["results"]] == [str(world.case_a.public_id)]
    [event] = _reads()
    _assert_partner_read(world, event, world.case_a, view="api_person_changes")
    # Polling again from the end delivers nothing and reads nothing.
    partner.get("/api/v1/persons/changes/", {"cursor": body["next_cursor"]})
    assert _reads().count() == 1


def test_a_tombstone_in_the_feed_is_no_read(world, partner, shares_birthplace):
    body = partner.get("/api/v1/persons/changes/").json()
    SharedCase.objects.filter(person=world.case_a).delete()
    # Unshared: the partner is told it is gone (through a stored tombstone or the agreement),
    # which shows nothing of the person.
    partner.get("/api/v1/persons/changes/", {"cursor": body["next_cursor"]})
    assert _reads().count() == 1


def test_a_merged_person_in_the_feed_comes_as_a_tombstone_and_is_no_read(
    world, partner, shares_birthplace
):
    survivor = PersonFactory(organisation=world.north, team=world.team_a)
    SharedCase.objects.create(agreement=world.agreement, person=survivor)
    persons_merge(
        actor=world.supervisor, survivor=survivor, absorbed=world.case_a, reason="Same person"
    )
    results = partner.get("/api/v1/persons/changes/").json()["results"]
    tombstone = {"merged_into": str(survivor.public_id), "tombstone": True}
    assert {"id": str(world.case_a.public_id), **tombstone} in results
    [event] = _reads()
    assert list(event.subjects.values_list("person_id", flat=True)) == [survivor.public_id]


def test_partner_reads_of_staff_level_fields_only_are_no_events(world, partner, with_values):
    # The world's agreement shares the name, sex and status: nothing sensitive.
    partner.get("/api/v1/persons/")
    partner.get(f"/api/v1/persons/{world.case_a.public_id}/")
    partner.get("/api/v1/persons/changes/")
    assert not _reads().exists()


def _api_list(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/persons/").status_code == 200
    return ctx


def test_the_partner_list_costs_the_same_queries_for_1_or_21_shared_persons(
    world, partner, shares_birthplace
):
    partner.get("/api/v1/persons/")
    few = _api_list(partner)
    for _ in range(20):
        person = PersonFactory(organisation=world.north, team=world.team_a, birthplace=BIRTHPLACE)
        SharedCase.objects.create(agreement=world.agreement, person=person)
    many = _api_list(partner)
    assert len(many) == len(few)
    # One event per page, naming every person read.
    assert [event.subjects.count() for event in _reads()] == [1, 1, 21]


def test_a_feed_page_audits_its_reads_in_one_insert(world, partner, shares_birthplace):
    for _ in range(5):
        person = PersonFactory(organisation=world.north, team=world.team_a)
        SharedCase.objects.create(agreement=world.agreement, person=person)
    with CaptureQueriesContext(connection) as ctx:
        body = partner.get("/api/v1/persons/changes/").json()
    assert len(body["results"]) == 6
    inserts = [q for q in ctx.captured_queries if 'INSERT INTO "casework_auditevent' in q["sql"]]
    # The event, and its subjects.
    assert len(inserts) == 2
    [event] = _reads()
    assert event.subjects.count() == 6


# --- The rule itself ------------------------------------------------------------------------------


def test_a_partner_read_is_an_event_only_when_it_shows_a_sensitive_field(world):
    assert audit.record_read(world.partner, world.case_a, Level.PARTNER, fields=["sex"]) is None
    event = audit.record_read(
        world.partner, world.case_a, Level.PARTNER, fields=["sex", "birthplace"]
    )
    assert event.action == AuditAction.READ_SENSITIVE
    assert event.changes == {"level": "partner"}
