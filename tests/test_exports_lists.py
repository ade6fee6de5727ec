"""Exports of the reports, flights and places lists: each through its gate and FilterSet, values
as labels in the user's language, opened back from CSV (with its BOM) and XLSX, audited."""

import csv
import io

import openpyxl
import pytest
from django.utils import translation

from casework.exports_lists import FLIGHTS, PLACES, REPORTS, list_table
from casework.models import AuditEvent
from casework.permissions import Denied
from casework.services.errors import ServiceError
from tests.factories import FlightFactory, LocationFactory, ReportFactory

STATUS_NEW_RU = "ждёт разбора"


def _rows(table):
    return [dict(zip(table.header, row, strict=True)) for row in table.rows]


@pytest.fixture
def lists(world):
    return {
        "report": ReportFactory(organisation=world.north, reference="RINV0001", channel="letter"),
        "south_report": ReportFactory(organisation=world.south, reference="RINV0002"),
        "flight": FlightFactory(organisation=world.north, reference="FL-INV-1"),
        "south_flight": FlightFactory(organisation=world.south, reference="FL-INV-2"),
        "camp": LocationFactory(name="Invented Camp Lam", kind="camp", latitude="36.5"),
        "prison": LocationFactory(name="Invented Prison Mim", kind="prison", country="IQ"),
    }


def test_reports_in_russian_only_the_organisations_and_the_reporter_as_allowed(world, lists):
    with translation.override("ru"):
        rows = _rows(list_table(REPORTS, actor=world.caseworker, params={}))
    assert [r["reference"] for r in rows] == ["RINV0001"]
    assert rows[0]["channel"] == "письмо"
    assert rows[0]["status"] == STATUS_NEW_RU
    # A caseworker may see reporters (the list page shows them).
    assert rows[0]["reporter"] == "Testova Zarema"
    event = AuditEvent.objects.get(action="export")
    assert event.changes == {"list": "reports", "rows": 1, "filters": {}}


def test_flights_follow_the_list_filters_and_the_gate(world, lists):
    table = list_table(FLIGHTS, actor=world.supervisor, params={"q": "INV"})
    rows = _rows(table)
    assert [r["reference"] for r in rows] == ["FL-INV-1"]
    assert rows[0]["status"] == lists["flight"].get_status_display()
    assert AuditEvent.objects.get(action="export").changes["filters"] == {"q": "[redacted]"}


def test_places_filtered_by_kind_with_its_label(world, lists):
    rows = _rows(list_table(PLACES, actor=world.dpo, params={"kind": "prison"}))
    assert [(r["name"], r["kind"]) for r in rows] == [("Invented Prison Mim", "prison")]
    assert AuditEvent.objects.get(action="export").changes["filters"] == {"kind": "prison"}


def test_an_invalid_filter_is_refused_not_ignored(world, lists):
    with pytest.raises(ServiceError):
        list_table(FLIGHTS, actor=world.supervisor, params={"date_from": "not a date"})
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("persona", ["intake", "admin", "dpo"])
def test_reports_export_needs_the_list_and_the_export_permission(world, persona):
    with pytest.raises(Denied):
        list_table(REPORTS, actor=world.personas()[persona], params={})


def test_the_pages_give_a_csv_with_a_bom_and_an_xlsx(world, login, lists):
    client = login(world.supervisor)
    response = client.post("/places/export/?kind=camp", {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["name"], r["latitude"]) for r in rows] == [("Invented Camp Lam", "36.50000")]

    response = client.post("/reports/export/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), read_only=True
    ).worksheets[0]
    header, *values = list(sheet.iter_rows(values_only=True))
    rows = [dict(zip(header, row, strict=True)) for row in values]
    assert [(r["reference"], r["channel"], r["reporter"]) for r in rows] == [
        ("RINV0001", "letter", "Testova Zarema")
    ]


def test_the_page_explains_a_bad_filter(world, login, lists):
    response = login(world.supervisor).post("/flights/export/?date_from=x", {"format": "csv"})
    assert response.status_code == 400
    # The date filters read dates as every date input does (casework.dates), and say which forms.
    assert "or an age such as 7" in response.content.decode()


def test_the_list_pages_offer_the_export(world, login, lists):
    page = login(world.caseworker).get("/flights/?status=planned").content.decode()
    assert 'action="/flights/export/?status=planned"' in page
