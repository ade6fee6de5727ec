"""Retention: closed cases are anonymised after RETENTION_CLOSED_CASE_YEARS, spam reports erased
after RETENTION_SPAM_REPORT_DAYS, by `manage.py apply_retention` (with a dry run), each on the
trail; aggregate counts stay the same; nothing else is touched; no user may run it."""

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from casework.models import (
    AuditEvent,
    CaseNote,
    CaseTask,
    FamilyReport,
    Person,
    PersonName,
    Placement,
    ReportEntry,
    ReportStatus,
)
from casework.permissions import Denied
from casework.services.accounts import CommandLine
from casework.services.retention import ANONYMISED, retention_apply
from tests.factories import LocationFactory, PersonFactory, ReportFactory

LONG_AGO = timezone.now() - dt.timedelta(days=365 * 6)


def _closed(world, **kwargs):
    person = PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status="reunited",
        status_changed_at=LONG_AGO,
        birth_date=dt.date(2011, 5, 17),
        birth_precision="exact",
        birth_earliest=dt.date(2011, 5, 17),
        birth_latest=dt.date(2011, 5, 17),
        birthplace="Testograd",
        region_of_origin="North Region",
        **kwargs,
    )
    CaseNote.objects.create(
        person=person, author=world.caseworker, text="Met the aunt in Testograd"
    )
    CaseTask.objects.create(person=person, title="Call the aunt in Testograd")
    Placement.objects.create(
        person=person,
        location=LocationFactory(),
        place_text="Tent 4",
        notes="Aunt visits",
        start_date=dt.date(2019, 3, 1),
        source="letter",
        reliability="probable",
    )
    report = ReportFactory(organisation=world.north)
    ReportEntry.objects.create(
        report=report, position=0, family_name="Testova", person=person, outcome="linked"
    )
    return person


def _counts():
    by_status = dict(Person.objects.values_list("status").annotate(n=Count("id")))
    by_year = [(p.birth_year, p.sex, p.region_of_origin) for p in Person.objects.order_by("pk")]
    return by_status, by_year, FamilyReport.objects.count(), ReportEntry.objects.count()


def test_a_dry_run_counts_and_changes_nothing(world):
    old = _closed(world)
    before = (AuditEvent.objects.count(), Person.objects.get(pk=old.pk).display_name)
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "anonymised, due: 1" in out.getvalue() and "nothing was changed" in out.getvalue()
    assert (AuditEvent.objects.count(), Person.objects.get(pk=old.pk).display_name) == before


def test_a_closed_case_past_its_time_is_anonymised_keeping_the_counts(world):
    old = _closed(world)
    recent = _closed(world)
    Person.objects.filter(pk=recent.pk).update(status_changed_at=timezone.now())
    open_case = _closed(world)
    Person.objects.filter(pk=open_case.pk).update(status="located")
    before = _counts()

    out = StringIO()
    call_command("apply_retention", stdout=out)

    assert "anonymised, done: 1" in out.getvalue()
    assert _counts() == before
    person = Person.objects.get(pk=old.pk)
    assert person.display_name == ANONYMISED
    assert (person.birth_date, person.birth_precision, person.birthplace) == (
        dt.date(2011, 1, 1),
        "year",
        "",
    )
    assert person.birth_year == 2011 and person.region_of_origin == "North Region"
    assert person.version == old.version + 1
    assert not PersonName.objects.filter(person=person).exists()
    assert set(CaseNote.objects.filter(person=person).values_list("text", flat=True)) == {
        ANONYMISED
    }
    assert list(CaseTask.objects.filter(person=person).values_list("title", flat=True)) == [
        ANONYMISED
    ]
    placement = Placement.objects.get(person=person)
    assert (placement.place_text, placement.notes) == ("", "")
    assert placement.location_id is not None
    entry = ReportEntry.objects.get(person=person)
    assert (entry.family_name, entry.full_name) == ("", "[erased]")
    event = AuditEvent.objects.get(object_id=person.public_id, action="update")
    assert event.changes == {"retention": True}
    assert event.actor is None and event.actor_label.startswith("command-line:apply_retention")
    for kept in (recent, open_case):
        assert Person.objects.get(pk=kept.pk).display_name == kept.display_name
    # Run again: nothing more to do.
    again = StringIO()
    call_command("apply_retention", stdout=again)
    assert "anonymised, done: 0" in again.getvalue()


def test_a_spam_report_past_its_time_is_erased(world):
    spam = ReportFactory(organisation=world.north, status="spam", account="Buy now at example")
    FamilyReport.objects.filter(pk=spam.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=91)
    )
    fresh_spam = ReportFactory(organisation=world.north, status="spam", account="Also spam")
    call_command("apply_retention", stdout=StringIO())
    spam.refresh_from_db()
    assert (spam.status, spam.account, spam.reporter_name) == (ReportStatus.ERASED, "", "")
    fresh_spam.refresh_from_db()
    assert fresh_spam.account == "Also spam"
    assert AuditEvent.objects.filter(object_id=spam.public_id, action="update").exists()


@pytest.mark.parametrize("persona", ["dpo", "supervisor", "admin"])
def test_no_user_runs_the_retention(world, persona):
    old = _closed(world)
    with pytest.raises(Denied):
        retention_apply(actor=getattr(world, persona))
    assert Person.objects.get(pk=old.pk).display_name == old.display_name


def test_the_command_line_runs_it(world):
    _closed(world)
    counts = retention_apply(actor=CommandLine("test"), dry_run=True)
    assert counts == {
        "closed_cases_anonymised": 1,
        "spam_reports_erased": 0,
        "job_files_erased": 0,
    }


def test_a_job_file_past_its_time_is_erased_and_the_job_kept(
    world, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from casework.models import BackgroundJob

    def finished(days):
        job = BackgroundJob.objects.create(
            kind="export", action="export_pseudonymised", organisation=world.north,
            requested_by=world.caseworker, private=True, state="done",
            finished_at=timezone.now() - dt.timedelta(days=days), result_summary={"rows": 3},
        )  # fmt: skip
        job.result_file.save("persons.csv", ContentFile(b"pseudonym\r\n"))
        return job

    old, recent = finished(8), finished(2)
    path = old.result_file.path
    with django_capture_on_commit_callbacks(execute=True):
        out = StringIO()
        call_command("apply_retention", stdout=out)
    assert "Files of background jobs (after 7 days) erased, done: 1" in out.getvalue()
    old.refresh_from_db()
    assert not old.result_file and old.result_summary == {"rows": 3}
    assert not os.path.exists(path)
    recent.refresh_from_db()
    assert recent.result_file and os.path.exists(recent.result_file.path)
    event = AuditEvent.objects.get(object_id=old.public_id, action="update")
    assert event.changes == {"retention": True}
