"""Restore drill (issue 11): a backup of a casework database restored into an empty one, with the
two roles of the README's recipe, is whole and serves.

    .venv/bin/python bench/restore_drill.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                                            [--persons 200] [--audit-events 5000]

On the PostgreSQL cluster the admin URL names (a superuser, for CREATE ROLE and CREATE DATABASE
only), with roles and databases named for this run and dropped at the end, it
1. makes an owner role and a source database it owns; migrates and seeds it as the owner, with an
   invented audit history and the audit trail's external copy going to a file;
2. makes the runtime role (`grant_app_role`) and writes events as it (a sign-in the app refuses);
3. dumps the source (`pg_dump --format=custom`), restores into a new empty database owned by the
   owner role (`pg_restore --no-owner --role=OWNER`), grants the runtime role there again;
4. checks, as the runtime role: `verify_audit` and `verify_audit --against` the copy pass; the
   audit triggers exist on the restored tables and still refuse UPDATE, DELETE and TRUNCATE;
   `check --deploy` finds nothing the role could do to the trail; the row counts are the
   source's; an event the runtime role writes afterwards is linked after the restored ones;
   gunicorn serving the restored database answers `/health/` with 200.
Exits 0 when every step held, 1 naming the first that did not. Not part of the test suite: roles
are the whole cluster's.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TRIGGERS = {
    ("casework_auditevent", "casework_audit_append_only"),
    ("casework_auditevent", "casework_audit_no_truncate"),
    ("casework_auditevent", "casework_audit_chain"),
    ("casework_auditeventsubject", "casework_audit_append_only"),
    ("casework_auditeventsubject", "casework_audit_no_truncate"),
}
COUNTED = [
    "casework_person",
    "casework_auditevent",
    "casework_auditeventsubject",
    "casework_casenote",
]


class DrillFailed(Exception):
    pass


def _url(admin_url: str, *, user: str, database: str) -> str:
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    return urlunsplit(("postgres", f"{user}@{host}:{parts.port or 5432}", f"/{database}", "", ""))


def _step(name: str, started: float) -> None:
    print(f"[{time.monotonic() - started:6.1f} s] {name}", flush=True)


def _manage(database_url: str, *args: str, env: dict | None = None, check=True):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        **(env or {}),
    }
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if check and result.returncode != 0:
        raise DrillFailed(f"manage.py {' '.join(args)}: {result.stdout}{result.stderr}")
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_and_ask_health(database_url: str, copy_file: Path) -> int:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "casework.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "AUDIT_COPY_FILE": str(copy_file),
    }
    gunicorn = Path(PYTHON).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "casework.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # A fixed local URL of the server started just above.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as r:  # noqa: S310 # nosec B310
                    return r.status
            except OSError:
                time.sleep(0.5)
        raise DrillFailed("gunicorn did not answer /health/ within 60 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        return {
            # Table names from the fixed list above.
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 # nosec B608
            for table in COUNTED
            if db.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]
        }


def drill(admin_url: str, persons: int, audit_events: int, workdir: Path) -> dict:
    started = time.monotonic()
    run = secrets.token_hex(4)
    owner, app = f"casework_drill_owner_{run}", f"casework_drill_app_{run}"
    source, restored = f"casework_drill_src_{run}", f"casework_drill_dst_{run}"
    copy_file = workdir / "audit-copy.jsonl"
    dump = workdir / "casework.dump"
    copy_env = {"AUDIT_COPY_FILE": str(copy_file)}
    with psycopg.connect(admin_url, autocommit=True) as admin:
        try:
            admin.execute(f"CREATE ROLE {owner} LOGIN")
            admin.execute(f"CREATE ROLE {app} LOGIN")
            admin.execute(f"CREATE DATABASE {source} OWNER {owner}")
            owner_source = _url(admin_url, user=owner, database=source)
            _manage(owner_source, "migrate", "--noinput", "-v", "0")
            _step("source migrated as the owner", started)
            _manage(
                owner_source,
                "seed_demo",
                f"--persons={persons}",
                f"--audit-events={audit_events}",
                env={**copy_env, "DEMO_PASSWORD": secrets.token_urlsafe(16)},
            )
            _manage(owner_source, "grant_app_role", app)
            # The runtime role appends to the trail as the application does.
            _manage(
                _url(admin_url, user=app, database=source),
                "shell",
                "-c",
                "from casework import audit; "
                "audit.record(None, audit.AuditAction.LOGIN_FAILED, None, "
                "changes={'username_length': 5})",
                env=copy_env,
            )
            _step("source seeded; runtime role granted and writing", started)
            before = _counts(owner_source)
            subprocess.run(  # noqa: S603
                ["pg_dump", "--format=custom", f"--file={dump}", owner_source],
                check=True,
                timeout=1800,
            )
            _step(f"dumped ({dump.stat().st_size // 1024} KiB)", started)
            admin.execute(f"CREATE DATABASE {restored} OWNER {owner}")
            owner_restored = _url(admin_url, user=owner, database=restored)
            subprocess.run(  # noqa: S603
                [
                    "pg_restore",
                    "--no-owner",
                    f"--role={owner}",
                    "--exit-on-error",
                    f"--dbname={owner_restored}",
                    str(dump),
                ],
                check=True,
                timeout=1800,
            )
            _manage(owner_restored, "migrate", "--noinput", "-v", "0")  # a no-op when current
            _manage(owner_restored, "grant_app_role", app)
            _step("restored into an empty database; runtime role granted", started)
            return _check_restored(admin_url, app, restored, owner_restored, before, copy_file)
        finally:
            for database in (source, restored):
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            for role in (app, owner):
                admin.execute(f"DROP ROLE IF EXISTS {role}")
            _step("databases and roles dropped", started)


def _check_restored(admin_url, app, restored, owner_restored, before, copy_file) -> dict:
    started = time.monotonic()
    app_restored = _url(admin_url, user=app, database=restored)
    results: dict = {"counts": _counts(owner_restored)}
    if results["counts"] != before:
        raise DrillFailed(f"row counts differ: source {before}, restored {results['counts']}")
    # The restored trail goes on: the runtime role appends, the chain's trigger links.
    _manage(
        app_restored,
        "shell",
        "-c",
        "from casework import audit; "
        "audit.record(None, audit.AuditAction.LOGIN_FAILED, None, changes={'username_length': 6})",
        env={"AUDIT_COPY_FILE": str(copy_file)},
    )
    verified = _manage(app_restored, "verify_audit")
    against = _manage(app_restored, "verify_audit", "--against", str(copy_file))
    results["verify_audit"] = verified.stdout.strip()
    results["verify_audit --against"] = against.stdout.strip()
    with psycopg.connect(owner_restored) as db:
        found = set(
            db.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
            ).fetchall()
        )
    if TRIGGERS - found:
        raise DrillFailed(f"audit triggers missing after restore: {sorted(TRIGGERS - found)}")
    results["triggers"] = sorted(f"{table}.{name}" for table, name in TRIGGERS)
    refused = []
    with psycopg.connect(app_restored, autocommit=True) as db:
        for statement in (
            "UPDATE casework_auditevent SET reason = 'x'",
            "DELETE FROM casework_auditevent",
            "TRUNCATE casework_auditevent CASCADE",
            "ALTER TABLE casework_auditevent DISABLE TRIGGER USER",
        ):
            try:
                db.execute(statement)
            except psycopg.Error:
                refused.append(statement.split()[0])
            else:
                raise DrillFailed(f"the runtime role could: {statement}")
    results["refused to the runtime role"] = refused
    check = _manage(
        app_restored,
        "check",
        "--deploy",
        "--tag",
        "security",
        env={
            "DJANGO_SETTINGS_MODULE": "casework.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "AUDIT_COPY_FILE": str(copy_file),
        },
        check=False,
    )
    if "casework.E00" in check.stdout + check.stderr:
        raise DrillFailed(f"check --deploy: {check.stdout}{check.stderr}")
    results["check --deploy (casework.E001/E002)"] = "none"
    status = _serve_and_ask_health(app_restored, copy_file)
    if status != 200:
        raise DrillFailed(f"/health/ answered {status}")
    results["/health/ as the runtime role"] = status
    results["checked in s"] = round(time.monotonic() - started, 1)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("DRILL_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--audit-events", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casework-drill-") as workdir:
        try:
            results = drill(args.admin_url, args.persons, args.audit_events, Path(workdir))
        except (DrillFailed, subprocess.CalledProcessError, psycopg.Error) as exc:
            print(f"RESTORE DRILL FAILED: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(results, indent=2))
    print("RESTORE DRILL PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
