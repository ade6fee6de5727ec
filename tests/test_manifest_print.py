"""The printable flight manifest and its XLSX: each passenger and escort, the documents still
missing, a passenger the user may not see withheld; through the flight gate; audited."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from casework.models import AuditEvent, ManifestEntry, Person
from tests.factories import FlightFactory


@pytest.fixture
def flight(world):
    Person.objects.filter(pk=world.case_a.pk).update(documents_held="none")
    Person.objects.filter(pk=world.case_b.pk).update(documents_held="national")
    flight = FlightFactory(organisation=world.north, reference="FL-INV-9")
    ManifestEntry.objects.create(flight=flight, person=world.case_a)
    ManifestEntry.objects.create(flight=flight, person=world.case_b)
    ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Escortova Invented")
    return flight


def _lines(html):
    return html.count('class="manifest-line')


def test_the_printed_manifest_shows_each_passenger_escort_and_missing_documents(
    world, login, flight
):
    response = login(world.supervisor).get(f"/flights/{flight.public_id}/manifest/print/")
    assert response.status_code == 200
    lines = {line.name: line for line in response.context["lines"]}
    assert lines["Alieva Madina"].missing == "travel document"
    assert lines["Bekova Zaira"].missing == "none"
    assert lines["Escortova Invented"].role == "escort"
    html = response.content.decode()
    assert _lines(html) == 3
    assert "@media print" in Path("static/casework/app.css").read_text()
    # The page's reads are in the trail, naming the persons shown.
    event = AuditEvent.objects.get(changes__view="flight_manifest_print")
    assert set(event.changes["records"]) == {
        str(world.case_a.public_id),
        str(world.case_b.public_id),
    }


def test_a_passenger_the_user_may_not_see_is_withheld(world, login, flight):
    response = login(world.caseworker).get(f"/flights/{flight.public_id}/manifest/print/")
    names = [line.name for line in response.context["lines"]]
    assert "Bekova Zaira" not in response.content.decode()
    assert sorted(names) == ["Alieva Madina", "Escortova Invented", "withheld"]


def test_the_manifest_in_russian(world, login, flight):
    with translation.override("ru"):
        response = login(world.supervisor).get(
            f"/flights/{flight.public_id}/manifest/print/", HTTP_ACCEPT_LANGUAGE="ru"
        )
    lines = {line.name: line for line in response.context["lines"]}
    assert lines["Escortova Invented"].role == "сопровождающий"
    assert lines["Bekova Zaira"].sex == "женский"


def test_another_organisations_flight_is_missing(world, login, flight):
    response = login(world.south_supervisor).get(f"/flights/{flight.public_id}/manifest/print/")
    assert response.status_code == 404
    response = login(world.south_supervisor).post(f"/flights/{flight.public_id}/manifest/xlsx/")
    assert response.status_code == 404


def test_the_xlsx_opens_with_the_same_lines_and_is_audited(world, login, flight):
    response = login(world.supervisor).post(f"/flights/{flight.public_id}/manifest/xlsx/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), read_only=True
    ).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[1] == "Name" and header[5] == "Documents still missing"
    assert {(r[1], r[5]) for r in rows} == {
        ("Alieva Madina", "travel document"),
        ("Bekova Zaira", "none"),
        ("Escortova Invented", None),
    }
    event = AuditEvent.objects.get(action="export")
    assert set(event.subjects.values_list("person_id", flat=True)) == {
        world.case_a.public_id,
        world.case_b.public_id,
    }
