"""The caseworker's path in a browser on a 390-px phone, in English and in Russian (issue 9): log in
with the second factor, triage a report (the intake guard refuses a silent duplicate and a
candidate is linked in one click), record a placement known to the month, clear for return (as
supervisor), add to a flight from the picker, approve (as supervisor), board and record the
handover. axe-core checks every page on the way; screenshots are kept as test artefacts."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casework.models import (
    Channel,
    Handover,
    ManifestEntry,
    ManifestStatus,
    Person,
    PersonStatus,
    TriageOutcome,
)
from casework.services.names import refresh_name_keys
from casework.services.reports import report_submit
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD, FlightFactory

LANGUAGES = [
    ("en-GB", "en", {"month": "May 2024", "add": "Add selected"}),
    ("ru-RU", "ru", {"month": "Май 2024", "add": "Добавить отмеченных"}),
]


def _accessible(page, name):
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"axe on {page.url}: serious/critical violations: {violations}"


def _log_in_with_second_factor(context, user):
    device = TOTPDevice.objects.create(user=user, name="walk phone", confirmed=True)
    page = context.new_page()
    page.goto("/account/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_token")).to_be_visible()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.locator("#id_token").fill(f"{code:0{device.digits}d}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header nav .nav-link").first).to_be_visible()
    return page


def _supervisor_page(make_phone_context, live_server, world, locale):
    cookie = verified_client(world.supervisor).cookies[settings.SESSION_COOKIE_NAME].value
    context = make_phone_context(locale=locale, reduced_motion="reduce")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


def _submit(page):
    page.locator("main form:has(button[type=submit]) button[type=submit]").last.click()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "language", "words"), LANGUAGES, ids=["en", "ru"])
def test_the_path_from_a_report_to_a_handover(
    world, make_phone_context, live_server, locale, language, words
):
    person = world.case_a  # "Alieva Madina", known to the caseworker's team: a girl born in 2016
    Person.objects.filter(pk=person.pk).update(
        status=PersonStatus.IDENTITY_CONFIRMED,
        birth_precision="year",
        birth_date=dt.date(2016, 1, 1),
        birth_earliest=dt.date(2016, 1, 1),
        birth_latest=dt.date(2016, 12, 31),
    )
    refresh_name_keys(person)
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Alieva", "given_name": "Madina", "mother_name": ""}],
    )
    entry = report.entries.get()
    flight = FlightFactory(organisation=world.north, reference="PATH-1", date=timezone.localdate())
    # Reduced motion: Bootstrap's smooth scrolling would move a button away from under the click.
    context = make_phone_context(locale=locale, reduced_motion="reduce")
    page = _log_in_with_second_factor(context, world.caseworker)
    expect(page.locator("html")).to_have_attribute("lang", language)

    # Triage: creating beside a likely known person is refused until asked for deliberately.
    page.goto(f"/reports/{report.public_id}/entries/{entry.public_id}/triage/")
    candidate = page.locator(f'tr.candidate[data-person="{person.public_id}"]')
    expect(candidate).to_be_visible()
    page.locator("#id_decision_1").check()  # create a new person from this entry
    page.locator("form.triage-form button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator('a[href="#id_confirm_new"]')).to_be_visible()
    _accessible(page, f"path-1-triage-guard-{language}")
    candidate.locator("button[type=submit]").click()  # "This is the person": one click
    expect(page.locator(".messages[role=status]")).to_be_visible()
    entry.refresh_from_db()
    assert entry.outcome == TriageOutcome.LINKED and entry.person_id == person.pk
    _accessible(page, f"path-2-triaged-{language}")

    # A placement known to the month, typed as families write it.
    page.goto(f"/persons/{person.public_id}/placements/new/")
    page.locator("#id_place_text").fill("Roj camp, sector 3")
    page.locator("#id_start_date").fill("05.2024")
    page.locator("#id_source").select_option("visit")
    page.locator("#id_reliability").select_option("confirmed")
    _accessible(page, f"path-3-placement-form-{language}")
    _submit(page)
    expect(page.locator("#current-whereabouts")).to_contain_text(words["month"])
    _accessible(page, f"path-4-person-{language}")

    # Cleared for return: a supervisor's decision.
    supervisor = _supervisor_page(make_phone_context, live_server, world, locale)
    supervisor.goto(f"/persons/{person.public_id}/status/")
    supervisor.locator("#id_to").select_option(PersonStatus.CLEARED_FOR_RETURN)
    supervisor.locator("#id_reason").fill("Identity confirmed by the mother; papers ready.")
    _submit(supervisor)
    expect(supervisor.locator(".messages[role=status]")).to_be_visible()
    person.refresh_from_db()
    assert person.status == PersonStatus.CLEARED_FOR_RETURN

    # On the flight, from the picker.
    page.goto(f"/flights/{flight.public_id}/manifest/add/")
    page.locator(f'tr[data-person="{person.public_id}"]').get_by_role("checkbox").check()
    _accessible(page, f"path-5-picker-{language}")
    page.get_by_role("button", name=words["add"]).click()
    expect(page).to_have_url(f"{live_server.url}/flights/{flight.public_id}/")
    row = ManifestEntry.objects.get(flight=flight, person=person)

    supervisor.goto(f"/flights/{flight.public_id}/")
    supervisor.locator(f"#approve-{row.public_id}").click()
    expect(supervisor.locator(f"#board-{row.public_id}-yes")).to_be_visible()
    row.refresh_from_db()
    assert row.status == ManifestStatus.APPROVED

    # Boarded, then handed over (a few minutes after boarding, in the flight's own time zone).
    page.goto(f"/flights/{flight.public_id}/")
    page.locator(f"#board-{row.public_id}-yes").click()
    expect(page.locator(f'tr[data-entry="{row.public_id}"] .boarded-at')).to_be_visible()
    ManifestEntry.objects.filter(pk=row.pk).update(
        boarded_at=timezone.now() - dt.timedelta(minutes=10)
    )
    _accessible(page, f"path-6-boarded-{language}")
    page.goto(f"/flights/{flight.public_id}/manifest/{row.public_id}/handover/")
    page.locator("#id_recipient_kind").select_option("relative")
    page.locator("#id_recipient_name").fill("Alieva Zarema")
    page.locator("#id_recipient_relationship").fill("grandmother")
    handed = timezone.localtime(timezone.now() - dt.timedelta(minutes=2), flight.zone)
    page.locator("#id_handed_at").fill(handed.strftime("%Y-%m-%d %H:%M"))
    _accessible(page, f"path-7-handover-form-{language}")
    _submit(page)
    expect(page.locator(f'tr[data-entry="{row.public_id}"] .handed-over')).to_be_visible()
    assert Handover.objects.filter(manifest_entry=row).exists()
    _accessible(page, f"path-8-handed-over-{language}")
