"""The Tasks section of a person's page in a browser, on a 390-px phone, in English and Russian
(issue 12): an overdue task says so in words, a task is added through its form (its day written
day first) and marked done with its button; nothing wider than the phone; no CSP refusal; axe-core
finds no serious or critical violation. Screenshots are kept as artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import CaseTask
from tests.browser import SCREENSHOT_DIR, axe_violations, screenshot
from tests.conftest import verified_client

WORDS = {
    "en": {"overdue": "Overdue:", "add": "Add a task", "title": "What is to be done",
           "due": "Due on", "submit": "Add", "done": "Mark done"},
    "ru": {"overdue": "Просрочено:", "add": "Добавить задачу", "title": "Что нужно сделать",
           "due": "Срок", "submit": "Добавить", "done": "Отметить выполненной"},
}  # fmt: skip


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("locale", "language"), [("en-GB", "en"), ("ru-RU", "ru")], ids=["en", "ru"]
)
def test_tasks_on_the_person_page(world, make_phone_context, live_server, locale, language):
    CaseTask.objects.create(
        person=world.case_a,
        title="Send the form to the embassy",
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    session = verified_client(world.caseworker).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    words = WORDS[language]

    page.goto(f"/persons/{world.case_a.public_id}/")
    overdue = page.locator("#open-tasks .task-overdue")
    expect(overdue).to_contain_text(words["overdue"])
    expect(overdue).to_contain_text("Send the form to the embassy")

    page.get_by_role("link", name=words["add"]).click()
    due = timezone.localdate() + dt.timedelta(days=5)
    page.get_by_label(words["title"]).fill("Ask the camp for the birth record")
    page.get_by_label(words["due"]).fill(due.strftime("%d.%m.%Y"))
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/persons/{world.case_a.public_id}/")
    expect(page.locator("#open-tasks")).to_contain_text("Ask the camp for the birth record")
    expect(page.locator("#open-tasks")).to_contain_text(due.isoformat())

    overdue.get_by_role("button", name=words["done"]).click()
    expect(page.locator("#done-tasks")).to_contain_text("Send the form to the embassy")
    expect(page.locator("#open-tasks .task-overdue")).to_have_count(0)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page is wider than the screen"
    screenshot(page, f"person-tasks-phone-{language}")
    page.locator("#tasks").screenshot(
        path=str(SCREENSHOT_DIR / f"person-tasks-section-{language}.png")
    )
    assert axe_violations(page) == []
    assert refused == []
