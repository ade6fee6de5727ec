"""One text cleaner for every way in: the same hostile name sent through the staff's form, the
API, a list import and the families' form is stored identically, and clean.

Each way in reaches the services, which clean (`casework.services.text_input`): a right-to-left
override, a zero-width space, a bidi isolate and a control character never reach a stored name,
and a decomposed name is stored composed (NFC). Long free text keeps its characters.
"""

import datetime as dt
import re
import unicodedata

import pytest
from django.core.cache import cache
from django.test import Client

from casework.models import CaseNote, FamilyReport, ListImportRow, Person
from casework.services.form_tokens import new_form_token
from casework.services.imports import list_import_commit, list_import_upload
from casework.services.reports import person_input_from_entry, report_triage_entry

FAMILY = "\u202e" + unicodedata.normalize("NFD", "Йылдыз") + "\u200b"
GIVEN = "Ali\u2066ya\u2069\x07Bek"
BIRTHPLACE = "Raq\u200bqa\u202e"
CLEAN = {"family_name": "Йылдыз", "given_name": "Aliya Bek", "birthplace": "Raqqa"}
ACCOUNT = "Seen in Raqqa\u202e\r\nin 2019\x07 with her son."
ACCOUNT_STORED = "Seen in Raqqa\u202e\nin 2019 with her son."


def _stored(person: Person) -> dict:
    name = person.names.get(is_primary=True)
    return {
        "family_name": name.family_name,
        "given_name": name.given_name,
        "birthplace": person.birthplace,
    }


def _through_the_form(world, login) -> Person:
    data = {
        "names-TOTAL_FORMS": "1",
        "names-INITIAL_FORMS": "0",
        "names-0-family_name": FAMILY,
        "names-0-given_name": GIVEN,
        "names-0-kind": "legal",
        "sex": "F",
        "birth_precision": "unknown",
        "documents_held": "unknown",
        "birthplace": BIRTHPLACE,
        "confirm_new": "on",
        "form_token": new_form_token(),
    }
    response = login(world.supervisor).post("/persons/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Person.objects.exclude(pk__in=_before(world)).get()


def _through_the_api(world, login) -> Person:
    body = {
        "names": [{"family_name": FAMILY, "given_name": GIVEN}],
        "birthplace": BIRTHPLACE,
        "confirm_new": True,
    }
    response = login(world.supervisor).post(
        "/api/v1/persons/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return Person.objects.get(public_id=response.json()["id"])


def _through_an_import(world, login) -> Person:
    header = "family_name,given_name,birth_place\n"
    row = f'"{FAMILY}","{GIVEN}","{BIRTHPLACE}"\n'
    upload = list_import_upload(
        actor=world.supervisor,
        source="Camp administration",
        as_of=dt.date(2026, 1, 5),
        filename="list.csv",
        data=(header + row).encode(),
    )
    list_import_commit(actor=world.supervisor, list_import=upload)
    return ListImportRow.objects.get(list_import=upload, outcome="created").person


def _through_the_families_form(world, login) -> Person:
    world.north.receives_public_reports = True
    world.north.save()
    family = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")
    html = family.get("/report/").content.decode()
    data = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1],
        "form_token": re.search(r'name="form_token" value="([^"]+)"', html)[1],
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "entries-0-family_name": FAMILY,
        "entries-0-given_name": GIVEN,
        "entries-0-birthplace": BIRTHPLACE,
        "reporter_name": "Testova Zarema",
        "account": ACCOUNT,
        "consent_process": "yes",
    }
    response = family.post("/report/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    report = FamilyReport.objects.get()
    assert report.account == ACCOUNT_STORED
    entry = report.entries.get()
    triaged = report_triage_entry(
        actor=world.supervisor, entry=entry, create=person_input_from_entry(entry)
    )
    return triaged.person


def _before(world):
    return [world.case_a.pk, world.case_b.pk, world.protected_a.pk, world.south_case.pk]


WAYS_IN = [_through_the_form, _through_the_api, _through_an_import, _through_the_families_form]


@pytest.fixture(autouse=True)
def _families_form(settings):
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.mark.parametrize("way_in", WAYS_IN, ids=lambda f: f.__name__.removeprefix("_through_"))
def test_a_hostile_name_is_stored_the_same_clean_way(world, login, way_in):
    person = way_in(world, login)
    stored = _stored(person)
    assert stored == CLEAN
    assert person.display_name == "Йылдыз Aliya Bek"
    for value in stored.values():
        assert unicodedata.is_normalized("NFC", value)
        assert not {unicodedata.category(ch) for ch in value} & {"Cc", "Cf"}


def test_long_free_text_keeps_its_characters_through_a_form(world, login):
    person = world.case_a
    response = login(world.caseworker).post(
        f"/persons/{person.public_id}/notes/new/", {"text": ACCOUNT, "form_token": new_form_token()}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CaseNote.objects.get(person=person).text == ACCOUNT_STORED


# --- Every service that stores what a user typed ------------------------------------------------

LINE = "\u202eRo\u200bj\u2066 camp\u2069\x07 north"
LINE_STORED = "Roj camp north"
REASON = "\u202eThe family is at the\u200b border crossing\x07 now."
REASON_STORED = "The family is at the border crossing now."


def _flight(world):
    from casework.services.flights import flight_create

    flight = flight_create(
        actor=world.supervisor,
        reference=LINE,
        date=dt.date(2026, 12, 1),
        origin=LINE,
        destination=LINE,
        organiser=LINE,
        capacity=30,
    )
    return [flight.reference, flight.origin, flight.destination, flight.organiser]


def _escort(world):
    from casework.services.flights import escort_add
    from tests.factories import FlightFactory

    flight = FlightFactory(organisation=world.north)
    entry = escort_add(actor=world.supervisor, flight=flight, escort_name=LINE, note=LINE)
    return [entry.escort_name, entry.note]


def _status_reason(world):
    from casework.models import AuditEvent
    from casework.services.persons import person_change_status

    person_change_status(actor=world.caseworker, person=world.case_a, to="verifying", reason=LINE)
    return [AuditEvent.objects.get(action="status_change").reason]


def _break_glass(world):
    from casework.services.access import break_glass_open

    return [break_glass_open(actor=world.supervisor, person=world.case_b, reason=REASON).reason]


def _list_source(world):
    upload = list_import_upload(
        actor=world.supervisor,
        source=LINE,
        as_of=None,
        filename="list.csv",
        data=b"family_name,given_name\nTestova,Zarema\n",
    )
    return [upload.source]


STORED = [
    (_flight, LINE_STORED),
    (_escort, LINE_STORED),
    (_status_reason, LINE_STORED),
    (_break_glass, REASON_STORED),
    (_list_source, LINE_STORED),
]


@pytest.mark.parametrize(
    ("store", "expected"), STORED, ids=[store.__name__.lstrip("_") for store, _ in STORED]
)
def test_each_service_stores_short_text_through_the_one_cleaner(world, store, expected):
    stored = store(world)
    assert stored and all(value == expected for value in stored), stored
