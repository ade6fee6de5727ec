"""Migrations apply from nothing on both databases, and the models have no unmigrated change."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _migrate(database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_migrations_apply_to_a_new_sqlite_database(tmp_path):
    result = _migrate(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="runs where DATABASE_URL is PostgreSQL (CI)")
def test_migrations_apply_to_a_new_postgresql_database():
    import psycopg

    name = "casework_migration_check"
    admin_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        result = _migrate(f"postgres://postgres@127.0.0.1:5432/{name}")
        assert result.returncode == 0, result.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.django_db
def test_models_have_no_change_without_a_migration():
    call_command("makemigrations", "casework", "--check", "--dry-run", verbosity=0)
