"""The staff login page on a phone, in English and Russian: it loads with its styles, its title
and a labelled username field, and axe-core finds no serious or critical violation."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import AxeCannotRun, axe_violations, screenshot


@pytest.mark.parametrize(
    ("locale", "language", "title", "username_label"),
    [
        ("en-GB", "en", "Log in · casework", "Username"),
        ("ru-RU", "ru", "Войти · casework", "Имя пользователя"),
    ],
    ids=["en", "ru"],
)
def test_login_page_on_a_phone(make_phone_context, locale, language, title, username_label):
    page = make_phone_context(locale=locale).new_page()
    static_responses = []
    page.on(
        "response",
        lambda response: "/static/" in response.url and static_responses.append(response),
    )

    response = page.goto(reverse("login"))

    assert response is not None and response.status == 200
    expect(page).to_have_title(title)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_label(username_label, exact=True)).to_be_visible()
    expect(page.get_by_label(username_label, exact=True)).to_have_attribute("name", "username")
    # The stylesheets come from the live server (StaticFilesHandler / WhiteNoise's finders).
    page.wait_for_load_state("load")
    assert any(r.url.endswith(".css") for r in static_responses), "no stylesheet was requested"
    assert [(r.url, r.status) for r in static_responses if r.status != 200] == []
    assert page.evaluate("() => document.styleSheets.length") >= 1

    screenshot(page, f"login-phone-{language}")

    # This found the language button's contrast (#6c757d on #f8f9fa, 4.44:1); it is now dark.
    violations = axe_violations(page)
    assert violations == [], f"axe: serious/critical accessibility violations: {violations}"


def test_login_page_works_without_javascript(phone_context_no_js):
    page = phone_context_no_js.new_page()

    response = page.goto(reverse("login"))

    assert response is not None and response.status == 200
    expect(page).to_have_title("Log in · casework")
    expect(page.get_by_label("Username", exact=True)).to_be_editable()
    expect(page.get_by_label("Password", exact=True)).to_be_editable()
    with pytest.raises(AxeCannotRun, match="JavaScript disabled"):
        axe_violations(page)
