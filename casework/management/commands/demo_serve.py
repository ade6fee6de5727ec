"""`manage.py demo_serve` (what `make run` calls): migrate, seed once, collect static files, print
the logins and serve the demo on http://127.0.0.1:8000."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from casework.demo import credentials
from casework.demo.seed import DEMO_USERS, IncompleteSeed, existing_seed
from casework.models import User

# Where the generated demo password is kept between runs (never committed: see .gitignore).
PASSWORD_FILE = Path(settings.BASE_DIR) / ".demo-password"


class Command(BaseCommand):
    help = "Run the demo: migrate, seed invented data once, and serve on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Prepare, print, don't serve.")

    def handle(self, *args, addrport, no_serve, **options):
        if not settings.DEMO:
            raise CommandError(
                "demo_serve fills the database with invented data: it runs only with "
                "CASEWORK_DEMO=1 (as `make run` sets it)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        try:
            seeded = existing_seed() is not None
        except IncompleteSeed as exc:
            raise CommandError(str(exc)) from None
        password = self._password(seeded)
        if not seeded:
            self.stdout.write("Seeding the demo data (once)…")
            call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
            self._fill_review_queue()
        call_command("collectstatic", interactive=False, verbosity=0)
        logins = credentials.demo_logins([username for username, _ in DEMO_USERS])
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"casework demo: http://{host}"))
        self.stdout.write(f"The families' form (no login): http://{host}/report/")
        self.stdout.write(credentials.format_logins(logins, password))
        self.stdout.write("Invented data only. Stop with Ctrl-C.\n")
        if no_serve:
            return
        # Static files come from WhiteNoise (collected above), as in production: runserver's own
        # static view (--insecure) answered 500 to a path like /static/..%2f. --noreload: a reload
        # would seed again. The background jobs (find duplicates, large exports) need a worker:
        # the database backend's, run beside the server and stopped with it.
        worker = self._start_worker()
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            self._stop_worker(worker)

    def _start_worker(self) -> subprocess.Popen | None:
        if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
            return None  # another backend brings its own workers (README: Background tasks)
        self.stdout.write("Background jobs: a task worker runs beside the server.")
        return subprocess.Popen(  # noqa: S603 -- this interpreter and manage.py, no user input
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "db_worker"],
            env=os.environ.copy(),
        )

    @staticmethod
    def _stop_worker(worker: subprocess.Popen | None) -> None:
        if worker is None or worker.poll() is not None:
            return
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def _fill_review_queue(self) -> None:
        """Run "find duplicates" once, as the demo supervisor would, so the review queue of the demo
        shows real suggestions with their explanations."""
        from casework.models import User
        from casework.services.matching import suggestions_find_duplicates

        supervisor = User.objects.get(username="supervisor")
        found = suggestions_find_duplicates(actor=supervisor)
        self.stdout.write(f"Found {found} possible duplicates for the review queue.")

    def _password(self, seeded: bool) -> str | None:
        """DEMO_PASSWORD, else the one generated at the first run and kept in .demo-password;
        None when the demo users' password is not known here (seeded some other way)."""
        password = os.environ.get("DEMO_PASSWORD", "").strip()
        if not password and PASSWORD_FILE.exists():
            password = PASSWORD_FILE.read_text().strip()
        if not seeded:
            if not password:
                password = credentials.new_password()
                PASSWORD_FILE.touch(mode=0o600)
                PASSWORD_FILE.write_text(password + "\n")
            os.environ["DEMO_PASSWORD"] = password  # seed_demo reads it
            return password
        supervisor = User.objects.filter(username="supervisor").first()
        if password and supervisor is not None and supervisor.check_password(password):
            return password
        return None
