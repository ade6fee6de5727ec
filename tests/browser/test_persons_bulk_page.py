"""Changing several persons at once in a browser on a 390-px phone, in English and Russian
(issue 12): tick persons in the list, choose the change, give the reason, apply; nothing wider
than the phone, no CSP refusal, no serious axe-core violation. Screenshots are kept."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from casework.models import Person
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import PersonFactory


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("locale", "language", "apply", "done"),
    [
        ("en-GB", "en", "Apply to all chosen", "2 persons were changed."),
        ("ru-RU", "ru", "Применить ко всем выбранным", "Изменено людей: 2."),
    ],
    ids=["en", "ru"],
)
def test_tick_two_persons_and_change_their_status(world, make_phone_context, live_server,
                                                  locale, language, apply, done):  # fmt: skip
    other = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Amal")
    session = verified_client(world.caseworker).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    page.goto("/persons/")
    for person in (world.case_a, other):
        page.locator(f'input[name="person"][value="{person.public_id}"]').check()
    page.locator("#bulk-choice button").click()
    expect(page.locator("#bulk-chosen li")).to_have_count(2)
    page.locator('input[name="change"][value="status"]').check()
    page.locator('select[name="to"]').select_option("verifying")
    page.locator('textarea[name="reason"]').fill("The ICRC list arrived.")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page is wider than the screen"
    screenshot(page, f"persons-bulk-phone-{language}")
    assert axe_violations(page) == []
    page.get_by_role("button", name=apply).click()
    expect(page.locator("body")).to_contain_text(done)
    assert {p.status for p in Person.objects.filter(pk__in=[world.case_a.pk, other.pk])} == {
        "verifying"
    }
    assert refused == []
