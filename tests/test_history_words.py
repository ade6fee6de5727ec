"""History and audit lines in words a caseworker reads (issue 9), in English and in Russian: each
event a sentence, each kind of record and each field by its name, each record the reader may see
by its own name ("withheld" kept where it was), report entries numbered from 1, and what an
import says about a list and its rows in the reader's language."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.utils import translation

from casework.imports.files import FileError, read_table
from casework.imports.messages import translated
from casework.imports.rows import validate_row
from casework.models import AuditEvent, ListImportRow, ReportEntry
from casework.services.flights import flight_update, manifest_propose
from casework.services.form_tokens import new_form_token
from casework.services.imports import list_import_commit, list_import_upload
from casework.services.merge import persons_merge
from casework.services.persons import NameInput, person_create
from casework.services.reports import (
    person_input_from_entry,
    report_set_family_status,
    report_triage_entry,
)
from tests.factories import FlightFactory, PersonFactory, ReportFactory
from tests.test_translation import _visible_text


def _lines(html: str, table: str) -> list[str]:
    """The sentence of each row of a history table, as read (without a reason shown beneath)."""
    part = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<td class="history-event">(.*?)</td>', part, re.DOTALL)
    return [_visible_text(cell.split("<br>", 1)[0]) for cell in cells]


def _audit_rows(html: str) -> list[list[str]]:
    rows = re.findall(r'<tr class="audit-event">(.*?)</tr>', html, re.DOTALL)
    return [
        [_visible_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in rows
    ]


# --- Names of records and fields -------------------------------------------------------------


def test_every_model_and_every_field_has_a_name_in_english_and_in_russian():
    untranslated = []
    for model in apps.get_app_config("casework").get_models():
        named = [("", model._meta, "verbose_name"), ("", model._meta, "verbose_name_plural")]
        named += [
            (field.name, field, "verbose_name")
            for field in model._meta.get_fields()
            if field.concrete and not field.auto_created
        ]
        for field_name, holder, attribute in named:
            with translation.override("en"):
                english = str(getattr(holder, attribute))
            with translation.override("ru"):
                russian_ = str(getattr(holder, attribute))
            if english == russian_ or "_" in english:
                untranslated.append(f"{model.__name__}.{field_name or attribute}: {english}")
    assert not untranslated, untranslated


# --- A person's history ----------------------------------------------------------------------


def test_a_persons_history_speaks_in_sentences_in_english(staff, login, rich_case):
    url = f"/persons/{rich_case.public_id}/"
    client = login(staff.caseworker)
    client.get(url)  # a read of the sensitive record: on the history from now on
    html = client.get(url).content.decode()
    lines = _lines(html, "person-history")
    place = rich_case.placements.get(is_sighting=False).location.name
    for line in (
        "Status changed from verifying to located: Подтверждено списком.",
        "Status changed from reported to verifying: Сестра прислала фото.",
        "Changed: birth date, earliest birth date, latest birth date, birth date precision, "
        "documents held",
        "Note added",
        f"Placement in {place} added",
        "Sighting in Roj added",
        "Mother Alieva Zulay added",
        "Name Madina Aliyeva added",
    ):
        assert line in lines, (line, lines)
    read = next(line for line in lines if line.startswith("Sensitive data read: "))
    assert "birth date" in read and "birthplace" in read
    history = " ".join(lines)
    for identifier in ("birth_date", "documents_held", "CaseNote", "PersonName", "Relationship"):
        assert identifier not in history


def test_a_persons_history_speaks_in_sentences_in_russian(staff, login, russian, rich_case):
    url = f"/persons/{rich_case.public_id}/"
    login(staff.caseworker).get(url)
    lines = _lines(russian(staff.caseworker).get(url).content.decode(), "person-history")
    place = rich_case.placements.get(is_sighting=False).location.name
    for line in (
        "Статус изменён с «проверяется» на «местонахождение известно»: Подтверждено списком.",
        "Изменено: дата рождения, самая ранняя дата рождения, самая поздняя дата рождения, "
        "точность даты рождения, документы на руках",
        "Добавлено: заметка",
        f"Добавлено: место содержания — {place}",
        "Добавлено: наблюдение — Roj",
        "Добавлено: мать Alieva Zulay",
        "Добавлено: имя Madina Aliyeva",
    ):
        assert line in lines, (line, lines)
    read = next(line for line in lines if line.startswith("Просмотрены чувствительные данные: "))
    assert "дата рождения" in read and "место рождения" in read
    history = " ".join(lines)
    for english in ("added", "Changed", "Status changed", "birth date", "data read", "note"):
        assert english not in history


def test_a_reader_below_the_details_level_is_told_the_action_and_withheld_only(
    staff, login, rich_case
):
    html = login(staff.intake).get(f"/persons/{rich_case.public_id}/").content.decode()
    lines = _lines(html, "person-history")
    assert lines and all(line.endswith("· withheld") for line in lines), lines
    assert "Created · withheld" in lines and "Status changed · withheld" in lines
    history = " ".join(lines)
    # Neither the place, nor the relative, nor the reason, nor the fields.
    for detail in ("Roj", "Alieva Zulay", "Подтверждено", "birth date", "note", "placement"):
        assert detail not in history


def _merged_pair(world):
    def person(family, given):
        names = [NameInput(family_name=family, given_name=given)]
        return person_create(actor=world.supervisor, names=names, sex="M")

    survivor, absorbed = person("Tagirov", "Bilal"), person("Тагиров", "Билал")
    persons_merge(
        actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="Same birth record"
    )
    return survivor, absorbed


def test_a_merge_names_the_other_record_in_both_histories_and_languages(world, login, russian):
    survivor, absorbed = _merged_pair(world)
    absorbed.refresh_from_db()
    client, russian_client = login(world.supervisor), russian(world.supervisor)
    survivor_lines = _lines(
        client.get(f"/persons/{survivor.public_id}/").content.decode(), "person-history"
    )
    absorbed_lines = _lines(
        client.get(f"/persons/{absorbed.public_id}/").content.decode(), "person-history"
    )
    assert f"{absorbed.display_name} merged into this record" in survivor_lines
    assert f"Merged into {survivor.display_name}" in absorbed_lines
    russian_lines = _lines(
        russian_client.get(f"/persons/{absorbed.public_id}/").content.decode(), "person-history"
    )
    assert f"Влита в запись: {survivor.display_name}" in russian_lines


# --- The histories of a report, a flight and a list ------------------------------------------


@pytest.fixture
def report_from_zero(world):
    """A report whose entries are stored from position 0, as the demo seeds them; its first entry
    made a new person by the supervisor, and the family asked to contact us."""
    report = ReportFactory(organisation=world.north, reference="MATRIXREP1")
    first = ReportEntry.objects.create(report=report, position=0, family_name="Testova")
    ReportEntry.objects.create(report=report, position=1, family_name="Testov")
    report_triage_entry(actor=world.supervisor, entry=first, create=person_input_from_entry(first))
    report_set_family_status(
        actor=world.supervisor, report=report, contact_us=True, reason="Ask about the photo."
    )
    return report


def test_report_entries_are_numbered_from_one_on_the_report_page(world, login, report_from_zero):
    html = login(world.supervisor).get(f"/reports/{report_from_zero.public_id}/").content.decode()
    assert re.findall(r'<td class="entry-number">(\d+)</td>', html) == ["1", "2"]
    lines = _lines(html, "record-history")
    assert "Report MATRIXREP1, entry 1 changed: outcome, person" in lines
    assert "Changed: message to the family" in lines
    # Stored positions are what they were: only what people read changed.
    positions = ReportEntry.objects.filter(report=report_from_zero).values_list("position", flat=1)
    assert sorted(positions) == [0, 1]


def test_a_reports_history_and_numbers_in_russian(world, russian, report_from_zero):
    client = russian(world.supervisor)
    html = client.get(f"/reports/{report_from_zero.public_id}/").content.decode()
    lines = _lines(html, "record-history")
    assert "Изменено (заявление MATRIXREP1, человек 1): итог, человек" in lines
    assert "Изменено: сообщение семье" in lines
    second = report_from_zero.entries.get(position=1)
    url = f"/reports/{report_from_zero.public_id}/entries/{second.public_id}/triage/"
    assert "Заявление MATRIXREP1, человек 2" in _visible_text(client.get(url).content.decode())
    done = client.post(
        url, {"decision": "link", "person": str(world.case_a.public_id)}, follow=True
    )
    assert "Запись 2 разобрана." in _visible_text(done.content.decode())


def test_the_triage_page_message_and_reason_name_the_entry_by_its_number(
    world, login, report_from_zero
):
    second = report_from_zero.entries.get(position=1)
    client = login(world.supervisor)
    url = f"/reports/{report_from_zero.public_id}/entries/{second.public_id}/triage/"
    assert "Report MATRIXREP1, person 2" in _visible_text(client.get(url).content.decode())
    done = client.post(
        url, {"decision": "link", "person": str(world.case_a.public_id)}, follow=True
    )
    assert "Entry 2 triaged." in _visible_text(done.content.decode())
    first = report_from_zero.entries.get(position=0)
    created = AuditEvent.objects.get(action="create", object_id=first.person.public_id)
    assert created.reason == "From report MATRIXREP1, entry 1"


def test_a_flights_history_and_a_seat_on_it_in_both_languages(world, login, russian):
    flight = FlightFactory(organisation=world.north, reference="NORTH-1", capacity=10)
    flight_update(
        actor=world.supervisor, flight=flight, expected_version=flight.version, capacity=12
    )
    person = PersonFactory(organisation=world.north, team=world.team_a, status="cleared_for_return")
    manifest_propose(actor=world.caseworker, flight=flight, person=person)
    url = f"/flights/{flight.public_id}/"
    assert "Changed: capacity" in _lines(
        login(world.caseworker).get(url).content.decode(), "record-history"
    )
    assert "Изменено: вместимость" in _lines(
        russian(world.caseworker).get(url).content.decode(), "record-history"
    )
    person_url = f"/persons/{person.public_id}/"
    english = _lines(login(world.caseworker).get(person_url).content.decode(), "person-history")
    assert "Seat on flight NORTH-1 added" in english
    ru = _lines(russian(world.caseworker).get(person_url).content.decode(), "person-history")
    assert "Добавлено: место на рейсе NORTH-1" in ru


# --- Lists: what an import says, in the reader's language -------------------------------------

HEADER = "record_id,family_name,given_name,sex,birth_date,age,age_reference_date,location\n"
ROWS = (
    "R1,Testova,Zarema,F,1990,,,Roj camp\n"
    "R2,Testov,Adam,M,,200,,Roj camp\n"
    "R3,Testov,Bilal,M,2015-06-01,40,2026-01-01,Roj camp\n"
)


@pytest.fixture
def committed_list(world):
    """A list committed by a supervisor working in Russian, its two invalid rows kept as
    rejected."""
    with translation.override("ru"):
        upload = list_import_upload(
            actor=world.supervisor,
            source="Camp list",
            as_of=dt.date(2026, 10, 1),
            filename="list.csv",
            data=(HEADER + ROWS).encode(),
        )
        return list_import_commit(actor=world.supervisor, list_import=upload, reject_invalid=True)


def _row_reasons(html: str) -> list[str]:
    rows = re.findall(r'<tr class="import-row[^"]*">(.*?)</tr>', html, re.DOTALL)
    return [_visible_text(re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)[-1]) for row in rows]


def test_a_rows_reason_is_kept_in_english_whoever_committed(committed_list):
    reasons = dict(
        ListImportRow.objects.filter(list_import=committed_list).values_list("row_number", "reason")
    )
    assert reasons == {
        2: "no known person matches",
        3: "Row 3, age: An age of 200 is not possible (0 to 120).",
        4: "Row 4, age: An age of 40 on 2026-01-01 contradicts the birth date 2015-06-01.",
    }


def test_a_lists_rows_and_history_in_english(world, login, committed_list):
    html = login(world.supervisor).get(f"/imports/{committed_list.public_id}/").content.decode()
    assert _row_reasons(html) == [
        "no known person matches",
        "Row 3, Age: An age of 200 is not possible (0 to 120).",
        "Row 4, Age: An age of 40 on 2026-01-01 contradicts the birth date 2015-06-01.",
    ]
    lines = _lines(html, "record-history")
    assert lines == ["List imported", "List uploaded: 3 rows"]


def test_a_lists_rows_and_history_in_russian(world, russian, committed_list):
    html = russian(world.supervisor).get(f"/imports/{committed_list.public_id}/").content.decode()
    assert _row_reasons(html) == [
        "ни один известный человек не подходит",
        "Строка 3, Возраст: Возраст 200 невозможен (от 0 до 120).",
        "Строка 4, Возраст: Возраст 40 на 2026-01-01 не согласуется с датой рождения 2015-06-01.",
    ]
    assert _lines(html, "record-history") == ["Список импортирован", "Список загружен: 3 строки"]


def test_a_rows_problems_are_shown_in_the_readers_language_and_kept_in_english():
    raw = {"family_name": "Testov", "sex": "X", "birth_date": "2015-02-29"}
    mapping = {name: name for name in raw}
    with translation.override("ru"):
        _, errors = validate_row(7, raw, mapping, as_of=None, today=dt.date(2026, 11, 1))
        assert [str(e) for e in errors] == [
            "Строка 7, Пол: «X» — не пол (F, M, Ж, М).",
            "Строка 7, Дата рождения: «2015-02-29» — такой даты не существует.",
        ]
    kept = "; ".join(e.english for e in errors)
    assert kept == (
        "Row 7, sex: “X” is not a sex (F, M, Ж, М).; "
        "Row 7, birth_date: “2015-02-29” is not a date that exists."
    )
    with translation.override("ru"):
        assert translated(kept) == (
            "Строка 7, Пол: «X» — не пол (F, M, Ж, М).; "
            "Строка 7, Дата рождения: «2015-02-29» — такой даты не существует."
        )
    with translation.override("en"):
        assert translated(kept) == (
            "Row 7, Sex: “X” is not a sex (F, M, Ж, М).; "
            "Row 7, Birth date: “2015-02-29” is not a date that exists."
        )


def test_kept_reasons_of_every_kind_are_translated_and_others_left_as_kept():
    with translation.override("ru"):
        assert translated("possible matches: 2, the best p=0.870") == (
            "возможных совпадений: 2, лучшее p=0.870"
        )
        assert translated("the same person as row 5 of this list (p=0.990)") == (
            "тот же человек, что в строке 5 этого списка (p=0.990)"
        )
        assert translated("confirmed by a reviewer") == "подтверждено при проверке"
        assert translated("every candidate was rejected by a reviewer") == (
            "все кандидаты отклонены при проверке"
        )
        # A reason no msgid made (cut at its length, or of an older release) stays as it was.
        assert translated("2 possible match(es), best p=0.870") == (
            "2 possible match(es), best p=0.870"
        )
        assert translated("p=0.987") == "p=0.987"


def test_a_file_that_cannot_be_read_is_refused_in_the_readers_language():
    for language, expected in (
        ("en", "The file is empty: expected a header row and at least one row."),
        ("ru", "Файл пуст: нужна строка заголовков и хотя бы одна строка данных."),
    ):
        with translation.override(language), pytest.raises(FileError) as refusal:
            read_table("list.csv", b"")
        assert str(refusal.value) == expected
    with translation.override("ru"), pytest.raises(FileError) as refusal:
        read_table("list.csv", b"a,b\n1,2,3\n")
    assert str(refusal.value) == "Строка 2: полей — 3, а в заголовке — 2."


def test_the_upload_page_refuses_an_unreadable_file_in_russian(world, russian):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = russian(world.supervisor).post(
        "/imports/new/",
        {
            "source": "Camp list",
            "as_of": "2026-10-01",
            "form_token": new_form_token(),
            "file": SimpleUploadedFile("list.csv", b"a,b\n1,2,3\n", content_type="text/csv"),
        },
    )
    assert "Строка 2: полей — 3, а в заголовке — 2." in _visible_text(response.content.decode())


# --- The audit trail -------------------------------------------------------------------------


def test_the_audit_trail_speaks_in_words_in_english(staff, login, rich_case):
    html = login(staff.dpo).get("/audit/").content.decode()
    rows = _audit_rows(html)
    by_action = {row[2]: row for row in rows}
    status = by_action["Status changed from verifying to located"]
    assert status[3].startswith(f"{rich_case.display_name} {rich_case.public_id}")
    assert status[5] == "status"
    assert status[6] == "status: verifying → located"
    assert status[7] == "Подтверждено списком."
    changed = by_action[
        "Changed: birth date, earliest birth date, latest birth date, birth date precision, "
        "documents held"
    ]
    assert "birth date: [redacted] → [redacted]" in changed[6]
    records = {row[3].split(" ")[0] for row in rows if row[2] == "Record created"}
    # The officer does not see placements or notes themselves: named by their kind only.
    assert {"note", "placement", "relationship", "name"} <= records
    text = _visible_text(html)
    for identifier in ("CaseNote", "Placement ", "birth_date", "status_change", "read_sensitive"):
        assert identifier not in text
    assert "Roj" not in text and "Test Facility" not in text


def test_the_audit_trail_speaks_in_words_in_russian(staff, russian, rich_case):
    rows = _audit_rows(russian(staff.dpo).get("/audit/").content.decode())
    by_action = {row[2]: row for row in rows}
    status = by_action["Статус изменён с «проверяется» на «местонахождение известно»"]
    assert status[5] == "статус"
    assert status[6] == "статус: проверяется → местонахождение известно"
    assert (
        "Изменено: дата рождения, самая ранняя дата рождения, самая поздняя дата рождения, "
        "точность даты рождения, документы на руках" in by_action
    )
    created = [row for row in rows if row[2] == "Запись создана"]
    assert {row[3].split(" ")[0] for row in created} >= {"заметка", "место", "родство", "имя"}
    assert any(row[5] == "заметка о безопасности, текст" for row in created)


def test_the_audit_trail_names_records_only_as_far_as_the_officer_may_see_them(
    world, login, report_from_zero
):
    login(world.caseworker)
    rows = _audit_rows(login(world.dpo).get("/audit/").content.decode())
    records = [row[3] for row in rows]
    person = report_from_zero.entries.get(position=0).person
    # Accounts and persons by their names; a report, which the officer may not read, by its
    # kind and id only.
    assert any(r.startswith("account caseworker ") for r in records), records
    assert any(r.startswith(f"{person.display_name} {person.public_id}") for r in records)
    assert any(r.startswith(f"report {report_from_zero.public_id}") for r in records)
    assert any(r.startswith("report entry ") for r in records)
    assert not any("MATRIXREP1" in r or "FamilyReport" in r for r in records)
    statuses = [row for row in rows if row[2] == "Changed: message to the family"]
    assert statuses and statuses[0][6] == "message to the family: — → please contact us"


ODD_CHANGES = {
    "status": ["located", "verifying"],
    "counts": {"linked": 0, "created": 1, "rejected": 1, "invalid": 1},
    "moved": {"names": 2, "placements": 1, "relations_from": 0},
    "entries": 2,
    "report_status": ["new", "in_triage"],
    "level": "sensitive",
    "filters": {"status": "located"},
    "scopes": ["persons:read"],
    "not_a_field": None,
}


@pytest.mark.parametrize("object_type", ["Person", "FamilyReport", "ListImport", "", "Gone"])
def test_every_action_on_every_kind_of_record_is_said_whatever_it_recorded(object_type):
    from casework.audit import AuditAction
    from casework.history_text import change_text, sentence

    for action in [*AuditAction.values, "an_action_no_longer_written"]:
        event = AuditEvent(
            action=action,
            object_type=object_type,
            fields=["birth_date", "team_id", "entries", "not_a_field"],
            changes=ODD_CHANGES,
        )
        for language in ("en", "ru"):
            with translation.override(language):
                for record in ("", "report MATRIXREP1"):
                    said = sentence(event, record, reason="Why")
                    assert said and "_" not in said.replace("an_action", ""), (action, said)
                for name, change in ODD_CHANGES.items():
                    assert change_text(object_type, name, change)
    with translation.override("ru"):
        assert change_text("ListImport", "counts", ODD_CHANGES["counts"]) == (
            "итоги: связана с человеком — 0, создан человек — 1, отклонена — 1, "
            "строки с ошибками — 1"
        )
        assert change_text("PersonMerge", "moved", ODD_CHANGES["moved"]).startswith(
            "перенесённые записи: имена — 2, места содержания — 1"
        )
