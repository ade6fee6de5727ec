"""Existing deployments upgrade in place (issue 11): a trail written before the hash chains is
chained by migration 0017, the persons its events name digested into them, and `verify_audit`
accepts it; events written afterwards follow in the same chains. On a database of its own."""

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "0015_change_outbox"

pytestmark = pytest.mark.slow

# Three events of the organisation, one of none (a failed login), written out of time order by id
# (a denial carried out of a rolled-back transaction is written after later events).
EVENTS = [
    # (id, at, organisation, action)
    (1, "2026-01-01 10:00:00", 1, "create"),
    (2, "2026-01-01 10:00:02", 1, "read_sensitive"),
    (3, "2026-01-01 10:00:01", 1, "denied"),
    (4, "2026-01-01 10:00:03", None, "login_failed"),
]


def _manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _old_trail(execute, *, postgres: bool) -> None:
    """Written as the tables were at 0015 (SQLite keeps UUIDs as hex, times without a zone)."""

    def new_id() -> str:
        return str(uuid.uuid4()) if postgres else uuid.uuid4().hex

    zone = "+00" if postgres else ""
    execute(
        "INSERT INTO casework_organisation (id, public_id, created_at, updated_at, name, slug, "
        "is_partner_only, caseworkers_may_break_glass, receives_public_reports) VALUES "
        "(1, %s, %s, %s, 'Invented Org', 'invented', false, false, false)",
        (new_id(), f"2026-01-01 09:00:00{zone}", f"2026-01-01 09:00:00{zone}"),
    )
    for pk, at, org, action in EVENTS:
        execute(
            "INSERT INTO casework_auditevent (id, public_id, at, actor_label, organisation_id, "
            "action, object_type, fields, changes, reason, request_id) VALUES "
            "(%s, %s, %s, 'operator', %s, %s, '', '[]', '{\"n\": 1}', '', '')",
            (pk, new_id(), f"{at}{zone}", org, action),
        )
    execute(
        "INSERT INTO casework_auditeventsubject (event_id, person_id) VALUES (%s, %s)",
        (2, new_id()),
    )


def _assert_upgraded(database_url: str) -> None:
    result = _manage(database_url, "migrate", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    result = _manage(database_url, "verify_audit")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact: 4 events in 2 chain(s)" in result.stdout


def test_an_old_sqlite_trail_is_chained_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    result = _manage(url, "migrate", "casework", BEFORE, "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as db:
        _old_trail(lambda sql, params: db.execute(sql.replace("%s", "?"), params), postgres=False)
    _assert_upgraded(url)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, chain_position, subjects_digest != '' FROM casework_auditevent "
            "ORDER BY organisation_id, chain_position"
        ).fetchall()
    # The organisation's chain in the order of time, not of ids.
    assert rows == [(4, 1, 0), (1, 1, 0), (3, 2, 0), (2, 3, 1)]


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="runs where DATABASE_URL is PostgreSQL")
def test_an_old_postgresql_trail_is_chained_in_place_and_the_trigger_follows_on():
    import psycopg

    name = f"casework_upgrade_{uuid.uuid4().hex[:10]}"
    admin_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        result = _manage(url, "migrate", "casework", BEFORE, "--noinput", "-v", "0")
        assert result.returncode == 0, result.stderr
        with psycopg.connect(url, autocommit=True) as db:
            # The old trail, written as it was: 0009's trigger dated each row now.
            db.execute(
                "ALTER TABLE casework_auditevent DISABLE TRIGGER casework_audit_database_time"
            )
            _old_trail(db.execute, postgres=True)
            db.execute(
                "ALTER TABLE casework_auditevent ENABLE TRIGGER casework_audit_database_time"
            )
            db.execute("SELECT setval('casework_auditevent_id_seq', 10)")
        _assert_upgraded(url)
        with psycopg.connect(url, autocommit=True) as db:
            rows = db.execute(
                "SELECT id, chain_position, subjects_digest <> '' FROM casework_auditevent "
                "ORDER BY organisation_id NULLS FIRST, chain_position"
            ).fetchall()
            assert rows == [(4, 1, False), (1, 1, False), (3, 2, False), (2, 3, True)]
            db.execute(
                "INSERT INTO casework_auditevent (public_id, at, actor_label, organisation_id, "
                "action, object_type, fields, changes, reason, request_id) VALUES "
                "(gen_random_uuid(), now(), 'operator', 1, 'login', '', '[]', '{}', '', '')"
            )
            [(position, old_trigger)] = db.execute(
                "SELECT max(chain_position), (SELECT count(*) FROM pg_trigger WHERE tgname = "
                "'casework_audit_database_time') FROM casework_auditevent "
                "WHERE organisation_id = 1"
            ).fetchall()
            assert (position, old_trigger) == (4, 0)
        result = _manage(url, "verify_audit")
        assert result.returncode == 0 and "5 events" in result.stdout, result.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
