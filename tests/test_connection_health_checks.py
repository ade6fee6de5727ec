"""Persistent database connections are checked before each request reuses them: after a restart of
PostgreSQL a stale connection is replaced instead of failing one request per worker."""

import os
import subprocess
import sys

from django.conf import settings


def test_the_suite_runs_with_health_checks_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_production_keeps_connections_and_checks_them():
    # The settings as production reads them: a fresh interpreter with only these variables.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/tmp",  # noqa: S108
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://casework_app:secret@db-host:5432/casework",
    }
    code = (
        "import casework.settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]


def test_the_readme_says_so():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    production = readme.split("## Running it in production", 1)[1].split("\n## ", 1)[0]
    assert "CONN_HEALTH_CHECKS" in production and "/health/" in production
