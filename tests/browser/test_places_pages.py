"""The registry of places in a browser, on a desk (1280 px) and a phone (390 px), in English and
Russian: the list with its map, a place with who is there now and its population chart; each
point of the map reached with the keyboard leads to its place; nothing wider than the phone; no
CSP refusal; axe-core finds no serious or critical violation. Screenshots are kept as artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from playwright.sync_api import expect

from casework.demo.places import FACILITIES
from casework.models import DetentionLocation
from casework.services.placements import placement_record
from casework.services.places import place_population_add
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def _registry(world):
    places = {
        f.name: DetentionLocation.objects.create(
            name=f.name,
            kind=f.kind,
            country=f.country,
            city=f.city,
            latitude=f.latitude,
            longitude=f.longitude,
            access_notes="Photos are not allowed.",
        )
        for f in FACILITIES
    }
    roj = places["Roj camp"]
    placement_record(
        actor=world.supervisor,
        person=world.case_a,
        location=roj,
        start_date=dt.date(2023, 5, 1),
        source="visit",
        reliability="confirmed",
    )
    for as_of, values in (
        (dt.date(2022, 1, 1), {"low": 2000, "high": 2800}),
        (dt.date(2023, 6, 1), {"estimate": 2600}),
        (dt.date(2025, 3, 1), {"estimate": 2400, "low": 2200, "high": 2700}),
    ):
        place_population_add(
            actor=world.supervisor, place=roj, as_of=as_of, source="ICRC", **values
        )
    return roj


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.parametrize(
    ("locale", "language", "heading"),
    [("en-GB", "en", "Known to be here now"), ("ru-RU", "ru", "Сейчас здесь")],
    ids=["en", "ru"],
)
def test_places_list_map_and_detail(world, make_phone_context, live_server, width, locale,
                                    language, heading):  # fmt: skip
    roj = _registry(world)
    session = verified_client(world.caseworker).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, **(DESK if width == "desk" else {}))
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    response = page.goto("/places/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".place-map-svg .map-place")).to_have_count(len(FACILITIES))
    expect(page.locator(".place-map-svg .map-country")).to_have_count(2)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page is wider than the screen"
    screenshot(page, f"places-list-{width}-{language}")
    assert axe_violations(page) == []

    # The map is a set of links: the keyboard reaches Roj camp's point and opens it.
    point = page.locator(f'.map-place[href="/places/{roj.public_id}/"]')
    point.focus()
    expect(point).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/places/{roj.public_id}/")

    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("#place-persons")).to_contain_text("Alieva Madina")
    expect(page.locator(".population-svg .chart-point")).to_have_count(2)
    expect(page.locator(".population-svg .chart-range")).to_have_count(2)
    expect(page.locator("#access-notes")).to_contain_text("Photos are not allowed.")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page is wider than the screen"
    screenshot(page, f"place-detail-{width}-{language}")
    assert axe_violations(page) == []
    assert refused == []
