"""``manage.py linklists LEFT.csv [RIGHT.csv] --output pairs.csv [--threshold P]``.

Reconciles two lists, or finds the duplicates within one, without touching the database.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casework.matching.cli import add_arguments, run
from casework.matching.csvio import CsvError


class Command(BaseCommand):
    help = (
        "Reconcile two CSV lists of people (or find duplicates in one) and write the pairs "
        "judged the same as left_id,right_id,probability,explanation. Uses no database."
    )
    requires_system_checks: list[str] = []  # must run where no database exists
    requires_migrations_checks = False

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, **options):
        threshold = options["threshold"]
        if not 0 < threshold <= 1:
            raise CommandError("--threshold must be a probability in (0, 1]")
        try:
            run(options["left"], options["right"], options["output"], threshold, out=self.stdout)
        except (CsvError, OSError) as exc:
            raise CommandError(str(exc)) from exc
