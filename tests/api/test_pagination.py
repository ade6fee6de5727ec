"""casework/api/pagination.py and `updated_since`: every API list pages by position, never by
offset, and pages never skip or repeat a record, under ties and under changes between pages."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from casework.models import (
    DetentionLocation,
    FamilyReport,
    Person,
    RepatriationFlight,
    SharedCase,
)
from casework.services.persons import person_update
from tests.api.conftest import fields_of
from tests.api.feed import share
from tests.factories import FlightFactory, LocationFactory, PersonFactory, ReportFactory

# Each list: its URL, what it lists, and one more record of it (in the world's north).
LISTS = {
    "persons": ("/api/v1/persons/", Person, lambda w: PersonFactory(organisation=w.north)),
    "reports": ("/api/v1/reports/", FamilyReport, lambda w: ReportFactory(organisation=w.north)),
    "flights": (
        "/api/v1/flights/",
        RepatriationFlight,
        lambda w: FlightFactory(organisation=w.north),
    ),
    "locations": ("/api/v1/locations/", DetentionLocation, lambda w: LocationFactory()),
}
TWO_MOMENTS = (
    dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC),
)


def _pull(client, url, *, page_size, between=None) -> list[str]:
    """Every id the list gives, following `next`; `between(n)` runs after page n."""
    ids, number = [], 0
    url = f"{url}?page_size={page_size}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids.extend(item["id"] for item in body["results"])
        url = body["next"]
        number += 1
        if between is not None:
            between(number)
    return ids


def _tie(model, records):
    # Half the records made at one moment, half at another (the demo's 1,522 persons shared two).
    for index, record in enumerate(records):
        model.objects.filter(pk=record.pk).update(created_at=TWO_MOMENTS[index % 2])


@pytest.mark.parametrize("name", LISTS)
def test_pages_never_skip_or_repeat_records_that_share_a_creation_time(world, api, name):
    url, model, make = LISTS[name]
    records = [make(world) for _ in range(23)]
    _tie(model, records)
    client = api(world.supervisor)
    ids = _pull(client, url, page_size=4)
    assert len(ids) == len(set(ids))
    every = {str(r.public_id) for r in model.objects.visible_to(world.supervisor)}
    assert set(ids) == every and len(every) >= 23


@pytest.mark.parametrize("name", LISTS)
def test_pages_never_skip_or_repeat_when_records_come_and_go_between_pages(world, api, name):
    url, model, make = LISTS[name]
    records = [make(world) for _ in range(20)]
    _tie(model, records)
    client = api(world.supervisor)
    before = {str(r.public_id) for r in model.objects.visible_to(world.supervisor)}
    seen_first = _pull(client, url, page_size=5)
    gone = set()

    def between(number):
        # Delete records already given and records still to come; add new ones at both ties.
        for record in model.objects.filter(public_id__in=seen_first[number * 3 : number * 3 + 2]):
            gone.add(str(record.public_id))
            record.delete()
        added = [make(world) for _ in range(2)]
        _tie(model, added)

    ids = _pull(client, url, page_size=5, between=between)
    assert len(ids) == len(set(ids)), "a record came twice"
    # Every record there from the first page to the last came, whatever was around it.
    assert before - gone <= set(ids)


def test_a_partner_list_skips_no_shared_person_when_another_is_unshared(world, api):
    # The case: unsharing a person already fetched made the next page skip one.
    persons = [share(world) for _ in range(12)]
    _tie(Person, [world.case_a, *persons])
    client = api(world.partner)

    def between(number):
        if number == 1:
            first = client.get("/api/v1/persons/?page_size=3").json()["results"][0]["id"]
            SharedCase.objects.filter(person__public_id=first).delete()

    ids = _pull(client, "/api/v1/persons/", page_size=3, between=between)
    assert len(ids) == len(set(ids))
    still = {str(p.public_id) for p in Person.objects.visible_to(world.partner)}
    assert len(still) == 12 and still <= set(ids)


def test_the_previous_link_goes_back_a_page(world, api):
    _tie(Person, [PersonFactory(organisation=world.north) for _ in range(9)])
    client = api(world.supervisor)
    first = client.get("/api/v1/persons/?page_size=4").json()
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [i["id"] for i in back["results"]] == [i["id"] for i in first["results"]]
    assert client.get(back["next"]).json()["results"] == second["results"]


def test_a_cursor_holds_a_position_and_no_offset(world, api):
    client = api(world.supervisor)
    link = client.get("/api/v1/persons/?page_size=1").json()["next"]
    [cursor] = parse_qs(urlsplit(link).query)["cursor"]
    data = signing.loads(cursor, salt="casework.api.list-position")
    assert set(data) == {"t", "k", "b"}


@pytest.mark.parametrize("name", LISTS)
def test_updated_since_lists_only_what_changed_since(world, api, name):
    url, model, make = LISTS[name]
    old, new = make(world), make(world)
    model.objects.update(updated_at=timezone.now() - dt.timedelta(days=2))
    model.objects.filter(pk=new.pk).update(updated_at=timezone.now())
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = api(world.supervisor).get(url, {"updated_since": since})
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["results"]] == [str(new.public_id)]
    assert str(old.public_id) not in response.content.decode()


@pytest.mark.parametrize("value", ["yesterday", "2026-01-01", "2026-01-01T00:00:00", "9" * 400])
def test_updated_since_refuses_a_moment_without_its_offset(world, api, value):
    response = api(world.supervisor).get("/api/v1/persons/", {"updated_since": value})
    assert response.status_code == 400
    assert fields_of(response) == {"updated_since"}


@pytest.mark.parametrize(
    "value", ["0833-04-07T00:00:13+22:34", "2026-01-01T00:00:00-23:59", "0001-01-01T00:00:00+01:00"]
)
def test_updated_since_takes_any_offset_iso_8601_allows(world, api, value):
    # PostgreSQL refuses offsets beyond ±15:59 (a 500 found by schemathesis): the moment is
    # turned to UTC first, or refused when it falls before the calendar begins.
    response = api(world.supervisor).get("/api/v1/persons/", {"updated_since": value})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert fields_of(response) == {"updated_since"}


def test_a_partner_lists_what_changed_since_its_last_pull(world, api):
    client = api(world.partner)
    since = timezone.now().isoformat()
    assert client.get("/api/v1/persons/", {"updated_since": since}).json()["results"] == []
    person_update(
        actor=world.supervisor,
        person=Person.objects.get(pk=world.case_a.pk),
        expected_version=world.case_a.version,
        birthplace="Raqqa",
    )
    results = client.get("/api/v1/persons/", {"updated_since": since}).json()["results"]
    assert [i["id"] for i in results] == [str(world.case_a.public_id)]
