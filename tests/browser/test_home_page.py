"""The home page of each role on a 390-px phone, in English and Russian (issue 12): the caseworker's
cases, tasks and flights, the supervisor's queues and charts, the DPO's alert; nothing wider than
the phone; no CSP refusal; axe-core finds no serious or critical violation. Screenshots are kept
as artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import CaseTask, Handover, ManifestEntry
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import FlightFactory, PersonFactory


def _work(world):
    today = timezone.localdate()
    world.case_a.assigned_to = world.caseworker
    world.case_a.status = "located"
    world.case_a.save()
    for _ in range(6):
        PersonFactory(organisation=world.north, team=world.team_a, status="verifying")
    CaseTask.objects.create(
        person=world.case_a,
        title="Call the aunt in Grozny",
        due_on=today - dt.timedelta(days=1),
        assigned_to=world.caseworker,
    )
    CaseTask.objects.create(person=world.case_a, title="Ask for the birth certificate")
    soon = FlightFactory(organisation=world.north, date=today + dt.timedelta(days=4), capacity=12)
    flown = FlightFactory(organisation=world.north, date=today, status="completed")
    entry = ManifestEntry.objects.create(
        flight=flown, person=world.case_b, status="boarded", approved_by=world.supervisor
    )
    Handover.objects.create(
        manifest_entry=entry,
        recipient_kind="relative",
        recipient_name="Testova Khadizhat",
        recipient_relationship="grandmother",
        handed_at=timezone.now(),
    )
    return soon


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "dpo"])
@pytest.mark.parametrize(
    ("locale", "language", "heading"),
    [("en-GB", "en", "Persons by status"), ("ru-RU", "ru", "Люди по статусам")],
    ids=["en", "ru"],
)
def test_home_page_of_each_role_on_a_phone(world, make_phone_context, live_server, persona,
                                           locale, language, heading):  # fmt: skip
    soon = _work(world)
    user = world.personas()[persona]
    session = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("#status-chart .bar-row")).to_have_count(12)
    if persona == "dpo":
        expect(page.locator("#my-cases")).to_have_count(0)
        expect(page.locator("#flights-coming")).to_have_count(0)
    else:
        expect(page.locator(f'#flights-coming [data-flight="{soon.public_id}"]')).to_be_visible()
        expect(page.locator("#returns-chart .bar-suppressed")).to_have_count(1)
    if persona == "caseworker":
        expect(page.locator("#my-cases")).to_contain_text("Alieva Madina")
        expect(page.locator("#tasks-due .task-overdue")).to_contain_text("Call the aunt")
        expect(page.locator("#tasks-due")).to_contain_text("Ask for the birth certificate")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page is wider than the screen"
    screenshot(page, f"home-{persona}-phone-{language}")
    assert axe_violations(page) == []
    assert refused == []
