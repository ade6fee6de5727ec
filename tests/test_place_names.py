"""Place names matched to known places in any script (issue 12): "Roj camp" and "Лагерь Рож" are
one place; a name no place matches for sure waits for a supervisor, who maps it (it becomes an
alias, so the next list is matched), creates the place, or dismisses it. On the demo's places and
the variants its lists and the sample lists write."""

import datetime as dt

import pytest

from casework.demo.places import FACILITIES
from casework.models import AuditEvent, DetentionLocation, PlaceAlias, Placement, PlaceName
from casework.permissions import Denied, Hidden
from casework.services import places
from casework.services.errors import ServiceError
from casework.services.imports import list_import_commit, list_import_upload
from casework.services.place_names import PlaceIndex, match_place, place_key, queue_place_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_places(db):
    return {
        f.name: DetentionLocation.objects.create(
            name=f.name,
            kind=f.kind,
            country=f.country,
            governorate=f.governorate,
            city=f.city,
            latitude=f.latitude,
            longitude=f.longitude,
        )
        for f in FACILITIES
    }


@pytest.mark.parametrize(
    ("written", "place"),
    [
        ("Roj camp", "Roj camp"),
        ("roj  CAMP", "Roj camp"),
        ("camp Roj", "Roj camp"),
        ("Лагерь Рож", "Roj camp"),
        ("лагерь Родж", "Roj camp"),
        ("al-Hol camp", "al-Hol camp"),
        ("Al Hol", "al-Hol camp"),
        ("Аль-Холь", "al-Hol camp"),
        ("лагерь аль-Хол", "al-Hol camp"),
        ("Areesha camp", "Areesha camp"),
        ("Лагерь Ариша", "Areesha camp"),
        ("Атме", "Atmeh camp"),
        ("Baghdad Central Prison", "Baghdad Central Prison"),
    ],
)
def test_variants_match_their_place_for_sure(demo_places, written, place):
    match = match_place(written)
    assert match.sure, written
    assert match.place == demo_places[place]


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        # The sample lists' vaguer names: never guessed, at most suggested.
        ("Mosul, orphanage", "Nineveh state orphanage"),
        ("тюрьма Русафа", "al-Rusafa women's prison"),
        ("Baghdad, prison", None),  # three prisons in Baghdad
        ("Qamishli", None),
        ("Erbil", "Erbil women's and children's reformatory"),  # the one place in Erbil
        ("Tal Afar", None),
    ],
)
def test_unsure_names_are_not_guessed(demo_places, written, suggested):
    match = match_place(written)
    assert not match.sure
    assert match.suggested == (demo_places[suggested] if suggested else None)


@pytest.mark.parametrize("written", ["unknown", "Неизвестно", "", "camp", "  лагерь "])
def test_no_name_at_all_is_neither_matched_nor_queued(world, demo_places, written):
    match = match_place(written)
    assert not match.sure and match.suggested is None
    assert queue_place_name(world.caseworker, written, match) is None
    assert not PlaceName.objects.exists()


def test_an_arabic_name_matches_once_it_is_an_alias(world, demo_places):
    roj = demo_places["Roj camp"]
    assert not match_place("مخيم روج").sure
    places.place_alias_add(actor=world.supervisor, place=roj, name="مخيم روج")
    assert match_place("مخيم روج").place == roj
    assert match_place("روج").place == roj  # the kind word is not part of the key
    assert AuditEvent.objects.filter(object_type="PlaceAlias", actor=world.supervisor).exists()


def test_an_alias_that_means_another_place_is_refused(world, demo_places):
    with pytest.raises(ServiceError) as error:
        places.place_alias_add(
            actor=world.supervisor, place=demo_places["Newroz camp"], name="Лагерь Рож"
        )
    assert "name" in error.value.message_dict
    assert not PlaceAlias.objects.exists()


def test_queue_counts_a_name_once_per_organisation(world, demo_places):
    index = PlaceIndex.build()
    for written in ("Baghdad, prison", "baghdad prison", "Багдад, тюрьма"):
        queue_place_name(world.caseworker, written, index.match(written))
    queued = PlaceName.objects.get()
    assert queued.name == "Baghdad, prison" and queued.times_seen == 3
    assert queued.organisation == world.north
    assert place_key("Багдад, тюрьма") == queued.key


def test_mapping_a_name_makes_it_an_alias_for_the_next_list(world, demo_places, login):
    queue_place_name(world.caseworker, "Baghdad, prison", match_place("Baghdad, prison"))
    queued = PlaceName.objects.get()
    rusafa = demo_places["al-Rusafa women's prison"]
    client = login(world.supervisor)
    page = client.get("/places/names/")
    assert page.status_code == 200 and "Baghdad, prison" in page.content.decode()
    response = client.post(f"/places/names/{queued.public_id}/", {"place": str(rusafa.public_id)})
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == "mapped" and queued.location == rusafa
    assert match_place("Baghdad, prison").place == rusafa
    waiting = client.get("/places/names/").content.decode().split('id="place-names"')[1]
    assert "Baghdad, prison" not in waiting
    # Decided once: a second decision is refused, nothing changes.
    again = client.post(f"/places/names/{queued.public_id}/", {"dismiss": "on"})
    assert again.status_code == 400
    queued.refresh_from_db()
    assert queued.status == "mapped"


def test_dismissing_a_name(world, demo_places, login):
    queue_place_name(world.caseworker, "somewhere near Raqqa", match_place("somewhere near Raqqa"))
    queued = PlaceName.objects.get()
    response = login(world.supervisor).post(f"/places/names/{queued.public_id}/", {"dismiss": "1"})
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == "dismissed" and queued.decided_by == world.supervisor


def test_a_decision_needs_a_place_or_a_dismissal(world, demo_places, login):
    queue_place_name(world.caseworker, "Qamishli", match_place("Qamishli"))
    queued = PlaceName.objects.get()
    response = login(world.supervisor).post(f"/places/names/{queued.public_id}/", {})
    assert response.status_code == 400
    assert "Choose the place this name means" in response.content.decode()


def test_the_queue_is_the_organisations_and_the_supervisors(world, demo_places, login):
    queue_place_name(world.south_supervisor, "Qamishli", match_place("Qamishli"))
    queued = PlaceName.objects.get()
    # North's supervisor does not see south's queue; a caseworker may not decide at all.
    assert (
        login(world.supervisor)
        .post(f"/places/names/{queued.public_id}/", {"dismiss": "1"})
        .status_code
        == 404
    )
    with pytest.raises(Hidden):
        places.place_name_dismiss(actor=world.supervisor, place_name=queued)
    queue_place_name(world.caseworker, "Qamishli", match_place("Qamishli"))
    north = PlaceName.objects.get(organisation=world.north)
    with pytest.raises(Denied):
        places.place_name_dismiss(actor=world.caseworker, place_name=north)
    assert login(world.caseworker).get("/places/names/").status_code == 403


def test_a_list_import_matches_its_place_names(world, demo_places):
    """The demo's camps as list compilers write them: each sighting lands on its place, the one
    nobody can place waits for review."""
    header = "record_id,family_name,given_name,sex,birth_date,age,age_reference_date,location\n"
    rows = [
        "R1,Тестова,Амина,F,2015,,,Лагерь Рож\n",
        "R2,Testova,Leila,F,2016,,,al-Hol camp\n",
        'R3,Testova,Sara,F,2017,,,"Baghdad, prison"\n',
    ]
    upload = list_import_upload(
        actor=world.supervisor,
        source="Camp administration list",
        as_of=dt.date(2026, 10, 1),
        filename="list.csv",
        data=(header + "".join(rows)).encode(),
    )
    list_import_commit(actor=world.supervisor, list_import=upload)
    sightings = Placement.objects.filter(notes__contains="Camp administration list")
    by_text = {p.place_text: p.location for p in sightings.select_related("location")}
    assert by_text["Лагерь Рож"] == demo_places["Roj camp"]
    assert by_text["al-Hol camp"] == demo_places["al-Hol camp"]
    assert by_text["Baghdad, prison"] is None
    assert list(PlaceName.objects.values_list("name", flat=True)) == ["Baghdad, prison"]
