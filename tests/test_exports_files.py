"""Export files opened back as a spreadsheet would: the CSV with its byte order mark, the XLSX with
openpyxl; values as labels in the user's language, the current place and relatives as the
exporter may see them, every cell formula-safe, the CSV streamed."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.utils import translation

from casework import audit
from casework.audit_verify import verify
from casework.export_files import csv_lines, xlsx_file
from casework.exports import persons_table, pseudonym
from casework.models import AuditEvent, Person, PersonStatus, Placement, Relationship, audit_chain
from casework.services.errors import ServiceError
from tests.factories import LocationFactory

REASON = "Invented court order 2026/4 for the family's lawyer"


def _csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _table_rows(table):
    return [dict(zip(table.header, row, strict=True)) for row in table.rows]


def _xlsx(content: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def family(world):
    """Zaira (team B) is Madina's (team A) mother; Madina is held in an invented camp."""
    camp = LocationFactory(name="Invented Camp Sim")
    Placement.objects.create(
        person=world.case_a,
        location=camp,
        start_date=dt.date(2025, 3, 1),
        source="visit",
        reliability="confirmed",
    )
    Relationship.objects.create(from_person=world.case_b, to_person=world.case_a, kind="mother")
    return camp


def test_values_are_labels_in_the_users_language(world, family):
    with translation.override("ru"):
        table = persons_table(actor=world.supervisor, params={}, identifiable=True, reason=REASON)
        rows = {r["name"]: r for r in _table_rows(table)}
    madina = rows["Alieva Madina"]
    assert madina["status"] == "заявлен(а)"
    assert madina["sex"] == "женский"
    assert madina["relatives"] == "мать: Bekova Zaira"


def test_the_current_place_and_relatives_are_written_from_both_ends(world, family):
    table = persons_table(actor=world.supervisor, params={}, identifiable=True, reason=REASON)
    rows = {r["name"]: r for r in _table_rows(table)}
    assert rows["Alieva Madina"]["current_place"] == "Invented Camp Sim"
    assert rows["Alieva Madina"]["relatives"] == "mother: Bekova Zaira"
    assert rows["Bekova Zaira"]["relatives"] == "child: Alieva Madina"
    assert rows["Bekova Zaira"]["current_place"] == ""
    # The export names the relatives it wrote as well as its rows.
    event = AuditEvent.objects.get(action="export")
    assert set(event.subjects.values_list("person_id", flat=True)) == {
        world.case_a.public_id,
        world.case_b.public_id,
        world.protected_a.public_id,
    }


def test_a_relative_the_exporter_may_not_see_is_left_out(world, family):
    # The team A caseworker may not read team B's Zaira: the link is behind the gate.
    rows = _table_rows(persons_table(actor=world.caseworker, params={}))
    assert [r["pseudonym"] for r in rows] == [pseudonym(world.case_a.public_id)]
    assert rows[0]["current_place"] == "Invented Camp Sim"
    assert rows[0]["relatives"] == ""


def test_a_pseudonymised_export_names_relatives_by_pseudonym(world, family):
    rows = _table_rows(persons_table(actor=world.supervisor, params={}))
    madina = next(r for r in rows if r["pseudonym"] == pseudonym(world.case_a.public_id))
    assert madina["relatives"] == f"mother: {pseudonym(world.case_b.public_id)}"
    assert "Bekova" not in str(rows)


def test_the_dpo_sees_place_and_relatives_withheld(world, family):
    table = persons_table(actor=world.dpo, params={}, identifiable=True, reason=REASON)
    rows = {r["name"]: r for r in _table_rows(table)}
    assert rows["Alieva Madina"]["current_place"] == "withheld"
    assert rows["Alieva Madina"]["relatives"] == "withheld"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_written_as_text_in_both_formats(start):
    value = f'{start}HYPERLINK("http://invented.example","x")'
    rows = _csv("".join(csv_lines(["name"], [[value]])))
    assert rows[0]["name"] == "'" + value
    with xlsx_file("Persons", ["name"], [[value]]) as out:
        [row] = _xlsx(out.read())
    # XML keeps a carriage return as a line feed: what matters is the apostrophe before it.
    assert row["name"] == "'" + value.replace("\r", "\n")


def test_the_csv_is_streamed_with_its_bom_and_the_xlsx_opens(world, login, family):
    client = login(world.supervisor)
    response = client.post(
        "/persons/export/", {"kind": "identifiable", "reason": REASON, "format": "csv"}
    )
    assert isinstance(response, StreamingHttpResponse)
    assert response["X-Export-Rows"] == "3"
    rows = _csv(b"".join(response.streaming_content).decode())
    assert {r["name"] for r in rows} == {"Alieva Madina", "Bekova Zaira", "Protected Aminat"}

    response = client.post(
        "/persons/export/?status=reported",
        {"kind": "identifiable", "reason": REASON, "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    rows = {r["name"]: r for r in _xlsx(b"".join(response.streaming_content))}
    assert rows["Alieva Madina"]["current_place"] == "Invented Camp Sim"
    assert rows["Alieva Madina"]["status"] == "reported"


def test_an_unknown_format_is_refused_before_anything_is_written(world, login):
    response = login(world.supervisor).post("/persons/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert "Choose CSV or XLSX." in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_rows_are_read_a_chunk_at_a_time(world, monkeypatch):
    monkeypatch.setattr("casework.exports.CHUNK", 2)
    Person.objects.filter(pk=world.case_b.pk).update(display_name="Bekova Zaira")
    rows = _table_rows(
        persons_table(actor=world.supervisor, params={}, identifiable=True, reason=REASON)
    )
    # Three persons over two chunks, in the list's order.
    assert [r["name"] for r in rows] == ["Alieva Madina", "Bekova Zaira", "Protected Aminat"]


def test_the_export_event_digests_the_persons_it_names_as_a_listed_event_would(world, family):
    persons_table(actor=world.supervisor, params={}, identifiable=True, reason=REASON)
    event = AuditEvent.objects.get(action="export")
    named = set(event.subjects.values_list("person_id", flat=True))
    assert named == {world.case_a.public_id, world.case_b.public_id, world.protected_a.public_id}
    assert event.subjects_digest == audit_chain.subjects_digest(named)
    assert verify().ok


def test_a_person_who_left_the_filter_before_the_event_is_not_written(world, monkeypatch):
    # Zaira matched "reported" when the keys were read, and no longer when the event named the
    # persons: she is not written, since the trail would not say she was.
    recorded = audit.record_export_of

    def status_changed_meanwhile(*args, **kwargs):
        Person.objects.filter(pk=world.case_b.pk).update(status=PersonStatus.LOCATED)
        return recorded(*args, **kwargs)

    Person.objects.filter(pk__in=[world.case_a.pk, world.case_b.pk]).update(
        status=PersonStatus.REPORTED
    )
    monkeypatch.setattr(audit, "record_export_of", status_changed_meanwhile)
    table = persons_table(
        actor=world.supervisor,
        params={"status": [PersonStatus.REPORTED]},
        identifiable=True,
        reason=REASON,
    )
    names = {r["name"] for r in _table_rows(table)}
    assert "Alieva Madina" in names and "Bekova Zaira" not in names
    event = AuditEvent.objects.get(action="export")
    assert world.case_b.public_id not in set(event.subjects.values_list("person_id", flat=True))


def test_persons_changing_during_every_read_are_a_clear_error(world, monkeypatch):
    def kept_changing(*args, **kwargs):
        raise audit.SubjectsKeptChanging

    monkeypatch.setattr(audit, "record_export_of", kept_changing)
    with pytest.raises(ServiceError) as refused:
        persons_table(actor=world.supervisor, params={}, identifiable=True, reason=REASON)
    assert "try again" in refused.value.message_dict["filters"][0]
    assert not AuditEvent.objects.filter(action="export").exists()
