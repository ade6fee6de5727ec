"""Starting background jobs and keeping their progress.

Starting one is a user's write: the policy is asked for the job's action and the start is audited
in the same transaction. The task then reports as it goes (`job_progress`), each report its own
short write so a page polling the job sees it at once; it ends in `job_done` or `job_failed`.
"""

from __future__ import annotations

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.audit import AuditAction
from casework.models import BackgroundJob, JobKind, JobState
from casework.permissions import Action, Hidden, require

MESSAGE_LENGTH = BackgroundJob._meta.get_field("message").max_length
# What a finished job keeps of what it was asked: the filters (a searched name) and the reason of
# an identifiable export are in the audit trail, which redacts them; the job lets them go.
# A list import's job keeps which list it imports: its page, and a retry after a failure.
KEPT_PARAMETERS = ("list", "format", "identifiable", "list_import")


def _kept(parameters: dict) -> dict:
    return {name: value for name, value in parameters.items() if name in KEPT_PARAMETERS}


def job_start(
    *,
    actor,
    kind: JobKind,
    action: Action,
    parameters: dict | None = None,
    private: bool = False,
    reason: str = "",
) -> BackgroundJob:
    """A queued job of the actor's organisation, committed when this returns: the caller then
    hands its id to the task, so a worker never looks for a job that is not there yet."""
    require(actor, action)
    with transaction.atomic():
        job = BackgroundJob.objects.create(
            kind=kind,
            action=action,
            organisation_id=actor.organisation_id,
            requested_by=actor,
            private=private,
            parameters=parameters or {},
        )
        audit.record(actor, AuditAction.CREATE, job, changes={"job": kind}, reason=reason)
    return job


def job_set_task(job: BackgroundJob, task_result_id: str) -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(task_result_id=str(task_result_id)[:64])


def job_running(job: BackgroundJob, *, total: int = 0) -> None:
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, started_at=now, progress_total=total, updated_at=now
    )
    job.state, job.started_at, job.progress_total = JobState.RUNNING, now, total


def job_progress(job: BackgroundJob, *, done: int, total: int | None = None, message="") -> None:
    """How far the job has got: one UPDATE, committed at once outside any transaction."""
    total = job.progress_total if total is None else total
    done = min(done, total) if total else done
    fields = {"progress_done": done, "updated_at": timezone.now()}
    if not total:
        fields["progress_done"] = 0
    fields["progress_total"] = total
    if message:
        fields["message"] = str(message)[:MESSAGE_LENGTH]
    BackgroundJob.objects.filter(pk=job.pk).update(**fields)
    job.progress_done, job.progress_total = fields["progress_done"], total


def job_done(
    job: BackgroundJob,
    *,
    summary: dict | None = None,
    message: str = "",
    file=None,
    file_name: str = "",
    file_type: str = "",
) -> None:
    """The job's result: a summary, and a file stored through the default (encrypted) storage."""
    with transaction.atomic():
        job.refresh_from_db()
        if file is not None:
            job.result_file.save(file_name, File(file, name=file_name), save=False)
            job.result_name, job.result_type = file_name, file_type
        job.result_summary = summary or {}
        job.parameters = _kept(job.parameters)
        job.state = JobState.DONE
        job.progress_done = job.progress_total
        job.message = str(message)[:MESSAGE_LENGTH]
        job.finished_at = timezone.now()
        job.save()


def job_failed(job: BackgroundJob, *, message: str) -> None:
    """The job stopped: its plain-language reason, and no result (a half-built file is dropped)."""
    BackgroundJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED,
        parameters=_kept(job.parameters),
        message=str(message)[:MESSAGE_LENGTH],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    job.refresh_from_db()


def job_result_opened(*, actor, job: BackgroundJob) -> None:
    """A download of the job's file: read again through the gate, and audited like the export
    that built it (which was audited when its rows were read)."""
    require(actor, Action(job.action), job)
    if not BackgroundJob.objects.visible_to(actor).filter(pk=job.pk).exists():
        hidden = Hidden()
        audit.record_denial(actor, Action(job.action), job, hidden=True, exc=hidden)
        raise hidden
    with transaction.atomic():
        audit.record(
            actor,
            AuditAction.EXPORT,
            job,
            changes={"job": job.kind, "downloaded": job.result_name},
        )
