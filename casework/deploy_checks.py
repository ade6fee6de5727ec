"""Checks `manage.py check --deploy` runs: casework refuses to be served without its external
audit copy, or as a database role that could rewrite the audit trail.

The trail's protections on PostgreSQL (append-only, the hash chain's trigger) hold against the
role the application connects as only when that role owns nothing: an owner can disable or drop a
trigger, TRUNCATE or ALTER the table. The README's recipe migrates as one role and serves as
another (`grant_app_role`); this check finds a deployment that does not.
"""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError, connection

from casework import file_keys
from casework.models import audit_copy

AUDIT_TABLES = ("casework_auditevent", "casework_auditeventsubject")


@checks.register(checks.Tags.security, deploy=True)
def audit_copy_configured(app_configs=None, **kwargs):
    if audit_copy.configured():
        return []
    return [
        checks.Error(
            "The audit trail has no external copy.",
            hint=(
                "Set AUDIT_COPY_FILE (a file on another disk or host, appended to) or "
                "AUDIT_COPY_SYSLOG (/dev/log or host:port): every audit event is written there "
                "as one JSON line, which `manage.py verify_audit --against` compares."
            ),
            id="casework.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def file_keys_configured(app_configs=None, **kwargs):
    """Photos, documents and imported lists are stored encrypted: without a key nothing could be
    stored or read, and a key generated beside the code would be lost or copied with it."""
    if file_keys.configured() and not _only_generated_key():
        try:
            file_keys.keys()
        except Exception as exc:  # noqa: BLE001 (any unreadable key is this check's finding)
            return [checks.Error(f"The file keys cannot be used: {exc}", id="casework.E003")]
        return []
    return [
        checks.Error(
            "Stored files have no encryption key.",
            hint=(
                "Set CASEWORK_FILE_KEYS (base64 of 32 random bytes: python -c 'import base64, "
                "os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())') or "
                "CASEWORK_FILE_KEY_FILE, kept outside the database and its backups "
                "(README: Security)."
            ),
            id="casework.E003",
        )
    ]


def _only_generated_key() -> bool:
    from django.conf import settings

    return not settings.CASEWORK_FILE_KEYS and settings.CASEWORK_FILE_KEY_GENERATE


@checks.register(checks.Tags.security, deploy=True)
def runtime_database_role(app_configs=None, **kwargs):
    if connection.vendor != "postgresql":
        return []
    try:
        found = runtime_role_powers()
    except DatabaseError as exc:
        return [
            checks.Error(
                f"Could not check the database role ({type(exc).__name__}).",
                id="casework.E002",
            )
        ]
    if not found:
        return []
    return [
        checks.Error(
            "The application's database role could rewrite the audit trail: "
            + "; ".join(found)
            + ".",
            hint=(
                "Run migrate as the owner role and the application as a role that owns nothing "
                "(`manage.py grant_app_role ROLE`, README: Security)."
            ),
            id="casework.E002",
        )
    ]


def runtime_role_powers(cursor=None) -> list[str]:
    """What the connected role (of `cursor`, a DB-API cursor, else the application's connection)
    may do that the application must not; empty when nothing."""
    if cursor is None:
        with connection.cursor() as own:
            return runtime_role_powers(own)
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    if row and row[0]:
        return ["it is a superuser"]
    found = []
    # Owning a table, or being a member of its owner (SET ROLE), is owning it.
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND pg_has_role(current_user, tableowner, 'MEMBER') ORDER BY tablename"
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        shown = ", ".join(owned[:3]) + (" …" if len(owned) > 3 else "")
        found.append(f"it owns {len(owned)} table(s) ({shown})")
    for table in AUDIT_TABLES:
        cursor.execute(
            "SELECT p FROM unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) AS p "
            "WHERE CASE WHEN to_regclass(%s) IS NULL THEN false "
            "ELSE has_table_privilege(current_user, %s, p) END",
            [table, table],
        )
        powers = [name for (name,) in cursor.fetchall()]
        if powers:
            found.append(f"it may {', '.join(powers)} {table}")
    return found
