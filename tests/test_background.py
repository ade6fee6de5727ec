"""Background jobs as the worker runs them (the immediate backend of tests/settings.py): a job's
lifecycle and progress, the export file opened back, the duplicates found as the synchronous
service finds them, and a failure that leaves the job failed with nothing written."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.http import QueryDict
from django.utils import translation

from casework import background
from casework.background import run_job, start_export, start_find_duplicates
from casework.exports import pseudonym
from casework.models import AuditEvent, BackgroundJob, MatchSuggestion, Person
from casework.permissions import Denied
from casework.services import matching
from casework.services.errors import ServiceError
from casework.services.jobs import job_start
from casework.services.names import refresh_name_keys
from tests.factories import PersonFactory
from tests.job_progress import watch_progress

REASON = "Invented court order 2026/7 for the family's lawyer"


def _twins(world, name, count=2, team=None):
    made = [
        PersonFactory(
            organisation=world.north, team=team or world.team_a, display_name=name,
            birth_date=dt.date(2012, 5, 3), birth_precision="exact",
            birth_earliest=dt.date(2012, 5, 3), birth_latest=dt.date(2012, 5, 3),
        )
        for _ in range(count)
    ]  # fmt: skip
    for person in made:
        refresh_name_keys(person)
    return made


def _xlsx(job):
    with job.result_file.open("rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True).worksheets[0]
        header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def _pairs():
    return set(
        MatchSuggestion.objects.filter(kind="person_person").values_list(
            "person_id", "other_person_id", "probability"
        )
    )


# --- Find duplicates ---------------------------------------------------------------------------


def test_find_duplicates_as_a_task_finds_what_the_service_found(world):
    _twins(world, "Duplova Asiya")
    _twins(world, "Tahirova Layla", count=3, team=world.team_b)
    found_in_request = matching.suggestions_find_duplicates(actor=world.supervisor)
    expected = _pairs()
    assert found_in_request == len(expected) == 4
    MatchSuggestion.objects.all().delete()

    job = start_find_duplicates(actor=world.supervisor)

    job.refresh_from_db()
    assert job.state == "done" and job.finished_at is not None
    assert _pairs() == expected
    assert job.result_summary == {"suggested": 4}
    # Progress counts the pairs scored (the world's own persons make some that score low).
    scored = AuditEvent.objects.filter(reason="find duplicates").latest("pk")
    total = scored.changes["find_duplicates"]["pairs_scored"]
    assert job.progress_done == job.progress_total == total >= 4
    assert job.message == "4 new pairs to review."
    assert job.task_result_id


def test_scoring_in_small_chunks_finds_the_same_pairs(world, monkeypatch):
    _twins(world, "Duplova Asiya", count=3)
    _twins(world, "Tahirova Layla", count=2)
    matching.suggestions_find_duplicates(actor=world.supervisor)
    expected = _pairs()
    MatchSuggestion.objects.all().delete()
    monkeypatch.setattr(matching, "PAIR_CHUNK", 1)
    monkeypatch.setattr(matching, "KEY_STREAM_CHUNK", 2)
    reports = []
    matching.suggestions_find_duplicates(
        actor=world.supervisor, progress=lambda done, total: reports.append((done, total))
    )
    assert _pairs() == expected and len(expected) == 4
    total = reports[0][1]
    assert total >= 4 and reports == [(done, total) for done in range(total + 1)]


def test_progress_is_stored_on_the_job_as_the_task_goes(world, monkeypatch):
    _twins(world, "Duplova Asiya", count=3)
    monkeypatch.setattr(matching, "PAIR_CHUNK", 1)
    seen = watch_progress(monkeypatch)
    start_find_duplicates(actor=world.supervisor)
    total = seen[0][2]
    assert total >= 3 and seen == [("running", done, total) for done in range(total + 1)]
    assert BackgroundJob.objects.get().state == "done"


def test_starting_is_audited_and_refused_without_the_action(world):
    job = start_find_duplicates(actor=world.supervisor)
    event = AuditEvent.objects.get(action="create", object_id=job.public_id)
    assert event.actor == world.supervisor and event.changes == {"job": "find_duplicates"}
    with pytest.raises(Denied):
        start_find_duplicates(actor=world.caseworker)
    assert BackgroundJob.objects.count() == 1


def test_a_task_that_raises_leaves_the_job_failed_and_nothing_written(world, monkeypatch):
    _twins(world, "Duplova Asiya")

    def broken(*pairs):
        raise RuntimeError("scoring broke")

    monkeypatch.setattr(matching, "_best", broken)
    job = start_find_duplicates(actor=world.supervisor)
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None
    assert "nothing was written" in job.message and "scoring broke" not in job.message
    assert not MatchSuggestion.objects.exists()
    assert not job.result_file


def test_a_job_is_run_once(world):
    job = start_find_duplicates(actor=world.supervisor)
    finished = BackgroundJob.objects.get(pk=job.pk).finished_at
    assert run_job.call(str(job.public_id)) == "done"
    assert BackgroundJob.objects.get(pk=job.pk).finished_at == finished


# --- Exports ---------------------------------------------------------------------------------


def test_a_persons_export_as_xlsx_holds_the_rows_the_requester_may_see(world):
    with translation.override("ru"):
        job = start_export(
            actor=world.caseworker, list_name="persons", params=QueryDict(), file_format="xlsx"
        )
    job.refresh_from_db()
    assert job.state == "done" and job.private
    assert job.result_name.startswith("persons-pseudonymised-") and job.result_name.endswith(
        ".xlsx"
    )
    rows = _xlsx(job)
    visible = Person.objects.visible_to(world.caseworker).filter(merged_into__isnull=True)
    by_pseudonym = {row["pseudonym"]: row for row in rows}
    assert set(by_pseudonym) == {pseudonym(p.public_id) for p in visible}
    assert pseudonym(world.case_b.public_id) not in by_pseudonym  # team B's, hidden from team A
    with translation.override("ru"):
        status = world.case_a.get_status_display()
    assert by_pseudonym[pseudonym(world.case_a.public_id)]["status"] == status
    assert job.result_summary == {"rows": len(rows)} and job.progress_done == len(rows)
    export = AuditEvent.objects.get(action="export", actor=world.caseworker)
    assert export.changes["rows"] == len(rows)


def test_an_identifiable_export_needs_its_reason_before_anything_is_queued(world):
    with pytest.raises(ServiceError) as refused:
        start_export(
            actor=world.supervisor, list_name="persons", params=QueryDict(), file_format="csv",
            identifiable=True, reason="",
        )  # fmt: skip
    assert "reason" in refused.value.message_dict
    assert not BackgroundJob.objects.exists()
    job = start_export(
        actor=world.supervisor, list_name="persons", params=QueryDict("q=Alieva"),
        file_format="csv", identifiable=True, reason=REASON,
    )  # fmt: skip
    job.refresh_from_db()
    with job.result_file.open("rb") as handle:
        text = handle.read().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [row["name"] for row in rows] == ["Alieva Madina"]
    assert AuditEvent.objects.get(action="export", actor=world.supervisor).reason == REASON
    # The searched name and the reason are the audit trail's to keep, not the finished job's.
    assert job.parameters == {"list": "persons", "format": "csv", "identifiable": True}


def test_a_list_export_in_the_background(world):
    job = start_export(
        actor=world.caseworker, list_name="places", params=QueryDict(), file_format="xlsx"
    )
    job.refresh_from_db()
    assert job.state == "done" and job.result_name.startswith("places-")
    assert len(_xlsx(job)) == job.result_summary["rows"]


def test_a_list_the_requester_may_not_export_is_refused_before_queueing(world):
    with pytest.raises(Denied):
        start_export(actor=world.dpo, list_name="flights", params=QueryDict(), file_format="csv")
    assert not BackgroundJob.objects.exists()


def test_an_unknown_list_or_format_is_refused(world):
    for list_name, file_format in (("secrets", "csv"), ("persons", "pdf")):
        with pytest.raises(ServiceError):
            start_export(
                actor=world.caseworker, list_name=list_name, params=QueryDict(),
                file_format=file_format,
            )  # fmt: skip
    assert not BackgroundJob.objects.exists()


def test_an_export_whose_rows_break_keeps_no_file(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(background, "xlsx_file", broken)
    job = start_export(
        actor=world.caseworker, list_name="persons", params=QueryDict(), file_format="xlsx"
    )
    job.refresh_from_db()
    assert job.state == "failed" and not job.result_file and not job.result_name


def test_a_requester_who_lost_the_right_gets_a_failed_job(world):
    job = job_start(actor=world.supervisor, kind="find_duplicates", action="merge_persons")
    world.supervisor.is_active = False
    world.supervisor.save(update_fields=["is_active"])
    run_job.call(str(job.public_id))
    job.refresh_from_db()
    assert (
        job.state == "failed" and job.message == "You may no longer do this; nothing was written."
    )
