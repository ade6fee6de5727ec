"""The caseworker's path in a browser on a 390-px phone, in English and in Russian (issue 9): log in
with the second factor, triage a report (the intake guard refuses a silent duplicate and a
candidate is linked in one click), find the child's grandmother, recorded in Cyrillic, by a Latin
spelling of her name in the persons list's search box, record a placement known to the month,
clear for return (as supervisor), add to a flight from the picker, approve (as supervisor), board
and record the handover to the grandmother chosen among the child's known relatives. And a
supervisor's merge refused (both records on one manifest) keeps the pair in the review queue as
"the same person, not yet merged", saying what blocks it. axe-core checks every page on the way;
screenshots are kept as test artefacts."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casework.models import (
    Channel,
    Decision,
    Handover,
    ManifestEntry,
    ManifestStatus,
    MatchSuggestion,
    Person,
    PersonStatus,
    TriageOutcome,
)
from casework.services.matching import suggestions_find_duplicates
from casework.services.names import refresh_name_keys
from casework.services.persons import NameInput, person_create
from casework.services.relationships import relationship_link
from casework.services.reports import report_submit
from tests.browser import axe_violations, screenshot
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD, FlightFactory

LANGUAGES = [
    (
        "en-GB",
        "en",
        {
            "month": "May 2024",
            "add": "Add selected",
            "persons": "Persons",
            "flights": "Flights",
            "reports": "Reports",
            "review": "Review",
            "not_merged": "The same person, not yet merged.",
        },
    ),
    (
        "ru-RU",
        "ru",
        {
            "month": "Май 2024",
            "add": "Добавить отмеченных",
            "persons": "Люди",
            "flights": "Рейсы",
            "reports": "Заявления",
            "review": "Проверка",
            "not_merged": "Тот же человек, ещё не объединён.",
        },
    ),
]


def _accessible(page, name):
    screenshot(page, name)
    # Nothing wider than the phone: a phone browser would shrink the whole page to fit it.
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths == [390, 390], f"{page.url} is {widths[0]} px wide on a 390-px phone"
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


def _nav(page, label):
    """Follow a link of the header's main navigation, as a person would."""
    page.locator("header nav").get_by_role("link", name=label, exact=True).click()


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
    # Her grandmother, recorded in Cyrillic only: a caseworker types her name in Latin letters.
    grandmother = person_create(
        actor=world.supervisor,
        names=[NameInput(family_name="Алиева", given_name="Зарема", script="cyrl")],
        sex="F",
        birth_precision="year",
        birth_date=dt.date(1962, 1, 1),
        team=world.team_a,
    )
    relationship_link(
        actor=world.supervisor, person=person, relative=grandmother, kind="grandparent"
    )
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
    _nav(page, words["reports"])
    page.locator(f'main a[href="/reports/{report.public_id}/"]').click()
    _accessible(page, f"path-0-report-{language}")
    page.locator(
        f'main a[href="/reports/{report.public_id}/entries/{entry.public_id}/triage/"]'
    ).click()
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

    # The grandmother, found by a Latin spelling of her Cyrillic name in the list's search box.
    _nav(page, words["persons"])
    search = page.locator("main [role=search]")
    expect(search).to_be_in_viewport()  # on a phone, above the results, not below the filters
    search.locator("#id_q").fill("Alieva Zarema")
    search.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/persons/\?(.*&)?q=Alieva\+Zarema"))
    found = page.locator(f'tr.person-row[data-person="{grandmother.public_id}"]')
    expect(found).to_be_visible()
    expect(found.locator(".name-cell a")).to_have_text("Алиева Зарема")
    _accessible(page, f"path-3-search-latin-{language}")

    # A placement known to the month, typed as families write it: the child is in the results too.
    page.locator(f'tr.person-row[data-person="{person.public_id}"] .name-cell a').click()
    page.locator(f'main a[href="/persons/{person.public_id}/placements/new/"]').click()
    page.locator("#id_place_text").fill("Roj camp, sector 3")
    page.locator("#id_start_date").fill("05.2024")
    page.locator("#id_source").select_option("visit")
    page.locator("#id_reliability").select_option("confirmed")
    _accessible(page, f"path-4-placement-form-{language}")
    _submit(page)
    expect(page.locator("#current-whereabouts")).to_contain_text(words["month"])
    _accessible(page, f"path-5-person-{language}")

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
    _nav(page, words["flights"])
    page.locator("main").get_by_role("link", name="PATH-1", exact=True).click()
    page.locator(f'main a[href="/flights/{flight.public_id}/manifest/add/"]').click()
    page.locator(f'tr[data-person="{person.public_id}"]').get_by_role("checkbox").check()
    _accessible(page, f"path-6-picker-{language}")
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
    _accessible(page, f"path-7-boarded-{language}")
    page.locator(
        f'a[href="/flights/{flight.public_id}/manifest/{row.public_id}/handover/"]'
    ).click()
    relative = page.locator(f'#known-relatives li[data-person="{grandmother.public_id}"]')
    expect(relative).to_contain_text("Алиева Зарема")
    expect(relative).to_contain_text("1962")
    relative.get_by_role("radio").check()
    page.locator("#id_recipient_kind").select_option("relative")
    handed = timezone.localtime(timezone.now() - dt.timedelta(minutes=2), flight.zone)
    page.locator("#id_handed_at").fill(handed.strftime("%Y-%m-%d %H:%M"))
    _accessible(page, f"path-8-handover-form-{language}")
    _submit(page)
    expect(page.locator(f'tr[data-entry="{row.public_id}"] .handed-over')).to_be_visible()
    handover = Handover.objects.get(manifest_entry=row)
    assert handover.recipient_person_id == grandmother.pk
    assert handover.recipient_name == "Алиева Зарема"
    _accessible(page, f"path-9-handed-over-{language}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "language", "words"), LANGUAGES, ids=["en", "ru"])
def test_a_merge_refused_keeps_the_pair_in_the_queue(
    world, make_phone_context, live_server, locale, language, words
):
    """Two records of one boy, in Latin and in Cyrillic letters, both proposed for one flight: the
    supervisor decides they are the same person, the merge is refused, and the pair stays in the
    queue saying what blocks it."""
    twins = [
        person_create(
            actor=world.supervisor,
            names=[NameInput(family_name=family, given_name=given, patronymic=patronymic)],
            birth_precision="year",
            birth_date=dt.date(2015, 1, 1),
            team=world.team_a,
            region_of_origin="Чечня",
            sex="M",
        )  # fmt: skip
        for family, given, patronymic in (
            ("Tagirov", "Bilal", "Umarovich"),
            ("Тагиров", "Билал", "Умарович"),
        )
    ]
    flight = FlightFactory(organisation=world.north, reference="PAIR-7")
    for twin in twins:
        ManifestEntry.objects.create(flight=flight, person=twin)
    suggestions_find_duplicates(actor=world.supervisor)
    suggestion = MatchSuggestion.objects.get()

    page = _supervisor_page(make_phone_context, live_server, world, locale)
    page.goto("/")
    _nav(page, words["review"])
    card = page.locator(f'section.suggestion[data-id="{suggestion.public_id}"]')
    card.locator("h2 a").click()
    page.locator('input[name="decision"][value="confirmed"]').check()
    page.locator("#id_reason").fill("Same mother, same birth year, one spelled in Latin letters.")
    _accessible(page, f"merge-1-decision-{language}")
    _submit(page)

    # "The same person": the supervisor is taken to the merge, which the manifest refuses.
    expect(page).to_have_url(re.compile(r"/review/merge/"))
    page.locator("#id_reason").fill("One boy, two records.")
    _submit(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("PAIR-7")
    _accessible(page, f"merge-2-refused-{language}")
    assert all(not type(t).objects.get(pk=t.pk).merged_into_id for t in twins)

    _nav(page, words["review"])
    card = page.locator(f'section.suggestion[data-id="{suggestion.public_id}"]')
    waiting = card.locator(".not-merged")
    expect(waiting).to_contain_text(words["not_merged"])
    expect(waiting.locator(".merge-blocks")).to_contain_text("PAIR-7")
    expect(waiting.locator(".merge-now")).to_have_count(0)
    _accessible(page, f"merge-3-kept-in-queue-{language}")
    suggestion.refresh_from_db()
    assert suggestion.decision == Decision.CONFIRMED
