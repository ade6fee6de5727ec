"""The families' form as a family uses it: on a 390-px phone, in Russian, English and Arabic, with
JavaScript off; the receipt and the status page; the keyboard alone; axe-core on every page.
Screenshots are kept in test-artifacts/screenshots/."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from casework.models import FamilyReport
from tests.browser import axe_violations, screenshot

LOCALES = [("ru-RU", "ru", "ltr"), ("en-GB", "en", "ltr"), ("ar", "ar", "rtl")]


@pytest.fixture(autouse=True)
def _open_form(world, settings):
    world.north.receives_public_reports = True
    world.north.save()
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    # The live server speaks plain HTTP: secure-only cookies would never come back to it.
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_SECURE = False
    cache.clear()


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (40, 120, 60)).save(out, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def fill_one_person(page, *, birth="03.12.1986"):
    page.locator("#id_reporter_name").fill("Тестова Зарема")
    page.locator("#id_reporter_email").fill("zarema@example.org")
    page.locator("#id_entries-0-family_name").fill("Тестова")
    page.locator("#id_entries-0-given_name").fill("Амина")
    page.locator("#id_entries-0-aliases").fill("أم بلال")
    page.locator("#id_entries-0-birth").fill(birth)
    page.locator("#id_entries-0-last_known_place").fill("Мосул")
    page.locator("#id_account").fill("Она уехала в 2014 году.\nПоследний звонок был в 2019.")
    page.locator("#id_consent_process_0").check()
    page.locator("#id_attachments").set_input_files([photo()])


@pytest.mark.parametrize(("locale", "language", "direction"), LOCALES, ids=["ru", "en", "ar"])
def test_a_family_sends_the_form_without_javascript_and_checks_the_status(
    make_phone_context, locale, language, direction
):
    page = make_phone_context(locale=locale, javascript=False).new_page()
    response = page.goto("/report/")
    assert response.status == 200
    assert "no-store" in response.headers["cache-control"]
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    # Nothing is wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, f"public-form-{language}")

    fill_one_person(page)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    codes = page.locator("dd.code").all_inner_texts()
    assert len(codes) == 2, page.content()
    reference, secret = codes
    report = FamilyReport.objects.get(reference=reference)
    assert report.attachments.count() == 1
    assert report.entries.get().birth_date.isoformat() == "1986-12-03"
    screenshot(page, f"public-receipt-{language}")

    page.goto("/report/status/")
    page.locator("#id_reference").fill(reference)
    page.locator("#id_secret").fill(secret)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("dd.status")).to_be_visible()
    assert reference in page.content()
    screenshot(page, f"public-status-{language}")


@pytest.mark.parametrize(("locale", "language", "direction"), LOCALES, ids=["ru", "en", "ar"])
def test_a_refused_form_keeps_what_was_typed_and_says_where(
    make_phone_context, locale, language, direction
):
    page = make_phone_context(locale=locale, javascript=False).new_page()
    page.goto("/report/")
    fill_one_person(page, birth="12/31/1986")
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    field = page.locator("#id_entries-0-birth")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby")
    assert "id_entries-0-birth_error" in described
    expect(page.locator("#id_entries-0-birth_error")).to_be_visible()
    # Typed values survive; the file must be chosen again, and the form says so.
    expect(field).to_have_value("12/31/1986")
    expect(page.locator("#id_entries-0-given_name")).to_have_value("Амина")
    expect(page.locator("#id_account")).to_have_value(
        "Она уехала в 2014 году.\nПоследний звонок был в 2019."
    )
    expect(page.locator("#id_attachments_help")).to_be_visible()
    assert FamilyReport.objects.count() == 0
    screenshot(page, f"public-form-refused-{language}")


def test_add_another_person_without_javascript(make_phone_context):
    page = make_phone_context(javascript=False).new_page()
    page.goto("/report/")
    page.locator("#id_entries-0-given_name").fill("Amina")
    page.locator("button[name=add_person]").click()
    page.wait_for_load_state()
    expect(page.locator("#id_entries-0-given_name")).to_have_value("Amina")
    expect(page.locator("#person-2")).to_be_visible()
    page.locator("#id_entries-1-given_name").fill("Bilal")
    page.locator("#id_entries-1-birth").fill("about 7")
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    report = FamilyReport.objects.get()
    assert [e.given_name for e in report.entries.order_by("position")] == ["Amina", "Bilal"]
    assert report.entries.get(position=2).age_stated == 7


@pytest.mark.parametrize(("locale", "language", "direction"), LOCALES, ids=["ru", "en", "ar"])
def test_no_serious_accessibility_violations_on_the_familys_pages(
    make_phone_context, locale, language, direction
):
    page = make_phone_context(locale=locale).new_page()
    page.goto("/report/")
    assert axe_violations(page) == []
    # The refused form, with its error summary and marked fields.
    page.locator("#id_entries-0-birth").fill("12/31/1986")
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == []
    page.locator("#id_entries-0-birth").fill("2015")
    page.locator("#id_entries-0-given_name").fill("Amina")
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    reference, secret = page.locator("dd.code").all_inner_texts()
    assert axe_violations(page) == []
    page.goto("/report/status/")
    assert axe_violations(page) == []
    page.locator("#id_reference").fill(reference)
    page.locator("#id_secret").fill(secret)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    assert axe_violations(page) == []


def test_the_form_works_from_the_keyboard_alone(make_phone_context):
    page = make_phone_context(has_touch=False, is_mobile=False).new_page()
    page.goto("/report/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("a.exit")).to_be_focused()
    # The honeypot is never reached by the keyboard; the first real field is.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "id_reporter_name":
            break
    expect(page.locator("#id_reporter_name")).to_be_focused()
    page.keyboard.type("Zarema")
    page.locator("#id_entries-0-given_name").focus()
    page.keyboard.type("Amina")
    page.locator("button.primary[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("dd.code").first).to_be_visible()


def test_leave_quickly_replaces_the_page_in_the_history(make_phone_context):
    context = make_phone_context()
    context.route(
        re.compile(r"^https://www\.google\.com/.*"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>search</p>"),
    )
    page = context.new_page()
    page.goto("/")
    page.goto("/report/")
    page.locator("a.exit").click()
    page.wait_for_url(re.compile(r"^https://www\.google\.com/"))
    page.go_back()
    assert "/report/" not in page.url
