"""The manifest picker: persons cleared for return, searched by name as the persons list searches,
told apart by birth year, mother, current place and status, and proposed several at once."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import AuditEvent, ManifestEntry, PersonStatus
from casework.services.form_tokens import new_form_token
from casework.services.placements import placement_record
from casework.services.relationships import relationship_link
from tests.factories import FlightFactory, LocationFactory, PersonFactory


def _born(year):
    return {
        "birth_precision": "year",
        "birth_date": dt.date(year, 1, 1),
        "birth_earliest": dt.date(year, 1, 1),
        "birth_latest": dt.date(year, 12, 31),
    }


def cleared(world, name="Mezhidova Khava", *, team="team_a", year=2016, **kwargs):
    return PersonFactory(
        organisation=world.north,
        team=getattr(world, team),
        status=PersonStatus.CLEARED_FOR_RETURN,
        display_name=name,
        **_born(year),
        **kwargs,
    )


def mother_of(world, child, name, *, team="team_a"):
    mother = PersonFactory(
        organisation=world.north, team=getattr(world, team), display_name=name, **_born(1990)
    )
    relationship_link(actor=world.supervisor, person=child, relative=mother, kind="mother")
    return mother


def held_at(world, person, place_name, *, year=2022):
    return placement_record(
        actor=world.supervisor,
        person=person,
        start_date=dt.date(year, 3, 1),
        start_precision="month",
        source="authority_list",
        reliability="confirmed",
        location=LocationFactory(name=place_name),
    )


@pytest.fixture
def flight(world):
    return FlightFactory(organisation=world.north, date=timezone.localdate(), capacity=30)


def _picker(flight):
    return f"/flights/{flight.public_id}/manifest/add/"


def _rows(response):
    return {str(row["person"].public_id): row for row in response.context["rows"]}


# --- What it shows -----------------------------------------------------------------------------


def _ticked(*persons, **fields) -> dict:
    """What the picker posts: the persons ticked, with the form's one-time token."""
    return {
        "form_token": new_form_token(),
        "persons": [str(p.public_id) for p in persons],
        **fields,
    }


def test_two_persons_of_one_name_are_told_apart_by_year_mother_and_place(world, login, flight):
    elder = cleared(world, "Mezhidov Khasan Khuseynovich", year=2012)
    younger = cleared(world, "Mezhidov Khasan Khuseynovich", year=2017)
    mother_of(world, elder, "Mezhidova Zarema")
    # Recorded the other way round: the child of a woman.
    mother = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Mezhidova Luiza"
    )
    relationship_link(actor=world.supervisor, person=mother, relative=younger, kind="child")
    held_at(world, elder, "Roj camp")
    held_at(world, younger, "Al-Hol camp, annex")
    response = login(world.caseworker).get(_picker(flight))
    assert response.status_code == 200
    rows = _rows(response)
    first, second = rows[str(elder.public_id)], rows[str(younger.public_id)]
    assert [m.display_name for m in first["mothers"]] == ["Mezhidova Zarema"]
    assert [m.display_name for m in second["mothers"]] == ["Mezhidova Luiza"]
    assert first["place"].location.name == "Roj camp"
    assert second["place"].location.name == "Al-Hol camp, annex"
    body = response.content.decode()
    for shown in ("2012", "2017", "Mezhidova Zarema", "Mezhidova Luiza", "Roj camp", "March 2022"):
        assert shown in body
    assert "cleared for return" in body


def test_only_persons_cleared_for_return_whom_the_user_sees_and_not_yet_on_board(
    world, login, flight
):
    mine = cleared(world, "Readyova Amina")
    on_board = cleared(world, "Boardova Aset")
    ManifestEntry.objects.create(flight=flight, person=on_board)
    cleared(world, "Otherteamova Madina", team="team_b")
    PersonFactory(organisation=world.north, team=world.team_a, display_name="Locatedova Iman")
    response = login(world.caseworker).get(_picker(flight))
    assert {row["person"].display_name for row in response.context["rows"]} == {mine.display_name}
    assert "Otherteamova" not in response.content.decode()


def test_a_mother_the_user_may_not_see_is_not_named(world, login, flight):
    child = cleared(world, "Childova Safiya")
    mother_of(world, child, "Hiddenova Petimat", team="team_b")
    response = login(world.caseworker).get(_picker(flight))
    assert _rows(response)[str(child.public_id)]["mothers"] == []
    assert "Hiddenova" not in response.content.decode()
    # The supervisor sees both ends of the link.
    response = login(world.supervisor).get(_picker(flight))
    assert [m.display_name for m in _rows(response)[str(child.public_id)]["mothers"]] == [
        "Hiddenova Petimat"
    ]


def test_the_search_is_the_persons_lists_name_search(world, login, flight):
    from casework.services.names import person_add_name

    wanted = cleared(world, "Umarova Kheda")
    person_add_name(actor=world.supervisor, person=wanted, family_name="Умарова", given_name="Хеда")
    cleared(world, "Dudaeva Aminat")
    client = login(world.caseworker)
    by_cyrillic = client.get(_picker(flight), {"q": "Умарова"})
    assert [r["person"].pk for r in by_cyrillic.context["rows"]] == [wanted.pk]
    persons_list = client.get("/persons/", {"q": "Умарова"})
    assert wanted in list(persons_list.context["page"])
    nobody = client.get(_picker(flight), {"q": "Nobodova"})
    assert nobody.context["rows"] == []
    assert 'id="no-candidates"' in nobody.content.decode()


def test_the_picker_records_the_read_of_mothers_and_places(world, login, flight):
    child = cleared(world, "Childova Safiya")
    mother_of(world, child, "Childova Zarema")
    held_at(world, child, "Roj camp")
    login(world.caseworker).get(_picker(flight))
    event = AuditEvent.objects.filter(actor=world.caseworker, action="read_sensitive").latest("id")
    assert event.changes["view"] == "manifest_add"
    # One event for the page, naming the candidate whose mother and place it printed, and found
    # from the candidate (a subject-access query).
    assert event.changes["records"] == [str(child.public_id)]
    assert {"location", "from_person"} <= set(event.fields)
    assert list(AuditEvent.objects.about([child.public_id]).filter(action="read_sensitive")) == [
        event
    ]


# The picker page's queries, whatever the number of candidates: the session, user and second
# factor; the flight; the user's teams and grants; the count and the page of candidates; their
# mothers; their places; the read's one audit event and its subjects (in a savepoint: 4); the
# session saved (in a savepoint).
PICKER_QUERIES = 17


@pytest.mark.parametrize("count", [3, 20])
def test_the_picker_page_costs_the_same_queries_for_3_or_20_candidates(
    world, login, flight, count, django_assert_max_num_queries
):
    for n in range(count):
        child = cleared(world, f"Candidatova Amina {n}")
        mother_of(world, child, f"Candidatova Zarema {n}")
        held_at(world, child, f"Camp {n}")
    client = login(world.caseworker)
    with django_assert_max_num_queries(PICKER_QUERIES):
        response = client.get(_picker(flight))
    assert len(response.context["rows"]) == count
    assert all(row["mothers"] and row["place"] for row in response.context["rows"])


# --- Adding the ticked persons -------------------------------------------------------------------


def test_add_selected_proposes_every_ticked_person_with_one_event_each(world, login, flight):
    first, second, untouched = (cleared(world, f"Tickedova Amina {n}") for n in range(3))
    response = login(world.caseworker).post(
        _picker(flight),
        {
            "form_token": new_form_token(),
            "persons": [str(first.public_id), str(second.public_id)],
            "note": "Travels with aunt",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/flights/{flight.public_id}/"
    entries = ManifestEntry.objects.filter(flight=flight)
    assert {e.person_id for e in entries} == {first.pk, second.pk}
    assert {e.note for e in entries} == {"Travels with aunt"}
    assert {e.status for e in entries} == {"proposed"}
    for entry in entries:
        assert AuditEvent.objects.filter(action="create", object_id=entry.public_id).count() == 1
    assert untouched.manifest_entries.count() == 0


def test_one_refused_person_adds_nobody_and_says_who_and_why(world, login, flight):
    ready = cleared(world, "Readyova Amina")
    not_ready = cleared(world, "Notreadyova Aset", year=2014)
    not_ready.status = PersonStatus.LOCATED
    not_ready.save(update_fields=["status"])
    response = login(world.caseworker).post(
        _picker(flight),
        {
            "form_token": new_form_token(),
            "persons": [str(ready.public_id), str(not_ready.public_id)],
        },
    )
    assert response.status_code == 400
    assert not ManifestEntry.objects.filter(flight=flight).exists()
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert "Notreadyova Aset (born 2014): only a person cleared for return" in body
    # The ticked candidate stays ticked, to send again without the refused one.
    assert _rows(response)[str(ready.public_id)]["ticked"] is True


def test_a_person_already_added_meanwhile_is_refused_by_name(world, login, flight):
    from casework.services.flights import manifest_propose

    person = cleared(world, "Racova Madina", year=2015)
    client = login(world.caseworker)
    client.get(_picker(flight))
    manifest_propose(actor=world.supervisor, flight=flight, person=person)
    response = client.post(_picker(flight), _ticked(person))
    assert response.status_code == 400
    assert "Racova Madina (born 2015) is already on this flight" in response.content.decode()
    assert ManifestEntry.objects.filter(flight=flight).count() == 1


def test_a_person_the_user_may_not_see_is_no_valid_choice(world, login, flight):
    hidden = cleared(world, "Otherteamova Madina", team="team_b")
    response = login(world.caseworker).post(_picker(flight), _ticked(hidden))
    assert response.status_code == 400
    assert "not among those you may propose" in response.content.decode()
    assert "Otherteamova" not in response.content.decode()
    assert not ManifestEntry.objects.exists()


def test_nothing_ticked_is_a_clear_error(world, login, flight):
    cleared(world)
    response = login(world.caseworker).post(_picker(flight), _ticked())
    assert response.status_code == 400
    assert "Tick at least one person" in response.content.decode()


def test_a_closed_flight_offers_no_candidates(world, login):
    flight = FlightFactory(organisation=world.north, status="completed")
    cleared(world)
    response = login(world.caseworker).get(_picker(flight))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert 'id="manifest-closed"' in response.content.decode()


def test_adding_to_a_closed_flight_says_so_and_adds_nobody(world, login):
    flight = FlightFactory(organisation=world.north, status="cancelled")
    person = cleared(world)
    response = login(world.caseworker).post(_picker(flight), _ticked(person))
    assert response.status_code == 400
    assert "its manifest is closed" in response.content.decode()
    assert not ManifestEntry.objects.exists()


def test_the_flight_page_links_to_the_picker_and_has_no_dropdown_of_names(world, login, flight):
    cleared(world, "Readyova Amina")
    body = login(world.caseworker).get(f"/flights/{flight.public_id}/").content.decode()
    assert _picker(flight) in body
    assert "Readyova Amina" not in body
    assert 'name="person"' not in body


def test_the_picker_speaks_russian(world, login, flight):
    child = cleared(world, "Mezhidov Khasan Khuseynovich", year=2012)
    mother_of(world, child, "Mezhidova Zarema")
    held_at(world, child, "Roj camp")
    client = login(world.caseworker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    body = client.get(_picker(flight)).content.decode()
    for russian in ("Добавить пассажиров на рейс", "Мать", "Текущее место", "Добавить отмеченных"):
        assert russian in body
    for english in ("Add selected", "Current place", "Mother", "cleared for return", "since"):
        assert english not in body
    refused = client.post(_picker(flight), _ticked()).content.decode()
    assert "Отметьте хотя бы одного человека" in refused
