"""The handover's recipient picker in a browser on a 390-px phone, in English and Russian, without
JavaScript: the child's known relative offered with relation and birth year, a namesake search
whose results tell two uncles of one name apart, one of them chosen and the handover recorded
to him. axe-core checks the same pages in a context with JavaScript on (it cannot run without).
Screenshots are kept as test artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Handover, ManifestEntry, PersonStatus
from casework.services.names import refresh_name_keys
from casework.services.relationships import relationship_link
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import FlightFactory, PersonFactory

UNCLES = "Pickerov Ruslan"


def _born(year):
    return {
        "birth_precision": "year",
        "birth_date": dt.date(year, 1, 1),
        "birth_earliest": dt.date(year, 1, 1),
        "birth_latest": dt.date(year, 12, 31),
    }


def _context(make_phone_context, live_server, world, locale, javascript):
    session = verified_client(world.caseworker).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, javascript=javascript)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return context


def _accessible(context, url, name):
    """axe on `url`, loaded in a context with JavaScript on."""
    page = context.new_page()
    page.goto(url)
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"axe on {url}: serious/critical violations: {violations}"
    page.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("locale", "language", "relation", "search"),
    [
        ("en-GB", "en", "grandmother", "Search"),
        ("ru-RU", "ru", "бабушка", "Поиск"),
    ],
    ids=["en", "ru"],
)
def test_a_recipient_found_by_name_is_chosen_without_javascript(
    world, make_phone_context, live_server, locale, language, relation, search
):
    flight = FlightFactory(
        organisation=world.north,
        reference="HAND-7",
        date=timezone.localdate() - dt.timedelta(days=1),
    )
    child = PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status=PersonStatus.ON_MANIFEST,
        display_name="Pickerova Amina",
        **_born(2016),
    )
    entry = ManifestEntry.objects.create(
        flight=flight, person=child, status="boarded", approved_by=world.supervisor
    )
    grandmother = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Pickerova Luiza", **_born(1958)
    )
    relationship_link(
        actor=world.caseworker, person=child, relative=grandmother, kind="grandparent"
    )
    uncles = []
    for year in (1979, 1991):
        uncle = PersonFactory(
            organisation=world.north,
            team=world.team_a,
            display_name=UNCLES,
            sex="M",
            **_born(year),
        )
        refresh_name_keys(uncle)
        uncles.append(uncle)
    url = f"/flights/{flight.public_id}/manifest/{entry.public_id}/handover/"
    page = _context(make_phone_context, live_server, world, locale, javascript=False).new_page()
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", language)
    relative = page.locator(f'#known-relatives li[data-person="{grandmother.public_id}"]')
    expect(relative).to_contain_text("Pickerova Luiza")
    expect(relative).to_contain_text(relation)
    expect(relative).to_contain_text("1958")

    page.locator("#id_q").fill(UNCLES)
    page.get_by_role("button", name=search, exact=True).click()
    found = page.locator("#found-recipients tr.candidate")
    expect(found).to_have_count(2)
    for uncle in uncles:
        row = page.locator(f'#found-recipients tr[data-person="{uncle.public_id}"]')
        expect(row).to_contain_text(str(uncle.birth_year))
    screenshot(page, f"handover-search-nojs-{language}")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths == [390, 390], f"the handover form is {widths[0]} px wide on a 390-px phone"
    with_script = _context(make_phone_context, live_server, world, locale, javascript=True)
    _accessible(with_script, page.url, f"handover-search-{language}")

    younger = uncles[1]
    page.locator(f'tr[data-person="{younger.public_id}"]').get_by_role("radio").check()
    page.locator("#id_recipient_kind").select_option("relative")
    page.locator("#id_recipient_relationship").fill("uncle")
    handed = timezone.localtime(timezone.now() - dt.timedelta(hours=1), flight.zone)
    page.locator("#id_handed_at").fill(handed.strftime("%Y-%m-%d %H:%M"))
    page.locator("form.handover-form button[type=submit]:not([form])").click()

    expect(page).to_have_url(f"{live_server.url}/flights/{flight.public_id}/")
    handover = Handover.objects.get(manifest_entry=entry)
    assert (handover.recipient_person, handover.recipient_relationship) == (younger, "uncle")
    assert handover.recipient_name == UNCLES
