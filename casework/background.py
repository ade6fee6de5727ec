"""Long work run by a task worker (django-tasks), with its progress kept on a `BackgroundJob`:
finding duplicates, an export built into a file, a large list import.

A job is started here (the service `job_start` asks the policy and audits it), and its id handed
to the task backend: the database one by default (`manage.py db_worker`), immediate in tests. The
task runs as the user who asked, through the same services and export code as the pages, and the
work it writes is written whole or not at all: a failure leaves the job failed with a message.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django_tasks import task

from casework.export_files import csv_lines, xlsx_file
from casework.exports import Table, check_export_request, persons_table
from casework.exports_lists import FLIGHTS, PLACES, REPORTS, list_table
from casework.models import BackgroundJob, ImportStatus, JobKind, JobState, ListImport
from casework.permissions import Action, Denied, Hidden, require
from casework.services.errors import ServiceError
from casework.services.imports import ImportRejected, list_import_commit, list_import_plan
from casework.services.jobs import (
    job_done,
    job_failed,
    job_progress,
    job_running,
    job_set_task,
    job_start,
)
from casework.services.matching import suggestions_find_duplicates

logger = logging.getLogger(__name__)

LISTS = {spec.name: spec for spec in (REPORTS, FLIGHTS, PLACES)}
EXPORT_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Rows written between two progress reports: often enough for the bar, rare enough to cost nothing.
PROGRESS_EVERY = 1000


# --- Starting --------------------------------------------------------------------------------


def _enqueue(job: BackgroundJob) -> BackgroundJob:
    # The job is committed by now (`job_start` closed its transaction), so the worker finds it.
    result = run_job.enqueue(str(job.public_id))
    job_set_task(job, result.id)
    job.refresh_from_db()
    return job


def start_find_duplicates(*, actor) -> BackgroundJob:
    return _enqueue(
        job_start(actor=actor, kind=JobKind.FIND_DUPLICATES, action=Action.MERGE_PERSONS)
    )


def start_export(
    *,
    actor,
    list_name: str,
    params: QueryDict,
    file_format: str,
    identifiable: bool = False,
    reason: str = "",
) -> BackgroundJob:
    """An export of a list (`persons`, or one of `LISTS`) built into a file by the worker. What
    the export would refuse is refused now, before anything is queued."""
    if file_format not in EXPORT_FORMATS:
        raise ServiceError({"format": [gettext("Choose CSV or XLSX.")]})
    if list_name == "persons":
        check_export_request(actor, params, identifiable, reason)
        action = Action.EXPORT_IDENTIFIABLE if identifiable else Action.EXPORT_PSEUDONYMISED
    elif list_name in LISTS:
        for needed in LISTS[list_name].actions:  # as `list_table` asks (the flights list: planners)
            require(actor, needed)
        identifiable, reason, action = False, "", Action.EXPORT_PSEUDONYMISED
    else:
        raise ServiceError({"list": [gettext("There is no such list to export.")]})
    job = job_start(
        actor=actor,
        kind=JobKind.EXPORT,
        action=action,
        private=True,  # the file holds the rows its requester may see, and no one else's view
        parameters={
            "list": list_name,
            "params": dict(params.lists()),
            "format": file_format,
            "identifiable": identifiable,
            "reason": reason,
            "language": translation.get_language() or "",
        },
    )
    return _enqueue(job)


def start_import(*, actor, list_import: ListImport, reject_invalid: bool = False) -> BackgroundJob:
    """A large list's commit, run by the worker: its rows matched outside the write transaction
    with their progress shown, then written in one. A list already being imported leads to the
    job importing it rather than to a second one."""
    require(actor, Action.IMPORT_LIST, list_import)
    if list_import.status != ImportStatus.PREVIEWED:
        raise ServiceError({"file": [gettext("This list was already imported.")]})
    running = (
        BackgroundJob.objects.visible_to(actor)
        .filter(
            kind=JobKind.IMPORT,
            state__in=(JobState.QUEUED, JobState.RUNNING),
            parameters__list_import=str(list_import.public_id),
        )
        .first()
    )
    if running is not None:
        return running
    job = job_start(
        actor=actor,
        kind=JobKind.IMPORT,
        action=Action.IMPORT_LIST,
        parameters={
            "list_import": str(list_import.public_id),
            "reject_invalid": reject_invalid,
            "language": translation.get_language() or "",
        },
    )
    return _enqueue(job)


# --- Running ---------------------------------------------------------------------------------


def _counted(job: BackgroundJob, rows: Iterable, total: int) -> Iterator:
    for done, row in enumerate(rows, start=1):
        yield row
        if done % PROGRESS_EVERY == 0:
            job_progress(job, done=done, total=total)


def _run_find_duplicates(job: BackgroundJob) -> None:
    job_running(job)
    found = suggestions_find_duplicates(
        actor=job.requested_by,
        limit_pairs=settings.CASEWORK_DUPLICATE_PAIRS,
        progress=lambda done, total: job_progress(job, done=done, total=total),
    )
    job_done(
        job,
        summary={"suggested": found},
        message=ngettext("%(count)s new pair to review.", "%(count)s new pairs to review.", found)
        % {"count": found},
    )


def _export_table(job: BackgroundJob) -> Table:
    parameters = job.parameters
    params = QueryDict(mutable=True)
    for name, values in parameters.get("params", {}).items():
        params.setlist(name, values)
    if parameters["list"] == "persons":
        return persons_table(
            actor=job.requested_by,
            params=params,
            identifiable=parameters.get("identifiable", False),
            reason=parameters.get("reason", ""),
        )
    return list_table(LISTS[parameters["list"]], actor=job.requested_by, params=params)


def write_table(table: Table, file_format: str, rows: Iterable):
    """The table's file, written row by row into a temporary file (XLSX in openpyxl's write-only
    mode): the rows are never all in memory. The caller closes it."""
    if file_format == "xlsx":
        return xlsx_file(table.title, table.header, rows)
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- returned open, the caller closes it
    for line in csv_lines(table.header, rows):
        out.write(line.encode("utf-8"))
    out.seek(0)
    return out


def _run_export(job: BackgroundJob) -> None:
    file_format = job.parameters["format"]
    with translation.override(job.parameters.get("language") or None):
        job_running(job)
        table = _export_table(job)
        job_progress(job, done=0, total=table.count)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        with write_table(table, file_format, _counted(job, table.rows, table.count)) as out:
            job_done(
                job,
                summary={"rows": table.count},
                message=ngettext("%(count)s row exported.", "%(count)s rows exported.", table.count)
                % {"count": table.count},
                file=out,
                file_name=f"{table.stem}-{stamp}.{file_format}",
                file_type=EXPORT_FORMATS[file_format],
            )


def _run_import(job: BackgroundJob) -> None:
    actor = job.requested_by
    reject_invalid = bool(job.parameters.get("reject_invalid"))
    with translation.override(job.parameters.get("language") or None):
        list_import = (
            ListImport.objects.visible_to(actor)
            .filter(public_id=job.parameters["list_import"])
            .first()
        )
        if list_import is None:
            raise Hidden()
        job_running(job)  # the total is the rows to match, known once they are read
        try:
            plan = list_import_plan(
                actor=actor,
                list_import=list_import,
                reject_invalid=reject_invalid,
                progress=lambda done, total: job_progress(job, done=done, total=total),
            )
            job_progress(job, done=job.progress_total, message=gettext(
                "The rows are matched; the list is being written."
            ))  # fmt: skip
            committed = list_import_commit(
                actor=actor, list_import=list_import, reject_invalid=reject_invalid, plan=plan
            )
        except ImportRejected as error:
            # Every row's error is on the list's page; the job says how many, and where.
            count = len(error.row_errors)
            raise ServiceError({"rows": [ngettext(
                "%(count)s row is invalid: nothing was imported. The list's page names it.",
                "%(count)s rows are invalid: nothing was imported. The list's page names them.",
                count,
            ) % {"count": count}]}) from error  # fmt: skip
        counts = committed.stats.get("counts", {})
        job_done(
            job,
            summary={"list_import": str(committed.public_id), "counts": counts},
            message=ngettext(
                "%(count)s row imported.", "%(count)s rows imported.", committed.row_count
            )
            % {"count": committed.row_count},
        )


RUNNERS = {
    JobKind.FIND_DUPLICATES: _run_find_duplicates,
    JobKind.EXPORT: _run_export,
    JobKind.IMPORT: _run_import,
}


@task()
def run_job(job_public_id: str) -> str:
    """Run one job to its end; whatever happens, the job says how it ended."""
    job = BackgroundJob.objects.select_related("requested_by").get(public_id=job_public_id)
    if job.state != JobState.QUEUED:
        return job.state  # run once: a retried delivery of a job already taken does nothing
    try:
        if job.requested_by is None:
            raise Denied()
        RUNNERS[JobKind(job.kind)](job)
    except ServiceError as error:
        job_failed(job, message=" ".join(error.messages))
    except (Hidden, Denied):
        job_failed(job, message=gettext("You may no longer do this; nothing was written."))
    except Exception:
        logger.exception("background job %s (%s) failed", job.public_id, job.kind)
        job_failed(
            job,
            message=gettext(
                "The job stopped on an error and nothing was written. Try again, and tell an "
                "administrator if it happens again."
            ),
        )
    return job.state
