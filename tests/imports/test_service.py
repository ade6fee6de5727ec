"""The list import service: all or nothing, provenance, outcomes, the same file twice."""

import datetime as dt
import io

import pytest
from django.apps import apps
from openpyxl import Workbook

from casework.models import (
    AuditEvent,
    ListImport,
    ListImportRow,
    MatchSuggestion,
    Person,
    PersonName,
    Placement,
)
from casework.permissions import Denied
from casework.services.errors import ServiceError
from casework.services.imports import (
    ImportRejected,
    list_import_commit,
    list_import_dry_run,
    list_import_preview,
    list_import_upload,
)
from casework.services.matching import suggestion_decide
from casework.services.persons import NameInput, person_create

HEADER = "record_id,family_name,given_name,sex,birth_date,age,age_reference_date,location\n"


def _upload(actor, data: bytes, name="list.csv", source="Ministry list"):
    return list_import_upload(
        actor=actor, source=source, as_of=dt.date(2026, 10, 1), filename=name, data=data
    )


def _commit(actor, data: bytes, **kwargs):
    return list_import_commit(actor=actor, list_import=_upload(actor, data), **kwargs)


def _counts():
    return {m.__name__: m.objects.count() for m in apps.get_app_config("casework").get_models()}


def test_an_invalid_row_4999_of_5000_writes_nothing_at_all(world):
    lines = [f"R{i},Testov{i},Adam,M,2010,,,Roj camp\n" for i in range(5000)]
    lines[4998] = "R4998,Testov,Adam,M,2015-02-29,,,Roj camp\n"
    upload = _upload(world.supervisor, (HEADER + "".join(lines)).encode())
    before = _counts()
    with pytest.raises(ImportRejected) as refusal:
        list_import_commit(actor=world.supervisor, list_import=upload)
    assert [(e.row, e.field) for e in refusal.value.row_errors] == [(5000, "birth_date")]
    # The refusal names the field in words (its label), the row by its number in the file.
    assert "Row 5000, Birth date" in str(refusal.value)
    assert _counts() == before
    upload.refresh_from_db()
    assert upload.status == "previewed"


def test_the_same_file_twice_creates_nothing_new(world):
    data = (HEADER + "R1,Tagirov,Bilal,M,2015,,,Roj camp\n").encode()
    first = _commit(world.supervisor, data)
    before = _counts()
    with pytest.raises(ServiceError) as refusal:
        _upload(world.supervisor, data, source="again")
    message = str(refusal.value)
    assert "already imported on" in message and "Ministry list" in message
    assert _counts() == before
    assert first.status == "committed"


def test_every_row_is_kept_with_provenance_and_an_outcome(world):
    data = (HEADER + "R1,Tagirov,Bilal,M,2015,,,Roj camp\nR2,Khasiev,Magomed,M,,7,,\n").encode()
    done = _commit(world.supervisor, data)
    assert done.sha256 and done.stats["counts"]["created"] == 2
    rows = list(ListImportRow.objects.filter(list_import=done))
    assert [(r.row_number, r.record_id, r.outcome) for r in rows] == [
        (2, "R1", "created"),
        (3, "R2", "created"),
    ]
    assert rows[0].data["raw"]["family_name"] == "Tagirov"
    person = rows[0].person
    assert person.birth_precision == "year" and person.birth_date == dt.date(2015, 1, 1)
    assert rows[1].person.age_stated == 7 and rows[1].person.age_stated_on == dt.date(2026, 10, 1)
    placement = Placement.objects.get(person=person)
    assert placement.place_text == "Roj camp" and placement.source == "authority_list"
    event = AuditEvent.objects.get(
        action="import", object_id=done.public_id, changes__stage="committed"
    )
    assert event.changes["counts"]["created"] == 2
    assert AuditEvent.objects.filter(action="create", object_id=person.public_id).exists()
    assert AuditEvent.objects.filter(object_id=placement.public_id).exists()


def test_formula_cells_are_kept_as_text(world):
    data = (
        b"family_name,given_name,alias\n"
        b'"=HYPERLINK(""http://evil.example"",""x"")",+cmd|\' /C calc\'!A0,@SUM(1+1)\n'
    )
    done = _commit(world.supervisor, data)
    row = ListImportRow.objects.get(list_import=done)
    name = PersonName.objects.filter(person=row.person, is_primary=True).get()
    assert name.family_name == '=HYPERLINK("http://evil.example","x")'
    assert name.given_name == "+cmd|' /C calc'!A0"
    assert PersonName.objects.filter(person=row.person, full_text="@SUM(1+1)").exists()


def test_a_known_person_is_linked_and_a_close_one_goes_to_review(world):
    sup = world.supervisor
    known = person_create(
        actor=sup, names=[NameInput(family_name="Тагиров", given_name="Билал")], sex="M",
        birth_precision="exact", birth_date=dt.date(2015, 4, 3),
    )  # fmt: skip
    vague = person_create(actor=sup, names=[NameInput(family_name="Хасиев", given_name="Магомед")])
    data = (
        HEADER + "R1,Tagirov,Bilal,M,2015-04-03,,,Roj camp\nR2,Khasiev,Muhammad,,,,,\n"
    ).encode()
    done = _commit(sup, data)
    first, second = ListImportRow.objects.filter(list_import=done)
    assert (first.outcome, first.person) == ("linked", known)
    assert Placement.objects.filter(person=known, place_text="Roj camp").exists()
    assert second.outcome == "ambiguous" and second.person is None
    suggestion = MatchSuggestion.objects.get(list_row=second)
    assert suggestion.person == vague and suggestion.kind == "row_person"
    assert {f["field"] for f in suggestion.explanation["fields"]} >= {"family_name", "given_name"}
    suggestion_decide(actor=sup, suggestion=suggestion, decision="confirmed", reason="Same mother")
    second.refresh_from_db()
    assert (second.outcome, second.person) == ("linked", vague)


def test_rejecting_every_candidate_makes_the_row_a_new_person(world):
    sup = world.supervisor
    person_create(actor=sup, names=[NameInput(family_name="Хасиев", given_name="Магомед")])
    done = _commit(sup, (HEADER + "R2,Khasiev,Muhammad,,,,,\n").encode())
    row = ListImportRow.objects.get(list_import=done)
    suggestion = MatchSuggestion.objects.get(list_row=row)
    persons = Person.objects.count()
    suggestion_decide(actor=sup, suggestion=suggestion, decision="rejected", reason="Other man")
    row.refresh_from_db()
    assert row.outcome == "created" and Person.objects.count() == persons + 1


def test_rows_naming_one_person_twice_become_one_person(world):
    data = (
        HEADER
        + "R1,Tagirova,Zarema,F,2012-05-01,,,Roj camp\n"
        + "R2,Тагирова,Зарема,F,2012-05-01,,,al-Hol\n"
    ).encode()
    done = _commit(world.supervisor, data)
    first, second = ListImportRow.objects.filter(list_import=done)
    assert first.outcome == "created"
    assert second.outcome in ("linked", "ambiguous")
    if second.outcome == "linked":
        assert second.person == first.person
    else:
        assert MatchSuggestion.objects.get(list_row=second).person == first.person
    assert Person.objects.filter(organisation=world.north).count() == 4


def test_invalid_rows_may_be_kept_as_rejected_on_request(world):
    data = (HEADER + "R1,Tagirov,Bilal,M,2015,,,\nR2,Khasiev,Adam,M,,200,,\n").encode()
    done = _commit(world.supervisor, data, reject_invalid=True)
    rows = ListImportRow.objects.filter(list_import=done)
    assert [r.outcome for r in rows] == ["created", "rejected"]
    assert "Row 3, age" in rows[1].reason


def test_preview_and_dry_run_write_nothing(world):
    upload = _upload(
        world.supervisor, (HEADER + "R1,Tagirov,Bilal,M,2015,,,\nR2,X,Y,M,1850,,,\n").encode()
    )
    before = _counts()
    preview = list_import_preview(actor=world.supervisor, list_import=upload)
    assert [e.field for e in preview.errors] == ["birth_date"]
    plan = list_import_dry_run(actor=world.supervisor, list_import=upload, reject_invalid=True)
    assert plan.counts["created"] == 1 and plan.counts["rejected"] == 1
    assert _counts() == before


def test_an_xlsx_list_is_imported(world):
    book = Workbook()
    book.active.append(["Фамилия", "Имя", "Дата рождения", "Пол"])
    book.active.append(["Тагиров", "Билал", dt.datetime(2015, 4, 3), "м"])
    out = io.BytesIO()
    book.save(out)
    done = list_import_commit(
        actor=world.supervisor,
        list_import=_upload(world.supervisor, out.getvalue(), name="list.xlsx"),
    )
    row = ListImportRow.objects.get(list_import=done)
    assert row.outcome == "created" and row.person.birth_date == dt.date(2015, 4, 3)
    assert row.person.sex == "M"


def test_intake_may_not_import(world):
    with pytest.raises(Denied):
        _upload(world.intake, (HEADER + "R1,Tagirov,Bilal,M,2015,,,\n").encode())
    assert not ListImport.objects.exists()


def test_two_uploads_of_one_file_commit_once(world):
    data = (HEADER + "R1,Tagirov,Bilal,M,2015,,,\n").encode()
    first, second = _upload(world.supervisor, data), _upload(world.caseworker, data)
    list_import_commit(actor=world.supervisor, list_import=first)
    before = _counts()
    with pytest.raises(ServiceError, match="already imported"):
        list_import_commit(actor=world.caseworker, list_import=second)
    assert _counts() == before


# --- Linking only where the importer may write ------------------------------------------------


@pytest.fixture
def team_a_child(world):
    """A child of team A's cases, with a birthplace team B may not see."""
    return person_create(
        actor=world.supervisor, names=[NameInput(family_name="Тагиров", given_name="Билал")],
        sex="M", birth_precision="exact", birth_date=dt.date(2015, 4, 3), birthplace="Raqqa",
        team=world.team_a,
    )  # fmt: skip


ROW_OF_THE_CHILD = "R1,Tagirov,Bilal,M,2015-04-03,,,Roj camp\n"


def test_a_row_matching_another_teams_case_waits_for_review_and_writes_nothing_there(
    world, team_a_child
):

    persons = Person.objects.count()
    importer = world.other_team_caseworker  # team B
    done = _commit(importer, (HEADER + ROW_OF_THE_CHILD).encode())
    row = ListImportRow.objects.get(list_import=done)
    assert (row.outcome, row.person) == ("ambiguous", None)
    assert "outside your cases" in row.reason and "p=" not in row.reason
    assert not Placement.objects.filter(person=team_a_child).exists()
    assert Person.objects.count() == persons  # no duplicate created either
    suggestion = MatchSuggestion.objects.get(list_row=row)
    assert suggestion.person == team_a_child and suggestion.probability >= 0.5
    # those who may see the person decide; the importer does not even see the pair
    assert suggestion in MatchSuggestion.objects.visible_to(world.supervisor)
    assert suggestion in MatchSuggestion.objects.visible_to(world.caseworker)
    assert suggestion not in MatchSuggestion.objects.visible_to(importer)
    suggestion_decide(
        actor=world.supervisor, suggestion=suggestion, decision="confirmed", reason="Same child"
    )
    row.refresh_from_db()
    assert (row.outcome, row.person) == ("linked", team_a_child)


def test_the_dry_run_of_another_team_says_review_not_linked(world, team_a_child):
    upload = _upload(world.other_team_caseworker, (HEADER + ROW_OF_THE_CHILD).encode())
    plan = list_import_dry_run(actor=world.other_team_caseworker, list_import=upload)
    assert plan.counts["linked"] == 0 and plan.counts["ambiguous"] == 1


def test_a_row_matching_ones_own_case_is_still_linked(world, team_a_child):
    done = _commit(world.caseworker, (HEADER + ROW_OF_THE_CHILD).encode())  # team A
    row = ListImportRow.objects.get(list_import=done)
    assert (row.outcome, row.person) == ("linked", team_a_child)
    assert Placement.objects.filter(person=team_a_child, place_text="Roj camp").exists()


def test_the_write_is_checked_again_on_the_locked_person_inside_the_commit(
    world, team_a_child, monkeypatch
):
    from casework.services import imports

    planned = imports.plan_import

    def plan_then_reassign(**kwargs):
        plan = planned(**kwargs)
        # another supervisor moves the case to team B after the plan was made
        Person.objects.filter(pk=team_a_child.pk).update(team=world.team_b)
        return plan

    monkeypatch.setattr(imports, "plan_import", plan_then_reassign)
    done = _commit(world.caseworker, (HEADER + ROW_OF_THE_CHILD).encode())
    row = ListImportRow.objects.get(list_import=done)
    assert (row.outcome, row.person) == ("ambiguous", None)
    assert not Placement.objects.filter(person=team_a_child).exists()
    assert MatchSuggestion.objects.get(list_row=row).person == team_a_child


# --- Parents' names from a list ---------------------------------------------------------------

PARENTS_HEADER = "family_name,given_name,sex,birth_date,mother_name,father_name\n"


def _found_by_parents_only(world, person) -> bool:
    from casework.matching import PersonRecord, prepare
    from casework.services.matching import candidates_for

    record = PersonRecord(record_id="x", given_name="Bilal", mother_name="Тагирова Зарема")
    assert {k.split("|")[0] for k in prepare(record).blocking} == {"gm"}
    found = candidates_for(record, Person.objects.filter(organisation=world.north))
    return person in [c.person for c in found]


def test_a_created_person_keeps_the_parents_names_the_list_gives(world):
    from casework.services.names import parents_of, refresh_name_keys

    data = PARENTS_HEADER + "Tagirov,Bilal,M,2015,Tagirova Zarema,Abu Muhammad\n"
    done = _commit(world.supervisor, data.encode())
    person = ListImportRow.objects.get(list_import=done).person
    assert parents_of([person.pk])[person.pk] == {
        "mother": "Tagirova Zarema",
        "father": "Abu Muhammad",
    }
    assert _found_by_parents_only(world, person)
    refresh_name_keys(person)  # computed again from the database: still there
    assert _found_by_parents_only(world, person)


def test_a_linked_row_adds_the_parents_names_to_a_known_person(world):
    known = person_create(
        actor=world.supervisor, names=[NameInput(family_name="Тагиров", given_name="Билал")],
        sex="M", birth_precision="exact", birth_date=dt.date(2015, 4, 3),
    )  # fmt: skip
    assert not _found_by_parents_only(world, known)
    data = PARENTS_HEADER + "Tagirov,Bilal,M,2015-04-03,Tagirova Zarema,\n"
    done = _commit(world.supervisor, data.encode())
    assert ListImportRow.objects.get(list_import=done).person == known
    assert _found_by_parents_only(world, known)


def test_a_row_made_a_person_after_review_keeps_the_parents_names(world):
    sup = world.supervisor
    person_create(actor=sup, names=[NameInput(family_name="Тагиров", given_name="Билал")])
    done = _commit(sup, (PARENTS_HEADER + "Tagirov,Bilal,,,Tagirova Zarema,\n").encode())
    row = ListImportRow.objects.get(list_import=done)
    suggestion = MatchSuggestion.objects.get(list_row=row)
    suggestion_decide(actor=sup, suggestion=suggestion, decision="rejected", reason="Other boy")
    row.refresh_from_db()
    assert row.outcome == "created" and _found_by_parents_only(world, row.person)


def test_a_created_row_is_written_and_audited_as_the_person_service_writes_a_person(world):
    data = (HEADER + "R1,Tagirov,Bilal,M,2015,,,Roj camp\n").encode()
    done = _commit(world.supervisor, data)
    imported = ListImportRow.objects.get(list_import=done).person
    by_hand = person_create(
        actor=world.supervisor,
        names=[NameInput(family_name="Tagirov", given_name="Bilal", source="list: Ministry list")],
        sex="M",
        birth_precision="year",
        birth_date=dt.date(2015, 1, 1),
    )
    events = {
        e.object_id: e for e in AuditEvent.objects.filter(action="create", object_type="Person")
    }
    assert events[imported.public_id].fields == events[by_hand.public_id].fields
    assert events[imported.public_id].reason == "list import “Ministry list”, row 2"
    assert set(imported.name_keys.values_list("key", flat=True)) == set(
        by_hand.name_keys.values_list("key", flat=True)
    )
