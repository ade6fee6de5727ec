"""The manifest picker in a browser, on a desk (1280 px) and a phone (390 px), in English and
Russian: two persons of one name told apart, two of them ticked and added in one go, and axe-core
finds no serious or critical violation. Screenshots are kept as test artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import ManifestEntry, PersonStatus
from casework.services.placements import placement_record
from casework.services.relationships import relationship_link
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import FlightFactory, LocationFactory, PersonFactory

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}
TWINS = "Межидов Хасан Хусейнович"


def _born(year):
    return {
        "birth_precision": "year",
        "birth_date": dt.date(year, 1, 1),
        "birth_earliest": dt.date(year, 1, 1),
        "birth_latest": dt.date(year, 12, 31),
    }


def _candidates(world):
    """Two boys of one name, each with his mother and camp, and a third cleared person."""
    boys = []
    for year, mother_name, camp in (
        (2012, "Межидова Зарема Ахмедовна", "Roj camp"),
        (2017, "Межидова Луиза Адамовна", "Al-Hol camp, annex 4"),
    ):
        boy = PersonFactory(
            organisation=world.north,
            team=world.team_a,
            status=PersonStatus.CLEARED_FOR_RETURN,
            display_name=TWINS,
            sex="M",
            **_born(year),
        )
        mother = PersonFactory(
            organisation=world.north, team=world.team_a, display_name=mother_name, **_born(1990)
        )
        relationship_link(actor=world.supervisor, person=boy, relative=mother, kind="mother")
        placement_record(
            actor=world.supervisor,
            person=boy,
            start_date=dt.date(2022, 3, 1),
            start_precision="month",
            source="authority_list",
            reliability="confirmed",
            location=LocationFactory(name=camp),
        )
        boys.append(boy)
    PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status=PersonStatus.CLEARED_FOR_RETURN,
        display_name="Абдулаева Сафия Магомедовна",
        **_born(2015),
    )
    return boys


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.parametrize(
    ("locale", "language", "add_label"),
    [("en-GB", "en", "Add selected"), ("ru-RU", "ru", "Добавить отмеченных")],
    ids=["en", "ru"],
)
def test_the_picker_tells_two_of_one_name_apart_and_adds_both(
    world, make_phone_context, live_server, width, locale, language, add_label
):
    boys = _candidates(world)
    flight = FlightFactory(organisation=world.north, reference="EVAC-7", date=timezone.localdate())
    session = verified_client(world.caseworker).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, **(DESK if width == "desk" else {}))
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()

    response = page.goto(f"/flights/{flight.public_id}/manifest/add/")

    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    rows = page.locator("tr.candidate")
    expect(rows).to_have_count(3)
    for boy, mother, camp in (
        (boys[0], "Межидова Зарема Ахмедовна", "Roj camp"),
        (boys[1], "Межидова Луиза Адамовна", "Al-Hol camp, annex 4"),
    ):
        row = page.locator(f'tr[data-person="{boy.public_id}"]')
        expect(row).to_contain_text(str(boy.birth_year))
        expect(row).to_contain_text(mother)
        expect(row).to_contain_text(camp)
    screenshot(page, f"manifest-picker-{width}-{language}")
    violations = axe_violations(page)
    assert violations == [], f"axe: serious/critical accessibility violations: {violations}"

    for boy in boys:
        page.locator(f'tr[data-person="{boy.public_id}"]').get_by_role("checkbox").check()
    page.get_by_role("button", name=add_label).click()

    expect(page).to_have_url(f"{live_server.url}/flights/{flight.public_id}/")
    assert set(ManifestEntry.objects.filter(flight=flight).values_list("person_id", flat=True)) == {
        boy.pk for boy in boys
    }
    screenshot(page, f"flight-after-picking-{width}-{language}")
    violations = axe_violations(page)
    assert violations == [], f"axe: serious/critical accessibility violations: {violations}"
