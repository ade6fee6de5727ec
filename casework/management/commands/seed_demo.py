"""`manage.py seed_demo`: invented, deterministic demo data (see casework/demo/)."""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from casework.demo import credentials
from casework.demo.audit_history import HistoryAlreadyAdded, HistoryNotWritable, add_history
from casework.demo.seed import DEFAULT_SEED, DEMO_USERS, AlreadySeeded, IncompleteSeed, Seeder


class Command(BaseCommand):
    help = (
        "Fill the database with invented demo data: families, reports, facilities, flights, "
        "organisations and one login per role. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=1500, help="How many persons (1500).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--audit-events",
            type=int,
            default=0,
            help=(
                "Also add this many invented audit events over the last two years (for "
                "benchmarks; once per database; on PostgreSQL needs the audit table's owner)."
            ),
        )

    def handle(self, *args, persons, seed, audit_events, **options):
        self.verbosity = options.get("verbosity", 1)
        if persons < 10:
            raise CommandError("--persons must be at least 10.")
        if audit_events < 0:
            raise CommandError("--audit-events must not be negative.")
        self._seed(persons, seed)
        if audit_events:
            self._audit_history(audit_events, seed)

    def _seed(self, persons: int, seed: int) -> None:
        password = os.environ.get("DEMO_PASSWORD", "").strip()
        generated = not password
        if generated:
            password = credentials.new_password()
        started = time.monotonic()
        seeder = Seeder(seed=seed, persons=persons, password=password, log=self._progress)
        try:
            counts = seeder.run()
        except AlreadySeeded as done:
            recorded = done.event.changes
            if recorded.get("seed") != seed or recorded.get("persons") != persons:
                raise CommandError(
                    f"The database already holds demo data seeded with --seed "
                    f"{recorded.get('seed')} --persons {recorded.get('persons')}. Nothing was "
                    "changed. Use a fresh database to seed with other values."
                ) from None
            self.stdout.write("The demo data is already there; nothing was changed.")
            return
        except IncompleteSeed as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Seeded in {elapsed:.1f} s: {summary}"))
        logins = credentials.demo_logins([username for username, _ in DEMO_USERS])
        self.stdout.write(credentials.format_logins(logins, password))
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    "The password was generated now and is not stored anywhere: note it, or set "
                    "DEMO_PASSWORD before seeding."
                )
            )

    def _audit_history(self, events: int, seed: int) -> None:
        started = time.monotonic()
        try:
            written = add_history(events=events, seed=seed, log=self._progress)
        except HistoryAlreadyAdded as done:
            recorded = done.event.changes.get("invented_events")
            if recorded != events:
                raise CommandError(
                    f"The database already holds an invented audit history of {recorded} "
                    "events. Nothing was changed."
                ) from None
            self.stdout.write("The invented audit history is already there; nothing was changed.")
            return
        except HistoryNotWritable as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Added {written} invented audit events in {elapsed:.1f} s.")
        )

    def _progress(self, message: str) -> None:
        if self.verbosity >= 2 or (self.verbosity >= 1 and self.stdout.isatty()):
            self.stdout.write(message)
