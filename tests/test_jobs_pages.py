"""The pages of background jobs: starting one leads to its page, whose progress bar a script keeps
current (or a refresh, without JavaScript); the result waits there when done, and a failure says
why. Someone else's job answers 404 like a missing one."""

import csv
import io
import re
import uuid

import openpyxl
import pytest

from casework.models import AuditEvent, BackgroundJob, MatchSuggestion
from casework.services import matching
from casework.services.jobs import job_progress, job_running, job_start
from tests.matrix.surfaces_review import _duplicates


def _job_url(response):
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return BackgroundJob.objects.get(public_id=match.group(1))


def test_find_duplicates_leads_to_its_job_page_with_the_result(world, login):
    _duplicates(world)
    client = login(world.supervisor)
    response = client.post("/review/find-duplicates/")
    assert response.status_code == 302
    job = _job_url(response)
    assert job.state == "done" and job.requested_by == world.supervisor
    assert MatchSuggestion.objects.filter(person__in=[world.dupe_1, world.dupe_2]).exists()
    page = client.get(response["Location"]).content.decode()
    assert '<progress id="job-progress"' in page
    assert "new pair" in page and 'href="/review/"' in page
    # Finished: nothing to poll any more.
    assert "jobs.js" not in page and 'http-equiv="refresh"' not in page


def test_a_running_job_polls_its_status_and_refreshes_without_javascript(world, login):
    job = job_start(actor=world.supervisor, kind="find_duplicates", action="merge_persons")
    job_running(job, total=40)
    job_progress(job, done=10, message="Scoring pairs")
    client = login(world.supervisor)
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert '<script src="/static/casework/jobs.js" defer></script>' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert 'max="40" value="10"' in page and "10 / 40" in page
    assert f'data-status-url="/jobs/{job.public_id}/status/"' in page
    assert f'href="/jobs/{job.public_id}/"' in page  # the refresh link
    status = client.get(f"/jobs/{job.public_id}/status/").json()
    assert status == {
        "state": "running", "state_label": "running", "done": 10, "total": 40, "percent": 25,
        "message": "Scoring pairs", "finished": False, "result_url": None,
    }  # fmt: skip


def test_a_failed_job_says_why(world, login, monkeypatch):
    _duplicates(world)

    def broken(*pairs):
        raise RuntimeError("invented failure")

    monkeypatch.setattr(matching, "_best", broken)
    client = login(world.supervisor)
    job = _job_url(client.post("/review/find-duplicates/"))
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert job.state == "failed"
    assert "alert alert-danger" in page and "nothing was written" in page
    assert "invented failure" not in page


def test_a_persons_export_in_the_background_downloads_its_xlsx(world, login):
    client = login(world.caseworker)
    response = client.post("/persons/export/", {"background": "xlsx", "kind": "pseudonymised"})
    job = _job_url(response)
    assert job.state == "done"
    page = client.get(response["Location"]).content.decode()
    assert f'href="/jobs/{job.public_id}/result/"' in page
    download = client.get(f"/jobs/{job.public_id}/result/")
    assert download["Content-Disposition"].startswith('attachment; filename="persons-')
    assert "no-store" in download["Cache-Control"]
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(download.streaming_content)), read_only=True
    ).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "pseudonym" and len(rows) == job.result_summary["rows"] > 0
    downloaded = AuditEvent.objects.get(action="export", object_id=job.public_id)
    assert downloaded.actor == world.caseworker


def test_a_list_export_in_the_background_as_csv(world, login):
    client = login(world.caseworker)
    job = _job_url(client.post("/places/export/", {"background": "csv"}))
    download = client.get(f"/jobs/{job.public_id}/result/")
    text = b"".join(download.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert len(list(csv.DictReader(io.StringIO(text[1:])))) == job.result_summary["rows"]


def test_a_bad_background_export_is_refused_on_the_page_and_queues_nothing(world, login):
    client = login(world.supervisor)
    response = client.post(
        "/persons/export/", {"background": "xlsx", "kind": "identifiable", "reason": ""}
    )
    assert response.status_code == 400
    assert "Say why identifiable data must leave the system." in response.content.decode()
    response = client.post("/reports/export/", {"background": "pdf"})
    assert response.status_code == 400 and "Choose CSV or XLSX." in response.content.decode()
    assert not BackgroundJob.objects.exists()


@pytest.mark.parametrize("persona", ["other_team_caseworker", "supervisor", "dpo"])
def test_someone_elses_export_answers_404_like_a_missing_job(world, login, persona):
    client = login(world.caseworker)
    job = _job_url(client.post("/persons/export/", {"background": "csv"}))
    other = login(getattr(world, persona))
    for suffix in ("", "status/", "result/"):
        assert other.get(f"/jobs/{job.public_id}/{suffix}").status_code == 404
        assert other.get(f"/jobs/{uuid.uuid4()}/{suffix}").status_code == 404


def test_my_jobs_lists_only_mine(world, login):
    mine = job_start(actor=world.supervisor, kind="find_duplicates", action="merge_persons")
    response = login(world.supervisor).get("/jobs/")
    assert list(response.context["jobs"]) == [mine]
    assert list(login(world.caseworker).get("/jobs/").context["jobs"]) == []
