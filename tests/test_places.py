"""The registry of places (issue 12): list and detail for staff, who is known to be there now as
the viewer may see them, population reports with their sources, access notes only for those who
may see them, the map drawn from the coordinates, editing by supervisors and administrators
through the audited services, and persons filtered by their current place."""

import datetime as dt
import re

import pytest

from casework.audit import AuditAction
from casework.models import AuditEvent, DetentionLocation, PopulationReport
from casework.permissions import Action, Denied, may
from casework.selectors import persons_now_at
from casework.services import places
from casework.services.errors import ServiceError
from casework.services.form_tokens import new_form_token
from casework.services.placements import placement_record
from tests.factories import LocationFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rusafa(world):
    place = LocationFactory(
        name="al-Rusafa women's prison",
        kind="prison",
        country="IQ",
        city="Baghdad",
        latitude="33.33860",
        longitude="44.42540",
        access_notes="Lawyers on court days only; photos are not allowed.",
    )
    return place


def _place(world, person, place, *, start, reliability="confirmed", sighting=False, end=None):
    return placement_record(
        actor=world.supervisor,
        person=person,
        location=place,
        start_date=start,
        end_date=end,
        source="visit",
        reliability=reliability,
        is_sighting=sighting,
    )


@pytest.fixture
def held(world, rusafa):
    """case_a (team A) and case_b (team B) are held at al-Rusafa now; a third person was there
    and moved on, a fourth was only seen there, a fifth's placement there is unconfirmed."""
    elsewhere = LocationFactory(name="Tel Keif prison", kind="prison", country="IQ")
    _place(world, world.case_a, rusafa, start=dt.date(2024, 1, 1))
    _place(world, world.case_b, rusafa, start=dt.date(2024, 2, 1))
    moved = PersonFactory(organisation=world.north, team=world.team_a, display_name="Movedova Asya")
    _place(world, moved, rusafa, start=dt.date(2023, 1, 1))
    _place(world, moved, elsewhere, start=dt.date(2024, 6, 1))
    seen = PersonFactory(organisation=world.north, team=world.team_a, display_name="Seenova Lina")
    _place(world, seen, rusafa, start=dt.date(2024, 3, 1), sighting=True)
    unsure = PersonFactory(organisation=world.north, team=world.team_a, display_name="Unsure Raya")
    _place(world, unsure, rusafa, start=dt.date(2024, 3, 1), reliability="probable")
    released = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Releasedova Dana"
    )
    _place(world, released, rusafa, start=dt.date(2022, 3, 1), end=dt.date(2023, 3, 1))
    return rusafa


def test_persons_now_at_a_place_as_each_viewer_may_see_them(world, held):
    names = {
        persona: {p.display_name for p in persons_now_at(user, held)}
        for persona, user in world.personas().items()
    }
    assert names["supervisor"] == {"Alieva Madina", "Bekova Zaira"}
    assert names["caseworker"] == {"Alieva Madina"}
    assert names["other_team_caseworker"] == {"Bekova Zaira"}
    for persona in ("intake", "dpo", "admin", "partner", "partner_without_agreement", "anonymous"):
        assert names[persona] == set(), persona


def test_place_detail_shows_who_is_there_and_records_the_read(world, held, login):
    response = login(world.caseworker).get(f"/places/{held.public_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    table = body.split('id="place-persons"')[1].split("</table>")[0]
    assert "Alieva Madina" in table
    assert "Bekova Zaira" not in table and "Movedova" not in table and "Seenova" not in table
    event = AuditEvent.objects.filter(actor=world.caseworker, action="read_sensitive").latest("id")
    assert event.changes["view"] == "place_detail"
    assert event.changes["records"] == [str(world.case_a.public_id)]
    # The caseworker records placements: the access notes are theirs to read.
    assert "photos are not allowed" in body


def test_access_notes_are_withheld_from_who_may_not_see_them(world, held, login):
    response = login(world.intake).get(f"/places/{held.public_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "photos are not allowed" not in body
    notes = body.split('id="access-notes"')[1].split("</dd>")[0]
    assert "withheld" in notes
    # Nobody is listed to intake: whereabouts are the working record.
    assert "Alieva Madina" not in body


def test_places_are_for_staff_only(world, held, login):
    for path in ("/places/", f"/places/{held.public_id}/"):
        response = login(None).get(path)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
        # A partner's system works through the API, never the staff pages.
        assert login(world.partner).get(path).status_code == 403


def test_place_list_filters_and_draws_the_map(world, held, login):
    LocationFactory(
        name="Roj camp", kind="camp", country="SY", latitude="36.9587", longitude="42.0643"
    )
    LocationFactory(name="Nowhere camp", kind="camp", country="SY")
    client = login(world.caseworker)
    body = client.get("/places/").content.decode()
    assert "al-Rusafa women&#x27;s prison" in body and "Roj camp" in body
    svg = body.split("<svg")[1].split("</svg>")[0]
    # One point per place with coordinates, each a link to the place, no script, no style.
    assert svg.count("<circle") == 2
    # Under the points, the outlines of Iraq and Syria (Natural Earth, vendored).
    assert 'class="map-country map-country-iq"' in svg and "map-country-sy" in svg
    assert f'href="/places/{held.public_id}/"' in svg
    assert "style=" not in svg and "<script" not in body.split("</header>")[1]
    assert "2 places have no coordinates" in body  # Tel Keif and Nowhere
    only_camps = client.get("/places/", {"kind": "camp"}).content.decode()
    assert "Roj camp" in only_camps and "al-Rusafa" not in only_camps
    # A name in another script finds the place.
    russian = client.get("/places/", {"q": "Лагерь Рож"}).content.decode()
    table = russian.split('id="place-list"')[1]
    assert "Roj camp" in table and "Nowhere camp" not in table


def test_the_map_keeps_points_inside_the_drawing(world, held, login):
    LocationFactory(name="Far camp", kind="camp", country="SY", latitude="20.0", longitude="60.0")
    body = login(world.supervisor).get("/places/").content.decode()
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', body)
    width, height = int(box.group(1)), int(box.group(2))
    for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', body):
        assert 0 < float(x) < width and 0 < float(y) < height


def test_place_pages_in_russian(world, held, russian):
    places.place_population_add(
        actor=world.supervisor, place=held, as_of=dt.date(2024, 1, 1), source="ICRC", estimate=1500
    )
    body = russian(world.supervisor).get(f"/places/{held.public_id}/").content.decode()
    assert "Сейчас здесь" in body and "около 1500" in body
    listing = russian(world.supervisor).get("/places/").content.decode()
    assert "Места" in listing and "° в. д." in listing
    # Numbers in the drawings are SVG coordinates, never written the Russian way (36,5).
    for svg in (body.split("<svg")[1], listing.split("<svg")[1]):
        coordinates = re.findall(r' (?:cx|cy|x|y|x1|y1|x2|y2)="([^"]*)"', svg.split("</svg>")[0])
        assert coordinates and all(float(value) >= 0 for value in coordinates)


# --- Editing: the policy's action, the services, the audit ----------------------------------


def test_managing_places_is_for_supervisors_and_administrators(world):
    allowed = {name for name, user in world.personas().items() if may(user, Action.MANAGE_PLACES)}
    assert allowed == {"supervisor", "admin"}


def test_a_caseworker_may_not_create_a_place(world):
    with pytest.raises(Denied):
        places.place_create(actor=world.caseworker, name="Camp X", kind="camp", country="SY")
    assert not DetentionLocation.objects.filter(name="Camp X").exists()


def test_supervisor_creates_and_edits_a_place_audited(world, login):
    client = login(world.supervisor)
    response = client.post(
        "/places/new/",
        {
            "name": "Test camp",
            "kind": "camp",
            "country": "sy",
            "latitude": "36.5",
            "longitude": "41.0",
            "access_notes": "No phones.",
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    place = DetentionLocation.objects.get(name="Test camp")
    assert place.country == "SY"
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=place.public_id, actor=world.supervisor
    ).exists()
    response = client.post(
        f"/places/{place.public_id}/edit/",
        {"name": "Test camp", "kind": "camp", "country": "SY", "access_notes": "Phones kept."},
    )
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.access_notes == "Phones kept." and place.latitude is None
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=place.public_id)
    # The notes are sensitive: the trail says they changed, not what they say.
    assert "Phones kept." not in str(event.changes)
    assert set(event.fields) == {"access_notes", "latitude", "longitude"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"country": "Syria"}, "country"),
        ({"latitude": "91"}, "latitude"),
        ({"longitude": "abc"}, "longitude"),
        ({"kind": "castle"}, "kind"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_place_input_is_a_clear_error(world, values, field):
    arguments = {"name": "Camp Y", "kind": "camp", "country": "SY", **values}
    with pytest.raises(ServiceError) as error:
        places.place_create(actor=world.supervisor, **arguments)
    assert field in error.value.message_dict
    assert not DetentionLocation.objects.filter(name="Camp Y").exists()


def test_the_same_name_twice_in_a_country_is_refused(world, held):
    with pytest.raises(ServiceError) as error:
        places.place_create(
            actor=world.admin, name="al-Rusafa women's prison", kind="prison", country="IQ"
        )
    assert "name" in error.value.message_dict


def test_population_reports_over_time_with_their_source(world, held, login):
    places.place_population_add(
        actor=world.supervisor, place=held, as_of=dt.date(2023, 5, 1), source="ICRC", estimate=900
    )
    places.place_population_add(
        actor=world.supervisor,
        place=held,
        as_of=dt.date(2024, 5, 1),
        source="Ministry of Justice",
        low=1000,
        high=1200,
    )
    held.refresh_from_db()
    # The place's own figure follows the latest estimate (a range alone does not replace it).
    assert held.reported_population == 900 and held.population_as_of == dt.date(2023, 5, 1)
    body = login(world.caseworker).get(f"/places/{held.public_id}/").content.decode()
    table = body.split('id="place-population"')[1].split("</table>")[0]
    assert "ICRC" in table and "about 900" in table
    assert "Ministry of Justice" in table and "1000 to 1200" in table
    chart = body.split('class="population-svg"')[1].split("</svg>")[0]
    assert chart.count("chart-point") == 1 and chart.count("chart-range") == 1
    assert (
        AuditEvent.objects.filter(object_type="PopulationReport", action=AuditAction.CREATE).count()
        == 2
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"source": ""}, "source"),
        ({"low": 10}, "high"),
        ({"low": 10, "high": 5}, "high"),
        ({"estimate": None}, "estimate"),
        ({"estimate": 50, "low": 1, "high": 10}, "estimate"),
        ({"estimate": -1}, "estimate"),
        ({"as_of": dt.date(2999, 1, 1)}, "as_of"),
    ],
)
def test_bad_population_input_is_a_clear_error(world, held, values, field):
    arguments = {"as_of": dt.date(2024, 1, 1), "source": "ICRC", "estimate": 5, **values}
    with pytest.raises(ServiceError) as error:
        places.place_population_add(actor=world.supervisor, place=held, **arguments)
    assert field in error.value.message_dict
    assert not PopulationReport.objects.filter(location=held).exists()


def test_population_form_page(world, held, login):
    client = login(world.supervisor)
    path = f"/places/{held.public_id}/population/new/"
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"as_of": "2024-01-01", "low": "5", "source": "visit", "form_token": new_form_token()}
    )
    assert response.status_code == 400
    assert "A range needs both its ends." in response.content.decode()
    assert login(world.caseworker).get(path).status_code == 403


# --- Persons filtered by their current place --------------------------------------------------


def test_persons_list_filtered_by_current_place(world, held, login):
    response = login(world.supervisor).get("/persons/", {"place": str(held.public_id)})
    assert response.status_code == 200
    shown = {row["person"].display_name for row in response.context["rows"]}
    assert shown == {"Alieva Madina", "Bekova Zaira"}
    response = login(world.caseworker).get("/persons/", {"place": str(held.public_id)})
    assert {row["person"].display_name for row in response.context["rows"]} == {"Alieva Madina"}


def test_intake_has_no_place_filter(world, held, login):
    response = login(world.intake).get("/persons/", {"place": str(held.public_id)})
    assert response.status_code == 200
    assert "place" not in response.context["filterset"].filters


def test_the_place_page_costs_the_same_queries_however_many_are_there(world, held, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.supervisor)
    path = f"/places/{held.public_id}/"
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(8):
        person = PersonFactory(
            organisation=world.north, team=world.team_b, display_name=f"Heldova {n}"
        )
        _place(world, person, held, start=dt.date(2024, 4, 1))
    with CaptureQueriesContext(connection) as many:
        body = client.get(path).content.decode()
    assert "Heldova 7" in body
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_persons_at_a_place_come_a_page_at_a_time_without_a_count(
    world, held, login, monkeypatch
):
    from casework.views import places as views

    monkeypatch.setattr(views, "PERSONS_PER_PAGE", 1)
    client = login(world.supervisor)
    first = client.get(f"/places/{held.public_id}/").content.decode()
    second = client.get(f"/places/{held.public_id}/", {"page": 2}).content.decode()
    assert "Alieva Madina" in first and "Bekova Zaira" not in first
    assert "Bekova Zaira" in second and "Alieva Madina" not in second
    assert "?page=2" in first and "?page=1" in second and "?page=3" not in second
    # A page number alone: nothing was counted.
    persons = first.split('id="place-persons"')[1].split("</section>")[0]
    assert "Page 1</span>" in persons and "Page 1 of" not in persons
