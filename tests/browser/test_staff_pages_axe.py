"""axe-core on every staff page, in English and in Russian (issue 9): no serious or critical
violation on any list, record, form or dead end a caseworker, a supervisor or the data-protection
officer opens (the handover form and its search, a pair to review, a merge and its record
included); and the focus ring and the header's "Change" button keep their contrast."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Channel, ManifestEntry, MatchSuggestion, PersonStatus
from casework.services.matching import suggestions_find_duplicates
from casework.services.merge import persons_merge
from casework.services.persons import NameInput, person_create
from casework.services.relationships import relationship_link
from casework.services.reports import report_submit
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import FlightFactory, PersonFactory

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}

# The contrast of the focus ring and of the header's button, as the browser paints them.
_CONTRAST = """([selector, property]) => {
  const element = document.querySelector(selector);
  const parse = (colour) => colour.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(element);
  let back = element;
  while (back && getComputedStyle(back).backgroundColor.match(/[0-9.]+/g)?.[3] === "0") {
    back = back.parentElement;
  }
  const background = back ? getComputedStyle(back).backgroundColor : "rgb(255, 255, 255)";
  const [l1, l2] = [luminance(parse(style[property])), luminance(parse(background))];
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}"""


def _review_and_handover(world, flight):
    """A boarded child with a known relative (the handover form), a pair waiting for review, and a
    merge done."""
    child = PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status=PersonStatus.ON_MANIFEST,
        display_name="Axeova Safiya",
    )
    relationship_link(actor=world.supervisor, person=child, relative=world.case_a, kind="sibling")
    entry = ManifestEntry.objects.create(
        flight=flight, person=child, status="boarded", approved_by=world.supervisor
    )
    handover = f"/flights/{flight.public_id}/manifest/{entry.public_id}/handover/"
    pairs = []
    for family, given in (("Tagirov", "Bilal"), ("Magomedov", "Ruslan")):
        pairs.append(
            [
                person_create(
                    actor=world.supervisor,
                    names=[NameInput(family_name=family, given_name=given)],
                    birth_precision="year",
                    birth_date=dt.date(2015, 1, 1),
                    team=world.team_a,
                    sex="M",
                )
                for _ in range(2)
            ]
        )
    merge = persons_merge(
        actor=world.supervisor, survivor=pairs[1][0], absorbed=pairs[1][1], reason="One boy"
    )
    suggestions_find_duplicates(actor=world.supervisor)
    suggestion = MatchSuggestion.objects.get(person__in=pairs[0])
    return handover, suggestion, pairs[0], merge


def _pages(world):
    person = f"/persons/{world.case_a.public_id}/"
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Alieva", "given_name": "Madina"}],
    )
    entry = report.entries.get()
    flight = FlightFactory(organisation=world.north, reference="AXE-1", date=timezone.localdate())
    handover, suggestion, pair, merge = _review_and_handover(world, flight)
    staff = [
        "/",
        "/persons/",
        "/persons/new/",
        person,
        f"{person}edit/",
        f"{person}status/",
        f"{person}assign/",
        f"{person}placements/new/",
        f"{person}relatives/new/",
        f"{person}notes/new/",
        f"{person}names/new/",
        f"{person}share/",
        "/persons/export/",
        "/reports/",
        "/reports/new/",
        f"/reports/{report.public_id}/",
        f"/reports/{report.public_id}/entries/{entry.public_id}/triage/",
        "/flights/",
        "/flights/new/",
        f"/flights/{flight.public_id}/",
        f"/flights/{flight.public_id}/edit/",
        f"/flights/{flight.public_id}/manifest/add/",
        "/imports/",
        "/imports/new/",
        "/review/",
        f"/review/{suggestion.public_id}/",
        f"/review/merge/{pair[0].public_id}/{pair[1].public_id}/",
        f"/review/merges/{merge.public_id}/",
        handover,
        f"{handover}?q=Tagirov+Bilal",
        "/account/password/",
        f"/persons/{world.south_case.public_id}/",  # the framed 404 with break-glass
        "/audit/",  # the framed 403 for a supervisor
    ]
    dpo = ["/audit/", "/audit/break-glass/"]
    return staff, dpo


def _signed_in(make_phone_context, live_server, user, locale):
    cookie = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, **DESK)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "language"), [("en-GB", "en"), ("ru-RU", "ru")])
def test_every_staff_page_has_no_serious_accessibility_violation(
    world, make_phone_context, live_server, locale, language
):
    staff, dpo = _pages(world)
    found = {}
    for user, urls in ((world.supervisor, staff), (world.dpo, dpo)):
        page = _signed_in(make_phone_context, live_server, user, locale)
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status in (200, 403, 404), (url, response)
            expect(page.locator("html")).to_have_attribute("lang", language)
            violations = axe_violations(page)
            if violations:
                found[url] = violations
    assert found == {}, f"axe: serious/critical violations: {found}"

    page = _signed_in(make_phone_context, live_server, world.supervisor, locale)
    page.goto("/persons/")
    screenshot(page, f"persons-desk-{language}")
    # The header's "Change" button at 4.5:1 or more; a focused field's ring at 3:1 or more.
    assert page.evaluate(_CONTRAST, ["#language-select + button", "color"]) >= 4.5
    page.locator("#language-select").focus()
    assert page.evaluate(_CONTRAST, ["#language-select", "outlineColor"]) >= 3

    # On a 390-px phone the results come before the filters, and no name breaks mid-word.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/persons/")
    results = page.locator("#person-list").bounding_box()
    filters = page.locator("form.filters").bounding_box()
    assert results is not None and filters is not None
    assert results["y"] < filters["y"]
    screenshot(page, f"persons-phone-{language}")
    assert page.evaluate(
        "() => [...document.querySelectorAll('.name-cell')].every("
        "(cell) => getComputedStyle(cell).overflowWrap !== 'anywhere')"
    )
