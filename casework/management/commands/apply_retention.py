"""Apply the retention schedules: anonymise closed cases and erase spam reports whose time is up."""

from django.conf import settings
from django.core.management.base import BaseCommand

from casework.services.accounts import CommandLine
from casework.services.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymise closed cases older than RETENTION_CLOSED_CASE_YEARS and erase reports set aside "
        "as spam for RETENTION_SPAM_REPORT_DAYS, keeping what counts need; each on the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is due, change nothing"
        )

    def handle(self, *args, dry_run, **options):
        counts = retention_apply(actor=CommandLine("apply_retention"), dry_run=dry_run)
        verb = "due" if dry_run else "done"
        self.stdout.write(
            f"Closed cases (after {settings.RETENTION_CLOSED_CASE_YEARS} years) anonymised, "
            f"{verb}: {counts['closed_cases_anonymised']}"
        )
        self.stdout.write(
            f"Spam reports (after {settings.RETENTION_SPAM_REPORT_DAYS} days) erased, "
            f"{verb}: {counts['spam_reports_erased']}"
        )
        self.stdout.write(
            f"Files of background jobs (after {settings.RETENTION_JOB_FILE_DAYS} days) erased, "
            f"{verb}: {counts['job_files_erased']}"
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
