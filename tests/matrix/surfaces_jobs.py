"""Background jobs: a job is its requester's, and the organisation's shared work (finding
duplicates) is also for those who may do it; an export's file stays its requester's alone. Hidden
jobs answer 404 like missing ones."""

from django.apps import apps
from django.core.files.base import ContentFile

from casework.models import BackgroundJob
from casework.services.jobs import job_result_opened, job_start
from tests.matrix import ALLOWED, DENIED, HIDDEN, PAGES, Call, Surface, expect, labels, sets
from tests.matrix.records import audited

STAFF_PAGE = expect(200, **PAGES)
OWN = {"caseworker": 200}
IMPORTERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}


def _jobs(w):
    """A finished export of team A's caseworker (its file), a list import of theirs under way
    (shared with the organisation's importers, who see the list itself), and a finished
    find-duplicates of the supervisor."""
    if not hasattr(w, "export_job"):
        w.export_job = BackgroundJob.objects.create(
            kind="export", action="export_pseudonymised", organisation=w.north,
            requested_by=w.caseworker, private=True, state="done",
            progress_done=1, progress_total=1, result_name="persons-pseudonymised.csv",
            result_type="text/csv; charset=utf-8",
        )  # fmt: skip
        w.export_job.result_file.save("persons.csv", ContentFile(b"\xef\xbb\xbfpseudonym\r\n"))
        w.import_job = BackgroundJob.objects.create(
            kind="import", action="import_list", organisation=w.north,
            requested_by=w.caseworker, state="running", progress_done=1, progress_total=2,
            parameters={"list_import": "00000000-0000-4000-8000-000000000001"},
        )  # fmt: skip
        w.dupes_job = BackgroundJob.objects.create(
            kind="find_duplicates", action="merge_persons", organisation=w.north,
            requested_by=w.supervisor, state="done", progress_done=3, progress_total=3,
        )  # fmt: skip
    return w


def _job_path(name, suffix=""):
    return lambda w: f"/jobs/{getattr(_jobs(w), name).public_id}/{suffix}"


def _listed(expected):
    def check(world, persona, response):
        shown = labels(world, response.context["jobs"])
        assert shown == expected.get(persona, set()), shown

    return check


def _status(world, persona, response):
    body = response.json()
    assert body["state"] == "done" and body["finished"] is True
    assert body["result_url"] == f"/jobs/{world.export_job.public_id}/result/"


def _file(world, persona, response):
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbfpseudonym")
    assert audited(world.caseworker, "export", object_id=world.export_job.public_id)


def _started(w, persona):
    job = BackgroundJob.objects.get(requested_by=w.personas()[persona], kind="find_duplicates")
    assert job.state == "queued" and audited(job.requested_by, "create", object_id=job.public_id)


def _gate(w, user):
    return labels(w, apps.get_model("casework", "BackgroundJob").objects.visible_to(user))


SURFACES = [
    Surface(
        name="job_list",
        path=lambda w: (_jobs(w), "/jobs/")[1],
        expect=STAFF_PAGE,
        check=_listed({"caseworker": {"export_job", "import_job"}, "supervisor": {"dupes_job"}}),
    ),
    Surface(
        name="job_detail",
        path=_job_path("export_job"),
        expect=expect(404, **OWN, **PAGES),
    ),
    Surface(
        name="job_detail",
        label="find duplicates",
        path=_job_path("dupes_job"),
        expect=expect(404, supervisor=200, **PAGES),
    ),
    *(
        Surface(
            name=name,
            label="list import",
            path=_job_path("import_job", suffix),
            expect=expect(404, **IMPORTERS, **PAGES),
        )
        for name, suffix in (("job_detail", ""), ("job_status", "status/"))
    ),
    Surface(
        name="job_status",
        path=_job_path("export_job", "status/"),
        expect=expect(404, **OWN, **PAGES),
        check=_status,
    ),
    Surface(
        name="job_result",
        path=_job_path("export_job", "result/"),
        expect=expect(404, **OWN, **PAGES),
        check=_file,
    ),
    Surface(
        name="job_result",
        label="a job with no file",
        path=_job_path("dupes_job", "result/"),
        expect=expect(404, **PAGES),
    ),
]

CALLS = [
    Call(
        name="gate:BackgroundJob.visible_to",
        setup=_jobs,
        run=_gate,
        expect=sets(
            caseworker={"export_job", "import_job"},
            other_team_caseworker={"import_job"},
            supervisor={"dupes_job", "import_job"},
        ),
    ),
    Call(
        name="service:job_start",
        run=lambda w, user: job_start(actor=user, kind="find_duplicates", action="merge_persons"),
        expect=expect(DENIED, supervisor=ALLOWED),
        wrote=_started,
    ),
    Call(
        name="service:job_result_opened",
        setup=_jobs,
        run=lambda w, user: job_result_opened(actor=user, job=w.export_job),
        # The export's file is the caseworker's own; who may not export at all is refused first.
        expect=expect(HIDDEN, caseworker=ALLOWED, intake=DENIED, admin=DENIED, anonymous=HIDDEN),
        writes=False,
    ),
]
