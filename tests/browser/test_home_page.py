"""The home page of each role, on a desk (1280 px) and a 390-px phone, in English and Russian
(issue 12): the caseworker's cases, tasks and flights, the queues, the charts (persons by status,
by status over time, by place and by region) each with its table, counts under 5 suppressed and
no English label left in the Russian charts; nothing wider than the screen; no CSP refusal;
axe-core finds no serious or critical violation. Screenshots are kept as artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation
from playwright.sync_api import expect

from casework.models import CaseTask, Handover, ManifestEntry, PersonStatus, Placement
from casework.services.persons import person_change_status
from tests.browser import SCREENSHOT_DIR, axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import FlightFactory, LocationFactory, PersonFactory

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}
SMALL = {"en": "fewer than 5", "ru": "меньше 5"}


def _work(world):
    today = timezone.localdate()
    world.case_a.assigned_to = world.caseworker
    world.case_a.status = "located"
    world.case_a.save()
    roj = LocationFactory(name="Invented Camp Roj", country="SY", governorate="Al-Hasakah")
    hol = LocationFactory(name="Invented Camp Hol", country="SY", governorate="Al-Hasakah")
    for i in range(8):
        person = PersonFactory(organisation=world.north, team=world.team_a, status="reported")
        # Six reach "verifying" this month, two are "not traceable": a count under 5.
        person_change_status(
            actor=world.supervisor,
            person=person,
            to="verifying" if i < 6 else "not_traceable",
            reason="Named in a camp list.",
            expected_version=person.version,
        )
        Placement.objects.create(
            person=person,
            location=roj if i < 6 else hol,
            start_date=dt.date(2025, 1, 1),
            source="visit",
            reliability="confirmed",
        )
    CaseTask.objects.create(
        person=world.case_a,
        title="Call the aunt in Grozny",
        due_on=today - dt.timedelta(days=1),
        assigned_to=world.caseworker,
    )
    CaseTask.objects.create(
        person=world.case_a,
        title="Ask for the birth certificate",
        due_on=today + dt.timedelta(days=3),
    )
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
    return soon, roj, hol


# The English words the charts would show if a label were left untranslated.
with translation.override("en"):
    ENGLISH_CHART_WORDS = [str(label) for _value, label in PersonStatus.choices] + [
        "fewer than",
        "more than",
        "at least",
    ]


def _chart_texts(page) -> list[str]:
    return page.locator("svg.bar-chart text, svg.bar-chart title").all_text_contents()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.parametrize("persona", ["intake", "caseworker", "supervisor", "dpo", "admin"])
@pytest.mark.parametrize(
    ("locale", "language", "heading"),
    [("en-GB", "en", "Persons by status"), ("ru-RU", "ru", "Люди по статусам")],
    ids=["en", "ru"],
)
def test_home_page_of_each_role(world, make_phone_context, live_server, persona, width, locale,
                                language, heading):  # fmt: skip
    soon, roj, hol = _work(world)
    user = world.personas()[persona]
    session = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, **(DESK if width == "desk" else {}))
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # Every chart comes with its table.
    expect(page.locator("#status-chart .bar-row")).to_have_count(12)
    expect(page.locator("#persons-by-status tbody tr")).to_have_count(12)
    sees_persons = persona != "admin"
    if sees_persons:
        # Status over time: this month's "not traceable" (2) is suppressed in chart and table.
        month = timezone.localdate().isoformat()[:7]
        row = page.locator(f'#status-by-month tr[data-month="{month}"]')
        expect(row.locator('td[data-series="verifying"]')).to_have_text("6")
        expect(row.locator('td[data-series="not_traceable"]')).to_have_text(SMALL[language])
        expect(page.locator("#status-time-chart .seg-suppressed")).to_have_count(1)
    else:
        expect(page.locator("#status-time-chart")).to_have_count(0)
    if persona in ("caseworker", "supervisor"):
        expect(page.locator(f'#flights-coming [data-flight="{soon.public_id}"]')).to_be_visible()
        expect(page.locator("#returns-chart .bar-suppressed")).to_have_count(1)
        place_row = page.locator(f'#persons-by-place tr[data-place="{roj.public_id}"] td').last
        expect(place_row).to_have_text("6")
        small_row = page.locator(f'#persons-by-place tr[data-place="{hol.public_id}"] td').last
        expect(small_row).to_have_text(SMALL[language])
        expect(page.locator("#places-chart .bar-suppressed")).to_have_count(1)
        # The region leaves Hol (2) out: 6, never the 8 that would give Hol's 2 away.
        expect(
            page.locator('#persons-by-region tr[data-region="SY/Al-Hasakah"] td').last
        ).to_have_text("6")
    else:
        expect(page.locator("#my-cases")).to_have_count(0)
        expect(page.locator("#flights-coming")).to_have_count(0)
        expect(page.locator("#persons-by-place")).to_have_count(0)
    if persona == "caseworker":
        expect(page.locator("#my-cases")).to_contain_text("Alieva Madina")
        overdue = page.locator("#tasks-due .task-overdue")
        expect(overdue).to_contain_text("Call the aunt")
        expect(overdue).to_contain_text("Overdue:" if language == "en" else "Просрочено:")
        expect(page.locator("#tasks-due")).to_contain_text("Ask for the birth certificate")
    if language == "ru":
        texts = " ".join(_chart_texts(page))
        left = [word for word in ENGLISH_CHART_WORDS if word in texts]
        assert not left, f"English labels in the Russian charts: {left}"
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page is wider than the screen"
    screenshot(page, f"home-{persona}-{width}-{language}")
    if persona == "supervisor":
        # The charts up close, to look at their labels on each width.
        for section in ("status-over-time", "persons-by-place-section"):
            path = SCREENSHOT_DIR / f"home-{section}-{width}-{language}.png"
            page.locator(f"#{section}").screenshot(path=str(path))
    assert axe_violations(page) == []
    assert refused == []
