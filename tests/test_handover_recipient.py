"""The handover's recipient is chosen, not pasted as an id (issue 9): the child's known relatives
are offered with their relation and birth year, a name search finds others the caseworker may
see, and "someone not in the records" is named by hand. A person posted by hand whom the
caseworker may not see is refused with a field error, named nowhere."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import AuditEvent, Handover, ManifestEntry, PersonStatus, Relationship
from casework.services.form_tokens import new_form_token
from casework.services.names import refresh_name_keys
from casework.services.relationships import relationship_link
from tests.factories import FlightFactory, PersonFactory


def _born(year):
    return {
        "birth_precision": "year",
        "birth_date": dt.date(year, 1, 1),
        "birth_earliest": dt.date(year, 1, 1),
        "birth_latest": dt.date(year, 12, 31),
    }


@pytest.fixture
def boarded(world):
    flight = FlightFactory(
        organisation=world.north,
        reference="HAND-1",
        date=timezone.localdate() - dt.timedelta(days=1),
    )
    child = PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status=PersonStatus.ON_MANIFEST,
        display_name="Handova Safiya",
        **_born(2016),
    )
    entry = ManifestEntry.objects.create(
        flight=flight, person=child, status="boarded", approved_by=world.supervisor
    )
    return entry, f"/flights/{flight.public_id}/manifest/{entry.public_id}/handover/"


@pytest.fixture
def grandmother(world, boarded):
    entry, _ = boarded
    person = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Handova Zarema", **_born(1961)
    )
    # Recorded from the child's side: the child is the grandchild of Zarema.
    relationship_link(
        actor=world.caseworker, person=person, relative=entry.person, kind="grandchild"
    )
    return person


def _post(**fields):
    handed = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    return {
        "form_token": new_form_token(),
        "recipient_kind": "relative",
        "recipient_name": "",
        "recipient_relationship": "",
        "handed_at": handed.strftime("%Y-%m-%d %H:%M"),
        "place": "Grozny airport",
        "documents": "",
        **fields,
    }


def test_the_childs_relatives_are_offered_with_relation_and_birth_year(
    world, login, boarded, grandmother
):
    entry, url = boarded
    mother = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Handova Kheda", **_born(1990)
    )
    relationship_link(actor=world.caseworker, person=entry.person, relative=mother, kind="mother")
    response = login(world.caseworker).get(url)
    assert response.status_code == 200
    rows = {row["person"]: row for row in response.context["relatives"]}
    assert set(rows) == {grandmother, mother}
    assert [str(r) for r in rows[grandmother]["relations"]] == ["grandmother"]
    assert [str(r) for r in rows[mother]["relations"]] == ["mother"]
    html = response.content.decode()
    assert "Handova Zarema" in html and "born 1961" in html
    assert f'value="{grandmother.public_id}" id="id_recipient_' in html


def test_a_relative_chosen_records_the_handover_to_that_person(world, login, boarded, grandmother):
    entry, url = boarded
    response = login(world.caseworker).post(url, _post(recipient=str(grandmother.public_id)))
    assert response.status_code == 302, response.content.decode()
    handover = Handover.objects.get(manifest_entry=entry)
    assert handover.recipient_person == grandmother
    assert handover.recipient_name == "Handova Zarema"
    assert handover.recipient_relationship == "grandmother"


def test_a_relationship_typed_for_a_relative_is_kept(world, login, boarded, grandmother):
    entry, url = boarded
    chosen = _post(recipient=str(grandmother.public_id), recipient_relationship="foster mother")
    assert login(world.caseworker).post(url, chosen).status_code == 302
    assert Handover.objects.get(manifest_entry=entry).recipient_relationship == "foster mother"


@pytest.mark.parametrize(
    ("kind", "sex", "said"),
    [
        ("child", "M", "father"),  # the child is the child of this man
        ("child", "U", "parent"),
        ("ward", "F", "guardian"),
        ("sibling", "M", "brother"),
        ("grandparent", "F", "granddaughter"),
    ],
)
def test_a_relation_recorded_from_the_childs_side_is_said_from_the_relatives(
    world, login, boarded, kind, sex, said
):
    entry, url = boarded
    relative = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Handov Ilyas", sex=sex
    )
    relationship_link(actor=world.caseworker, person=relative, relative=entry.person, kind=kind)
    [row] = login(world.caseworker).get(url).context["relatives"]
    assert (row["person"], [str(r) for r in row["relations"]]) == (relative, [said])


def test_a_relative_the_caseworker_may_not_see_is_not_offered(world, login, boarded):
    entry, url = boarded
    # An aunt kept by the other team: the caseworker of team A does not see her.
    Relationship.objects.create(from_person=world.case_b, to_person=entry.person, kind="sibling")
    response = login(world.caseworker).get(url)
    assert response.context["relatives"] == []
    assert world.case_b.display_name not in response.content.decode()


def test_a_person_found_by_the_search_can_be_chosen(world, login, boarded):
    entry, url = boarded
    uncle = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Searchov Ruslan", sex="M"
    )
    refresh_name_keys(uncle)
    client = login(world.caseworker)
    found = client.get(url, {"q": "Searchov Ruslan"})
    assert [row["person"] for row in found.context["found"]] == [uncle]
    assert f'value="{uncle.public_id}"' in found.content.decode()
    chosen = _post(recipient=str(uncle.public_id), recipient_relationship="uncle")
    assert client.post(f"{url}?q=Searchov+Ruslan", chosen).status_code == 302
    handover = Handover.objects.get(manifest_entry=entry)
    assert (handover.recipient_person, handover.recipient_relationship) == (uncle, "uncle")


def test_someone_not_in_the_records_is_named_by_hand(world, login, boarded, grandmother):
    entry, url = boarded
    client = login(world.caseworker)
    unnamed = client.post(url, _post(recipient="other", recipient_relationship="aunt"))
    assert unnamed.status_code == 400
    assert unnamed.context["form"].errors["recipient_name"] == [
        "Give the name of someone not in the records, or choose a known person."
    ]
    assert not Handover.objects.filter(manifest_entry=entry).exists()
    named = _post(recipient="other", recipient_name="Handova Aset", recipient_relationship="aunt")
    assert client.post(url, named).status_code == 302
    handover = Handover.objects.get(manifest_entry=entry)
    assert handover.recipient_person is None and handover.recipient_name == "Handova Aset"


@pytest.mark.parametrize(
    "posted",
    ["south", "other_team", "child", "missing", "not an id"],
)
def test_a_person_out_of_scope_posted_by_hand_is_a_field_error(world, login, boarded, posted):
    entry, url = boarded
    value = {
        "south": lambda: str(world.south_case.public_id),
        "other_team": lambda: str(world.case_b.public_id),
        "child": lambda: str(entry.person.public_id),
        "missing": lambda: "4f1c1d1e-0000-4000-8000-000000000000",
        "not an id": lambda: "Southova Kheda",
    }[posted]()
    response = login(world.caseworker).post(
        url, _post(recipient=value, recipient_name="", recipient_relationship="aunt")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["recipient"] == [
        "Choose one of the persons offered, or someone not in the records."
    ]
    html = response.content.decode()
    assert 'href="#id_recipient_0"' in html and 'id="id_recipient_0"' in html
    for hidden in (world.south_case, world.case_b):
        assert hidden.display_name not in html
    assert not Handover.objects.filter(manifest_entry=entry).exists()


def test_the_relatives_printed_are_one_read_and_a_handover_recorded_at_once_none(
    world, login, boarded, grandmother
):
    entry, url = boarded
    client = login(world.caseworker)
    reads = AuditEvent.objects.filter(action="read_sensitive", changes__view="handover_new")
    client.get(url)
    [event] = reads
    assert {str(s.person_id) for s in event.subjects.all()} == {str(grandmother.public_id)}
    assert {"display_name", "birth_earliest", "kind"} <= set(event.fields)
    chosen = _post(recipient=str(grandmother.public_id))
    assert client.post(url, chosen).status_code == 302
    assert reads.count() == 1
