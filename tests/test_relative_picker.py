"""Linking a relative: the relative is searched for by name and chosen from a page of results that
tell namesakes apart, never from a drop-down of every person the user may see (34,000 options for
a caseworker at 100,000 persons). Only a person the user may see is accepted: any other id posted
comes back as a field error, and nothing is written."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AuditEvent, Relationship
from casework.services.form_tokens import new_form_token
from casework.services.placements import placement_record
from casework.services.relationships import relationship_link
from tests.factories import LocationFactory, PersonFactory


def _born(year):
    return {
        "birth_precision": "year",
        "birth_date": dt.date(year, 1, 1),
        "birth_earliest": dt.date(year, 1, 1),
        "birth_latest": dt.date(year, 12, 31),
    }


def _person(world, name, *, team="team_a", year=1990, **kwargs):
    team = getattr(world, team)
    born = _born(year)
    return PersonFactory(organisation=world.north, team=team, display_name=name, **born, **kwargs)


def _url(person):
    return f"/persons/{person.public_id}/relatives/new/"


def _link(relative, **fields):
    return {
        "relative": str(relative.public_id),
        "kind": "mother",
        "confidence": "probable",
        "source": "the sister",
        "form_token": new_form_token(),
        **fields,
    }


def _rows(response):
    return {str(row["person"].public_id): row for row in response.context["rows"]}


def test_the_page_lists_a_page_of_search_results_not_every_person(world, login):
    persons = [_person(world, f"Manyova Aset {n:02d}") for n in range(60)]
    response = login(world.caseworker).get(_url(world.case_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<select name="relative"' not in body
    # No person is an option of any drop-down; those shown are radio buttons of a page of results.
    assert not any(f'<option value="{p.public_id}"' in body for p in persons)
    shown = [p for p in persons if f'type="radio" name="relative" value="{p.public_id}"' in body]
    assert 0 < len(shown) == len(response.context["rows"]) < 60
    found = login(world.caseworker).get(_url(world.case_a), {"q": "Manyova Aset 07"})
    assert [row["person"].display_name for row in found.context["rows"]][0] == "Manyova Aset 07"


def test_two_namesakes_are_told_apart_by_year_mother_and_place(world, login):
    elder = _person(world, "Saidova Malika", year=1975)
    younger = _person(world, "Saidova Malika", year=1998)
    grandmother = _person(world, "Saidova Zulay", year=1950)
    relationship_link(actor=world.supervisor, person=elder, relative=grandmother, kind="mother")
    placement_record(
        actor=world.supervisor,
        person=younger,
        start_date=dt.date(2022, 3, 1),
        start_precision="month",
        source="authority_list",
        reliability="confirmed",
        location=LocationFactory(name="Roj camp"),
    )
    response = login(world.caseworker).get(_url(world.case_a), {"q": "Saidova Malika"})
    rows = _rows(response)
    first, second = rows[str(elder.public_id)], rows[str(younger.public_id)]
    assert (first["view"]["birth_year"], second["view"]["birth_year"]) == (1975, 1998)
    assert [m.display_name for m in first["mothers"]] == ["Saidova Zulay"]
    assert second["place"].location.name == "Roj camp"
    body = response.content.decode()
    for shown in ("1975", "1998", "Saidova Zulay", "Roj camp", "March 2022"):
        assert shown in body
    # Printing mothers and places is a read of those persons, in one event for the page.
    event = AuditEvent.objects.filter(action="read_sensitive").order_by("-id").first()
    assert event is not None
    assert {str(s.person_id) for s in event.subjects.all()} >= {
        str(elder.public_id),
        str(younger.public_id),
    }


def test_only_persons_the_user_sees_are_offered_and_never_the_person_themself(world, login):
    mine = _person(world, "Linkova Amina")
    _person(world, "Linkova Madina", team="team_b")
    response = login(world.caseworker).get(_url(world.case_a), {"q": "Linkova"})
    names = {row["person"].display_name for row in response.context["rows"]}
    assert names == {mine.display_name}
    everyone = login(world.caseworker).get(_url(world.case_a))
    assert world.case_a.pk not in {row["person"].pk for row in everyone.context["rows"]}
    assert world.case_b.pk not in {row["person"].pk for row in everyone.context["rows"]}


def test_choosing_one_links_them_through_the_service(world, login):
    mother = _person(world, "Materova Leyla", year=1970)
    response = login(world.caseworker).post(_url(world.case_a), _link(mother))
    assert response.status_code == 302
    link = Relationship.objects.get()
    assert (link.from_person, link.to_person, link.kind, link.source) == (
        mother,
        world.case_a,
        "mother",
        "the sister",
    )


@pytest.mark.parametrize("hidden", ["case_b", "protected_a", "south_case", "case_a"])
def test_a_posted_id_of_a_person_not_offered_is_a_field_error(world, login, hidden):
    response = login(world.caseworker).post(_url(world.case_a), _link(getattr(world, hidden)))
    assert response.status_code == 400
    assert response.context["form"].errors["relative"] == [
        "Choose the relative among the persons found by the search."
    ]
    assert "Choose the relative among the persons found by the search." in (
        response.content.decode()
    )
    assert not Relationship.objects.exists()


@pytest.mark.parametrize("value", ["", "not-an-id", "00000000-0000-0000-0000-000000000000"])
def test_no_or_a_malformed_choice_is_a_field_error(world, login, value):
    _person(world, "Someova Aset")
    data = {**_link(world.case_a), "relative": value}
    response = login(world.caseworker).post(_url(world.case_a), data)
    assert response.status_code == 400
    assert response.context["form"].errors["relative"]
    assert not Relationship.objects.exists()


def test_the_choice_and_the_search_survive_a_refused_post(world, login):
    mother = _person(world, "Keptova Zarema")
    url = _url(world.case_a) + "?q=Keptova"
    response = login(world.caseworker).post(url, _link(mother, kind="no-such-kind"))
    assert response.status_code == 400
    assert _rows(response)[str(mother.public_id)]["chosen"] is True
    assert f'value="{mother.public_id}" id="pick-{mother.public_id}" required checked' in (
        response.content.decode()
    )


def test_the_page_in_russian(world, russian):
    _person(world, "Russkova Aminat")
    body = russian(world.caseworker).get(_url(world.case_a)).content.decode()
    assert "<title>Связать с родственником ·" in body
    assert "Найдите родственника" in body and "Найденные люди" in body
    for english in ("Link a relative", "Search for the relative", "Persons found", "Current place"):
        assert english not in body


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


def test_the_page_costs_the_same_queries_for_5_or_30_candidates(world, login):
    def add(n, start):
        for i in range(start, start + n):
            person = _person(world, f"Countova Aset {i:02d}")
            mother = _person(world, f"Countova Mother {i:02d}", year=1960)
            relationship_link(actor=world.supervisor, person=person, relative=mother, kind="mother")

    add(3, 0)
    client = login(world.caseworker)
    url = _url(world.case_a) + "?q=Countova"
    client.get(url)
    few, shown_few = _count(client, url)
    add(12, 3)
    many, shown_many = _count(client, url)
    assert (shown_few, shown_many) == (6, 30)
    assert many == few
