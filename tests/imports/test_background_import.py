"""A large list's import as a background job (the immediate backend of tests/settings.py): the
rows matched outside the write transaction with their progress on the job, then written in one;
the same result as the import at once, nothing written when it fails, and the job page's gate."""

import datetime as dt

import pytest
from django.db import transaction

from casework import background
from casework.background import start_import
from casework.models import (
    AuditEvent,
    BackgroundJob,
    ListImport,
    ListImportRow,
    MatchSuggestion,
    Person,
    Placement,
)
from casework.permissions import Denied
from casework.services import imports
from casework.services.errors import ServiceError
from casework.services.imports import list_import_commit, list_import_plan, list_import_upload
from casework.services.persons import NameInput, person_create
from tests.job_progress import watch_progress

HEADER = "record_id,family_name,given_name,sex,birth_date,age,age_reference_date,location\n"
# Linked to a known child, a close one for review, one person named twice, a new one.
ROWS = (
    "R1,Tagirov,Bilal,M,2015-04-03,,,Roj camp\n"
    "R2,Khasiev,Muhammad,,,,,\n"
    "R3,Tagirova,Zarema,F,2012-05-01,,,Roj camp\n"
    "R4,Тагирова,Зарема,F,2012-05-01,,,al-Hol\n"
    "R5,Testova,Amina,F,2016,,,\n"
)


class _Undone(Exception):
    pass


@pytest.fixture
def known(world):
    sup = world.supervisor
    child = person_create(
        actor=sup, names=[NameInput(family_name="Тагиров", given_name="Билал")], sex="M",
        birth_precision="exact", birth_date=dt.date(2015, 4, 3), team=world.team_a,
    )  # fmt: skip
    vague = person_create(
        actor=sup, names=[NameInput(family_name="Хасиев", given_name="Магомед")], team=world.team_a
    )
    return child, vague


@pytest.fixture
def large(settings):
    """Lists of more than three rows are large here."""
    settings.CASEWORK_IMPORT_BACKGROUND_ROWS = 3


def _upload(actor, rows=ROWS):
    return list_import_upload(
        actor=actor,
        source="Invented camp list",
        as_of=dt.date(2026, 10, 1),
        filename="list.csv",
        data=(HEADER + rows).encode(),
    )


def _result(list_import, since: int) -> dict:
    """What an import wrote, with the persons it created named by the row that created them
    (their ids differ from one run to the other)."""
    rows = list(ListImportRow.objects.filter(list_import=list_import).order_by("row_number"))
    created = {r.person_id: f"row {r.row_number}" for r in rows if r.outcome == "created"}

    def person(pk):
        return created.get(pk) or str(Person.objects.get(pk=pk).public_id)

    new_ids = {str(p.public_id) for p in Person.objects.filter(pk__in=created)}
    return {
        "rows": [
            (r.row_number, r.record_id, r.outcome, r.reason, r.person_id and person(r.person_id))
            for r in rows
        ],
        "suggestions": sorted(
            (
                s.list_row.row_number,
                person(s.person_id),
                round(s.probability, 9),
                str(s.explanation),
            )
            for s in MatchSuggestion.objects.filter(list_row__list_import=list_import)
        ),
        "placements": sorted(
            (person(p.person_id), p.place_text, p.notes, str(p.start_date))
            for p in Placement.objects.filter(person__in=[r.person_id for r in rows if r.person_id])
        ),
        "audit": sorted(
            (e.action, e.object_type, str(e.changes) if str(e.object_id) not in new_ids else "")
            for e in AuditEvent.objects.filter(pk__gt=since)
            .exclude(object_type="BackgroundJob")
            .exclude(action="login")  # the test's browser signing in
        ),
        "stats": {k: v for k, v in list_import.stats.items() if k != "committed_at"},
    }


def _last_event() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_a_large_list_becomes_a_job_with_the_result_of_the_import_at_once(
    world, known, large, login, monkeypatch
):
    upload = _upload(world.caseworker)
    since = _last_event()
    with pytest.raises(_Undone), transaction.atomic():
        done = list_import_commit(actor=world.caseworker, list_import=upload)
        at_once = _result(done, since)
        raise _Undone
    upload.refresh_from_db()
    assert upload.status == "previewed" and not ListImportRow.objects.exists()
    monkeypatch.setattr(imports, "MATCH_CHUNK", 2)
    seen = watch_progress(monkeypatch)

    response = login(world.caseworker).post(f"/imports/{upload.public_id}/commit/")

    job = BackgroundJob.objects.get(kind="import")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.public_id}/"
    assert seen == [("running", 2, 5), ("running", 4, 5), ("running", 5, 5), ("running", 5, 5)]
    assert (job.state, job.progress_done, job.progress_total) == ("done", 5, 5)
    assert job.message == "5 rows imported."
    upload.refresh_from_db()
    assert upload.status == "committed"
    assert job.result_summary == {
        "list_import": str(upload.public_id),
        "counts": upload.stats["counts"],
    }
    in_the_background = _result(upload, since)
    assert in_the_background == at_once
    outcomes = {row[2] for row in at_once["rows"]}
    assert {"linked", "ambiguous", "created"} <= outcomes and at_once["suggestions"]
    # Started and imported, each audited: the job's start, the import as any import is.
    assert AuditEvent.objects.filter(object_id=job.public_id, action="create").count() == 1
    page = login(world.caseworker).get(response["Location"])
    assert page.status_code == 200
    assert f'href="/imports/{upload.public_id}/"' in page.content.decode()


def test_a_small_list_is_still_imported_at_once(world, known, login):
    upload = _upload(world.caseworker)
    response = login(world.caseworker).post(f"/imports/{upload.public_id}/commit/")
    assert response.status_code == 302 and response["Location"] == f"/imports/{upload.public_id}/"
    upload.refresh_from_db()
    assert upload.status == "committed" and ListImportRow.objects.count() == 5
    assert not BackgroundJob.objects.exists()


def test_a_failure_while_writing_leaves_nothing_written_and_the_job_failed(
    world, known, large, monkeypatch, login
):
    upload = _upload(world.caseworker)
    persons, events = Person.objects.count(), _last_event()

    def broken(*args, **kwargs):
        raise RuntimeError("invented failure after the rows were stored")

    monkeypatch.setattr(imports, "_record_placements", broken)
    job = start_import(actor=world.caseworker, list_import=upload)

    job.refresh_from_db()
    assert job.state == "failed" and "nothing was written" in job.message
    assert job.parameters == {"list_import": str(upload.public_id)}  # kept for a retry
    assert not ListImportRow.objects.exists() and not MatchSuggestion.objects.exists()
    assert not Placement.objects.exists() and Person.objects.count() == persons
    assert not AuditEvent.objects.filter(pk__gt=events, object_type="listimport").exists()
    upload.refresh_from_db()
    assert upload.status == "previewed" and upload.file.storage.exists(upload.file.name)
    page = login(world.caseworker).get(f"/jobs/{job.public_id}/").content.decode()
    assert "Open the list" in page and f'href="/imports/{upload.public_id}/"' in page
    # The same list imported again once the cause is gone.
    monkeypatch.undo()
    again = start_import(actor=world.caseworker, list_import=upload)
    again.refresh_from_db()
    assert again.state == "done" and ListImportRow.objects.count() == 5


def test_a_failure_while_matching_leaves_the_job_failed_with_its_progress(
    world, known, large, monkeypatch
):
    upload = _upload(world.caseworker)
    monkeypatch.setattr(imports, "MATCH_CHUNK", 2)
    calls = []
    original = imports.candidates_bulk

    def second_chunk_breaks(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("invented failure in the second chunk")
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "candidates_bulk", second_chunk_breaks)
    job = start_import(actor=world.caseworker, list_import=upload)
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.progress_total) == ("failed", 2, 5)
    assert not ListImportRow.objects.exists()
    upload.refresh_from_db()
    assert upload.status == "previewed"


def test_invalid_rows_fail_the_job_with_their_count_and_write_nothing(world, large):
    upload = _upload(world.caseworker, ROWS + "R6,Testov,Adam,M,2015-02-29,,,\n")
    job = start_import(actor=world.caseworker, list_import=upload)
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.message == "1 row is invalid: nothing was imported. The list's page names it."
    assert not ListImportRow.objects.exists()


def test_invalid_rows_kept_as_rejected_when_the_importer_chose_it(world, large):
    upload = _upload(world.caseworker, ROWS + "R6,Testov,Adam,M,2015-02-29,,,\n")
    job = start_import(actor=world.caseworker, list_import=upload, reject_invalid=True)
    job.refresh_from_db()
    assert job.state == "done" and job.result_summary["counts"]["rejected"] == 1
    assert ListImportRow.objects.get(row_number=7).outcome == "rejected"


def test_a_mapping_changed_after_the_matching_writes_nothing(world, known):
    upload = _upload(world.caseworker)
    plan = list_import_plan(actor=world.caseworker, list_import=upload, progress=lambda *a: None)
    ListImport.objects.filter(pk=upload.pk).update(
        column_mapping={**upload.column_mapping, "location": ""}
    )
    upload.refresh_from_db()
    with pytest.raises(ServiceError, match="column mapping changed"):
        list_import_commit(actor=world.caseworker, list_import=upload, plan=plan)
    assert not ListImportRow.objects.exists()


def test_a_person_merged_after_the_matching_is_not_written_onto(world, known):
    child, _ = known
    upload = _upload(world.caseworker)
    plan = list_import_plan(actor=world.caseworker, list_import=upload, progress=lambda *a: None)
    assert plan.rows[0].outcome == "linked" and plan.rows[0].person_id == child.pk
    survivor = person_create(
        actor=world.supervisor, names=[NameInput(family_name="Тагиров", given_name="Билал")],
        team=world.team_a,
    )  # fmt: skip
    Person.objects.filter(pk=child.pk).update(merged_into=survivor)  # as a merge leaves it

    list_import_commit(actor=world.caseworker, list_import=upload, plan=plan)

    row = ListImportRow.objects.get(list_import=upload, row_number=2)
    assert (row.outcome, row.person) == ("ambiguous", None)
    assert [s.person for s in MatchSuggestion.objects.filter(list_row=row)] == [survivor]
    assert not Placement.objects.filter(person__in=[child, survivor]).exists()


def test_starting_twice_leads_to_the_same_job(world, large, monkeypatch):
    monkeypatch.setattr(background, "_enqueue", lambda job: job)  # queued, not yet run
    upload = _upload(world.caseworker)
    first = start_import(actor=world.caseworker, list_import=upload)
    assert start_import(actor=world.supervisor, list_import=upload) == first
    assert BackgroundJob.objects.count() == 1


def test_importing_needs_the_import_action(world, large):
    upload = _upload(world.caseworker)
    with pytest.raises(Denied):
        start_import(actor=world.dpo, list_import=upload)
    assert not BackgroundJob.objects.exists()


@pytest.mark.parametrize(
    "persona, status",
    [
        # The organisation's importers, as they see the list itself (shared work: jobs_visible_to).
        ("caseworker", 200),
        ("supervisor", 200),
        ("other_team_caseworker", 200),
        ("south_supervisor", 404),
        ("dpo", 404),
        ("partner", 403),  # the staff area, as every job page
        (None, 302),
    ],
)
def test_the_import_job_is_shown_to_those_who_see_the_list(world, large, login, persona, status):
    upload = _upload(world.caseworker)
    job = start_import(actor=world.caseworker, list_import=upload)
    user = getattr(world, persona) if persona else None
    if user is not None and status != 403:
        sees_list = ListImport.objects.visible_to(user).filter(pk=upload.pk).exists()
        assert sees_list == (status == 200)
    for suffix in ("", "status/"):
        assert login(user).get(f"/jobs/{job.public_id}/{suffix}").status_code == status
