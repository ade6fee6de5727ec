"""The printed flight manifest in a browser (issue 12), in English and Russian: with print media
the navigation and the buttons are gone and each line is a table row with its passenger or
escort, name and the documents still missing; Chromium prints it to a PDF. The print-media
screenshot and the PDF are kept as artefacts."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from casework.models import ManifestEntry, Person
from tests.browser import SCREENSHOT_DIR, screenshot
from tests.conftest import verified_client
from tests.factories import FlightFactory

DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}
WORDS = {
    "en": {"escort": "escort", "passenger": "passenger", "travel": "travel document"},
    "ru": {"escort": "сопровождающий", "passenger": "пассажир", "travel": "документ для поездки"},
}


def _flight(world):
    Person.objects.filter(pk=world.case_a.pk).update(documents_held="none")
    Person.objects.filter(pk=world.case_b.pk).update(documents_held="national")
    flight = FlightFactory(organisation=world.north, reference="FL-INV-9")
    ManifestEntry.objects.create(flight=flight, person=world.case_a)
    ManifestEntry.objects.create(flight=flight, person=world.case_b)
    ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Escortova Invented")
    return flight


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("locale", "language"), [("en-GB", "en"), ("ru-RU", "ru")], ids=["en", "ru"]
)
def test_the_printed_manifest(world, make_phone_context, live_server, locale, language):
    flight = _flight(world)
    session = verified_client(world.supervisor).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, **DESK)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    response = page.goto(f"/flights/{flight.public_id}/manifest/print/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.emulate_media(media="print")
    # Printed, the page is the manifest alone.
    expect(page.locator(".navbar")).to_be_hidden()
    expect(page.locator(".manifest-print .no-print").first).to_be_hidden()
    words = WORDS[language]
    rows = page.locator("tr.manifest-line")
    expect(rows).to_have_count(3)

    def row(name):
        return rows.filter(has_text=name)

    # Each child with what is still missing, and the escort on a line of its own.
    expect(row("Alieva Madina")).to_contain_text(words["passenger"])
    expect(row("Alieva Madina")).to_contain_text(words["travel"])
    expect(row("Bekova Zaira")).to_contain_text(words["passenger"])
    expect(row("Bekova Zaira")).not_to_contain_text(words["travel"])
    expect(row("Escortova Invented")).to_contain_text(words["escort"])
    # Each line is kept whole: no table wider than the printed page.
    overflow = page.evaluate(
        "document.querySelector('.manifest-print-table').scrollWidth > "
        "document.documentElement.clientWidth"
    )
    assert not overflow, "the manifest table is wider than the page"
    screenshot(page, f"manifest-print-{language}")
    pdf = page.pdf(format="A4", landscape=True, print_background=False)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    (SCREENSHOT_DIR / f"manifest-print-{language}.pdf").write_bytes(pdf)
    assert refused == []
