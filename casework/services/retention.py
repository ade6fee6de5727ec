"""Retention: what is kept no longer than its purpose needs, record kind by record kind.

- A closed case (reunited, deceased, not traceable, closed) whose status has not moved for
  `RETENTION_CLOSED_CASE_YEARS` is anonymised: its names, name keys, notes' text, birthplace,
  languages, vulnerabilities, security notes and the names the families gave for it go; what
  aggregate counts need stays (organisation, team, sex, birth year, citizenship, region of origin,
  status and its date, placements' places, charges, flights); the words written about them
  (notes, tasks, placements', proceedings' and manifest notes, the imported row, match
  explanations) go.
- A background job's file (an export waiting for its download) finished more than
  `RETENTION_JOB_FILE_DAYS` ago is erased from the disk; the job stays, with its counts.
- A report set aside as not a report (spam) for `RETENTION_SPAM_REPORT_DAYS` is erased, as a report
  whose processing the family withdrew is (`consent.erase_report_contents`): the report stays, with
  its date and channel, for the counts.

Only the command line runs it (`manage.py apply_retention`, with `--dry-run` to see what it would
do), each anonymised record on its own trail. The audit trail itself holds no personal values
(`audit`), so it is never touched.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    BackgroundJob,
    CaseNote,
    CaseTask,
    DatePrecision,
    FamilyReport,
    LegalProceeding,
    ListImportRow,
    ManifestEntry,
    MatchSuggestion,
    NameKey,
    Person,
    PersonName,
    PersonStatus,
    Placement,
    ReportEntry,
    ReportStatus,
)
from casework.models.sync import ChangeKind, note_person_changes
from casework.permissions import Denied
from casework.services.accounts import CommandLine
from casework.services.consent import ERASED_NAME, erase_report_contents

ANONYMISED = "[anonymised]"
CLOSED_STATUSES = (
    PersonStatus.REUNITED,
    PersonStatus.DECEASED,
    PersonStatus.NOT_TRACEABLE,
    PersonStatus.CLOSED_DUPLICATE,
    PersonStatus.CLOSED_OTHER,
)
_PERSON_FIELDS = [
    "display_name",
    "birth_date",
    "birth_precision",
    "age_stated",
    "age_stated_on",
    "birth_earliest",
    "birth_latest",
    "birthplace",
    "languages",
    "vulnerabilities",
    "security_notes",
]


def closed_cases_due(now: dt.datetime | None = None):
    cutoff = (now or timezone.now()) - dt.timedelta(days=365 * settings.RETENTION_CLOSED_CASE_YEARS)
    return (
        Person._base_manager.filter(status__in=CLOSED_STATUSES, status_changed_at__lt=cutoff)
        .exclude(display_name=ANONYMISED)
        .order_by("pk")
    )


def spam_reports_due(now: dt.datetime | None = None):
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.RETENTION_SPAM_REPORT_DAYS)
    return FamilyReport._base_manager.filter(
        status=ReportStatus.SPAM, updated_at__lt=cutoff
    ).order_by("pk")


def job_files_due(now: dt.datetime | None = None):
    """The files of background jobs (exports of persons) finished more than
    RETENTION_JOB_FILE_DAYS ago: a download waiting, not an archive."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.RETENTION_JOB_FILE_DAYS)
    return (
        BackgroundJob.objects.filter(finished_at__lt=cutoff).exclude(result_file="").order_by("pk")
    )


def _erase_job_files(actor, jobs) -> None:
    for job in jobs:
        name = job.result_file.name
        # The row first: a crash between the two leaves a file no job names, never a job naming
        # a missing file.
        BackgroundJob.objects.filter(pk=job.pk).update(result_file="")
        storage = job.result_file.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        audit.record(
            actor, AuditAction.UPDATE, job, fields=["result_file"], changes={"retention": True}
        )


def retention_apply(*, actor, dry_run: bool = False, now=None) -> dict[str, int]:
    """Anonymise and erase what is due; with `dry_run`, only count it. Returns the counts by
    record kind."""
    if not isinstance(actor, CommandLine):
        exc = Denied()
        audit.record_denial(actor, "apply_retention", None, hidden=False, exc=exc)
        raise exc
    persons = list(closed_cases_due(now))
    reports = list(spam_reports_due(now))
    jobs = list(job_files_due(now))
    counts = {
        "closed_cases_anonymised": len(persons),
        "spam_reports_erased": len(reports),
        "job_files_erased": len(jobs),
    }
    if dry_run:
        return counts
    with transaction.atomic():
        for person in persons:
            _anonymise(person)
        # Partners who see a case anonymised get it anonymised through their feed too.
        note_person_changes([person.pk for person in persons], ChangeKind.EDITED)
        audit.record_many(
            actor,
            AuditAction.UPDATE,
            [
                (person, {"fields": [*_PERSON_FIELDS, "names"], "changes": {"retention": True}})
                for person in persons
            ],
        )
        erased = []
        for report in reports:
            locked = FamilyReport._base_manager.select_for_update().get(pk=report.pk)
            if locked.status == ReportStatus.SPAM:
                erased.append((locked, erase_report_contents(locked)))
        audit.record_many(
            actor,
            AuditAction.UPDATE,
            [
                (report, {"fields": fields, "changes": {"retention": True}, "reason": "spam"})
                for report, fields in erased
            ],
        )
        _erase_job_files(actor, jobs)
    return counts


def _anonymise(person: Person) -> None:
    year = person.birth_year
    birth = {
        "birth_date": None,
        "birth_precision": DatePrecision.UNKNOWN,
        "birth_earliest": None,
        "birth_latest": None,
    }
    if year is not None and year >= 1900:
        # The year alone: counts by age stay true, the day is gone.
        birth = {
            "birth_date": dt.date(year, 1, 1),
            "birth_precision": DatePrecision.YEAR,
            "birth_earliest": dt.date(year, 1, 1),
            "birth_latest": dt.date(year, 12, 31),
        }
    Person._base_manager.filter(pk=person.pk).update(
        display_name=ANONYMISED,
        # An edit form still open on the old record is refused rather than writing names back.
        version=F("version") + 1,
        age_stated=None,
        age_stated_on=None,
        birthplace="",
        languages=[],
        vulnerabilities=[],
        security_notes="",
        **birth,
    )
    PersonName._base_manager.filter(person=person).delete()
    NameKey.objects.filter(person=person).delete()
    CaseNote._base_manager.filter(person=person).update(text=ANONYMISED)
    CaseTask._base_manager.filter(person=person).update(title=ANONYMISED)
    # Places and charges stay for the counts; the words written about them go.
    Placement._base_manager.filter(person=person).update(place_text="", notes="")
    LegalProceeding._base_manager.filter(person=person).update(court="", sentence="", notes="")
    ManifestEntry._base_manager.filter(person=person).update(escort_name="", note="")
    # The imported row the person came from holds their names as the list gave them.
    ListImportRow._base_manager.filter(person=person).update(
        data={}, record_id="", updated_at=timezone.now()
    )
    MatchSuggestion._base_manager.filter(Q(person=person) | Q(other_person=person)).update(
        explanation={}, decision_reason=""
    )
    ReportEntry._base_manager.filter(person=person).update(
        family_name="",
        given_name="",
        patronymic="",
        full_name=ERASED_NAME,
        aliases="",
        birth_date=None,
        age_stated=None,
        birthplace="",
        mother_name="",
        father_name="",
        description="",
    )
