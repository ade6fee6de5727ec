"""Settings fail closed: no secret key, bad flags and bad database URLs stop the process with a
message naming the variable; DEBUG is off unless asked for; the API's unsafe defaults are gone."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from casework import file_keys

ROOT = Path(__file__).resolve().parent.parent


def _import_settings(code: str = "", **env: str) -> subprocess.CompletedProcess:
    """Import casework.settings in a fresh interpreter with only the given environment."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", **env}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import casework.settings as s\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


KEY = "x" * 50


def test_it_refuses_to_start_without_a_secret_key_outside_the_demo():
    result = _import_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_demo_starts_without_a_secret_key():
    result = _import_settings("print(s.DEMO)", CASEWORK_DEMO="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_demo_key_is_random_per_installation_and_kept_across_restarts():
    first = _import_settings("print(s.SECRET_KEY)", CASEWORK_DEMO="1")
    second = _import_settings("print(s.SECRET_KEY)", CASEWORK_DEMO="1")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    key = first.stdout.strip()
    assert key == second.stdout.strip()
    assert len(key) >= 50
    assert key == (ROOT / ".demo-secret-key").read_text().strip()


def test_a_bad_log_level_is_refused_by_name():
    result = _import_settings(DJANGO_SECRET_KEY=KEY, LOG_LEVEL="LOUD")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "LOG_LEVEL='LOUD' is not one of" in result.stderr


def test_a_negative_hsts_age_is_refused():
    result = _import_settings(DJANGO_SECRET_KEY=KEY, DJANGO_HSTS_SECONDS="-5")
    assert result.returncode != 0
    assert "DJANGO_HSTS_SECONDS=-5 must be at least 0" in result.stderr


def test_a_short_secret_key_is_refused():
    result = _import_settings(DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "at least 32 characters" in result.stderr


def test_debug_is_off_by_default():
    result = _import_settings("print(s.DEBUG, s.SESSION_COOKIE_SECURE)", DJANGO_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_a_bad_debug_value_is_refused_by_name():
    result = _import_settings(DJANGO_SECRET_KEY=KEY, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_a_bad_database_url_is_refused_with_a_clear_message():
    for url in ("mysql://u:p@h/db", "not a url at all"):
        result = _import_settings(DJANGO_SECRET_KEY=KEY, DATABASE_URL=url)
        assert result.returncode != 0, url
        assert "ImproperlyConfigured" in result.stderr
        assert "DATABASE_URL" in result.stderr


def test_the_api_has_no_basic_auth_and_denies_by_default():
    rest = settings.REST_FRAMEWORK
    auth = rest["DEFAULT_AUTHENTICATION_CLASSES"]
    assert not any("BasicAuthentication" in cls for cls in auth)
    assert not any(cls == "rest_framework.authentication.SessionAuthentication" for cls in auth)
    assert rest["DEFAULT_PERMISSION_CLASSES"] == ["rest_framework.permissions.IsAuthenticated"]


def test_the_api_speaks_json_only():
    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == [
        "rest_framework.renderers.JSONRenderer"
    ]


def test_the_api_paginates_and_throttles():
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_PAGINATION_CLASS"]
    assert 0 < rest["PAGE_SIZE"] <= 200
    assert rest["DEFAULT_THROTTLE_CLASSES"]
    rates = rest["DEFAULT_THROTTLE_RATES"]
    assert rates.get("anon") and rates.get("user")


def test_login_throttling_is_keyed_on_username_and_address():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert "axes.backends.AxesStandaloneBackend" in settings.AUTHENTICATION_BACKENDS


def test_the_password_rules_require_twelve_characters_and_no_common_password():
    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert "CommonPasswordValidator" in validators


def test_second_factor_and_session_middleware_run_after_authentication():
    order = settings.MIDDLEWARE
    auth = order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    otp = order.index("django_otp.middleware.OTPMiddleware")
    timeout = order.index("casework.middleware.SessionTimeoutMiddleware")
    second = order.index("casework.middleware.SecondFactorRequiredMiddleware")
    assert auth < otp < timeout < second


def test_every_page_refuses_camera_microphone_and_location(client):
    header = client.get("/report/status/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in header


def test_api_answers_are_never_cached(world, client):
    from tests.conftest import verified_client

    answers = [
        verified_client(world.caseworker).get("/api/v1/persons/"),
        verified_client(world.caseworker).get(f"/api/v1/persons/{world.case_a.public_id}/"),
        client.get("/api/v1/persons/"),  # refused: still not kept
        verified_client(world.caseworker).get("/api/v1/persons/?born_from=0"),
    ]
    for response in answers:
        assert "no-store" in response["Cache-Control"], response.status_code


def test_check_deploy_is_clean_with_the_readme_recipe(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/tmp",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # as the README makes it
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "casework.example.org",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://casework.example.org",
        "DJANGO_BEHIND_TLS_PROXY": "1",
        "CASEWORK_PRIVATE_ROOT": str(tmp_path / "private"),
        "AUDIT_COPY_FILE": str(tmp_path / "audit-copy.jsonl"),
        "CASEWORK_FILE_KEYS": file_keys.new_key(),
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Without the audit trail's external copy, casework is not ready to serve.
    del env["AUDIT_COPY_FILE"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "casework.E001" in result.stderr, result.stderr
    # Nor without the key of the files at rest.
    env["AUDIT_COPY_FILE"] = str(tmp_path / "audit-copy.jsonl")
    del env["CASEWORK_FILE_KEYS"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "casework.E003" in result.stderr, result.stderr


def test_behind_the_proxy_plain_http_is_redirected_but_the_health_check_is_not():
    code = "print(s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT, s.SECURE_HSTS_PRELOAD)"
    result = _import_settings(code, DJANGO_SECRET_KEY=KEY, DJANGO_BEHIND_TLS_PROXY="1")
    assert result.stdout.strip() == "True ['^health/$'] True"
    demo = _import_settings(code, CASEWORK_DEMO="1")
    assert demo.stdout.strip() == "False ['^health/$'] False"
