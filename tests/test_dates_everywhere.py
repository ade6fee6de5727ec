"""One date input for the whole application (issue 9): placements, sightings and flights read dates
as the report forms do (casework.dates: day before month, a month or a year where that is all that
is known), and each date is shown at its own precision."""

import datetime as dt

import pytest

from casework.models import Placement
from casework.services.form_tokens import new_form_token
from tests.factories import FlightFactory


def _placement(client, world, start, **extra):
    data = {
        "place_text": "A camp in the north-east",
        "start_date": start,
        "source": "visit",
        "reliability": "probable",
        "form_token": new_form_token(),
        **extra,
    }
    return client.post(f"/persons/{world.case_a.public_id}/placements/new/", data)


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("1994", dt.date(1994, 1, 1), "year"),
        ("1994-05", dt.date(1994, 5, 1), "month"),
        ("05.1994", dt.date(1994, 5, 1), "month"),
        ("03.12.1986", dt.date(1986, 12, 3), "exact"),
        ("03/12/1986", dt.date(1986, 12, 3), "exact"),
        ("١٩٩٤-٠٥", dt.date(1994, 5, 1), "month"),
    ],
)
def test_a_placement_takes_the_date_as_families_write_it(world, login, typed, date, precision):
    response = _placement(login(world.caseworker), world, typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    placement = Placement.objects.get(person=world.case_a)
    assert (placement.start_date, placement.start_precision) == (date, precision)


def test_a_sighting_takes_the_same_dates(world, login):
    response = _placement(login(world.caseworker), world, "2021", is_sighting="on")
    assert response.status_code == 302
    sighting = Placement.objects.get(person=world.case_a)
    assert sighting.is_sighting and sighting.start_precision == "year"


def test_an_american_date_is_a_field_error_listing_the_forms(world, login):
    response = _placement(login(world.caseworker), world, "12/31/1986")
    assert response.status_code == 400
    errors = response.context["form"].errors["start_date"]
    assert "21.04.2015" in " ".join(errors) and "day before month" in " ".join(errors)
    assert not Placement.objects.filter(person=world.case_a).exists()


def test_the_end_of_a_placement_is_read_day_first_too(world, login):
    response = _placement(login(world.caseworker), world, "2019", end_date="02/03/2020")
    assert response.status_code == 302
    assert Placement.objects.get(person=world.case_a).end_date == dt.date(2020, 3, 2)


def test_a_placement_known_to_the_month_shows_the_month_in_words(world, login):
    Placement.objects.create(
        person=world.case_a,
        place_text="A camp in the north-east",
        start_date=dt.date(2019, 5, 2),
        start_precision="month",
        source="letter",
        reliability="confirmed",
    )
    client = login(world.caseworker)
    page = client.get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "May 2019" in page
    assert "2019-05-02" not in page and "(month)" not in page
    client.cookies["django_language"] = "ru"
    page = client.get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "Май 2019" in page


def _flight(client, date):
    return client.post(
        "/flights/new/",
        {
            "form_token": new_form_token(),
            "reference": "DATE-1",
            "date": date,
            "origin": "Erbil",
            "destination": "Grozny",
            "capacity": "10",
            "status": "planned",
            "time_zone": "Asia/Baghdad",
        },
    )


def test_a_flight_date_is_read_day_first_and_may_be_ahead(world, login):
    next_year = dt.date.today().year + 1
    response = _flight(login(world.caseworker), f"03/12/{next_year}")
    assert response.status_code == 302
    assert world.north.flights.get(reference="DATE-1").date == dt.date(next_year, 12, 3)


@pytest.mark.parametrize("typed", ["12/31/2030", "2030", "2030-05"])
def test_a_flight_date_is_a_whole_day_written_day_first(world, login, typed):
    response = _flight(login(world.caseworker), typed)
    assert response.status_code == 400
    assert response.context["form"].errors["date"]
    assert not world.north.flights.filter(reference="DATE-1").exists()


# --- A handover's time: the day written day first, then the time -------------------------------


def _handover_post(world, login, typed):
    from tests.test_flight_time_zone import BAGHDAD, _passenger, clock, utc

    flight = FlightFactory(organisation=world.north, date=dt.date(2026, 3, 10), time_zone=BAGHDAD)
    entry = _passenger(world, flight, status="boarded", boarded_at=utc(2026, 3, 9, 21, 35))
    with clock(utc(2026, 3, 12, 9, 0)):
        response = login(world.caseworker).post(
            f"/flights/{flight.public_id}/manifest/{entry.public_id}/handover/",
            {
                "form_token": new_form_token(),
                "recipient_kind": "child_services",
                "recipient_name": "Child services of Grozny",
                "handed_at": typed,
                "place": "Grozny airport",
            },
        )
    return response, entry


@pytest.mark.parametrize("typed", ["11.03.2026 10:15", "11/03/2026 10:15", "2026-03-11 10:15"])
def test_a_handover_time_is_read_day_first(world, login, typed):
    from tests.test_flight_time_zone import utc

    response, entry = _handover_post(world, login, typed)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert entry.handover.handed_at == utc(2026, 3, 11, 7, 15)  # 10:15 in Baghdad


@pytest.mark.parametrize("typed", ["03/11/2026 10:15", "11.03.2026", "11.03.2026 25:00"])
def test_a_handover_time_otherwise_is_a_field_error(world, login, typed):
    response, entry = _handover_post(world, login, typed)
    assert response.status_code == 400
    assert response.context["form"].errors["handed_at"]


# --- Filters read days as every form does --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [("03/12/2025", dt.date(2025, 12, 3)), ("03.12.2025", dt.date(2025, 12, 3))],
)
def test_a_date_filter_reads_the_day_first(world, typed, day):
    from casework.filtersets import ReportFilterSet
    from casework.models import FamilyReport

    filterset = ReportFilterSet(
        {"received_from": typed}, queryset=FamilyReport.objects.visible_to(world.caseworker)
    )
    assert filterset.is_valid()
    assert filterset.form.cleaned_data["received_from"] == day


def test_a_date_filter_refuses_the_american_order(world, login):
    response = login(world.caseworker).get("/reports/", {"received_from": "12/31/2025"})
    assert response.status_code == 400
    assert "day before month" in response.content.decode()


# --- A person's birth: one input, as the report forms ask it -------------------------------------


def _new_person(client, born):
    data = {"names-TOTAL_FORMS": "1", "names-INITIAL_FORMS": "0", "names-0-kind": "legal"}
    data.update({"names-0-family_name": "Zaurova", "names-0-given_name": "Leyla"})
    data.update(sex="F", documents_held="unknown", born=born, form_token=new_form_token())
    return client.post("/persons/new/", data)


@pytest.mark.parametrize(
    ("typed", "precision", "date", "age"),
    [
        ("2017", "year", dt.date(2017, 1, 1), None),
        ("05.2017", "month", dt.date(2017, 5, 1), None),
        ("03/12/2016", "exact", dt.date(2016, 12, 3), None),
        ("about 7", "age", None, 7),
        ("", "unknown", None, None),
    ],
)
def test_a_person_is_recorded_with_a_birth_as_families_write_it(
    world, login, typed, precision, date, age
):
    from casework.models import Person

    response = _new_person(login(world.caseworker), typed)
    assert response.status_code == 302, response.content.decode()[-2000:]
    person = Person.objects.get(display_name="Zaurova Leyla")
    assert (person.birth_precision, person.birth_date, person.age_stated) == (precision, date, age)


def test_the_edit_form_shows_the_birth_as_typed_and_keeps_an_untouched_age(world, login):
    from casework.models import Person

    client = login(world.caseworker)
    Person.objects.filter(pk=world.case_a.pk).update(
        birth_precision="age", birth_date=None, age_stated=7, age_stated_on=dt.date(2020, 1, 1)
    )
    url = f"/persons/{world.case_a.public_id}/edit/"
    form = client.get(url).context["form"]
    assert form["born"].value() == "7"
    data = {"version": 1, "sex": "F", "documents_held": "unknown", "born": "7"}
    data["birthplace"] = "Mosul"
    assert client.post(url, data).status_code == 302
    world.case_a.refresh_from_db()
    assert (world.case_a.age_stated, world.case_a.age_stated_on) == (7, dt.date(2020, 1, 1))
    assert world.case_a.birthplace == "Mosul"
