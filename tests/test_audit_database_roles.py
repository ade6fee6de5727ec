"""The audit trail holds against the application's own database role (PostgreSQL): run as a role
that owns no table (`manage.py grant_app_role`), it appends events and can do nothing else to
them; the database dates every event itself; no one but a superuser empties the table."""

import datetime as dt
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
]

# Roles are the cluster's, not the test database's: a name of this run's own, dropped after.
ROLE = f"casework_app_test_{uuid.uuid4().hex[:10]}"

INSERT = (
    "INSERT INTO casework_auditevent (public_id, at, actor_label, action, object_type, fields, "
    "changes, reason, request_id) VALUES (%s, %s, 'forger', 'login', '', '[]', '{}', '', '')"
)


@pytest.fixture
def app_role(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {ROLE}")
        cursor.execute(f"CREATE ROLE {ROLE} LOGIN")
    call_command("grant_app_role", ROLE, stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"], host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432
    )
    app = psycopg.connect(conninfo, user=ROLE, autocommit=True)
    yield app
    app.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {ROLE}")
        cursor.execute(f"DROP ROLE {ROLE}")


def _refused(app, statement, params=()):
    with pytest.raises(psycopg.Error) as refused:
        app.execute(statement, params)
    return str(refused.value)


def test_the_app_role_appends_and_can_do_nothing_else(app_role):
    forged_at = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    app_role.execute(INSERT, (uuid.uuid4(), forged_at))
    (at,) = app_role.execute(
        "SELECT at FROM casework_auditevent WHERE actor_label = 'forger'"
    ).fetchone()
    # Back-dating is impossible: the database dates every event itself.
    assert at > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    for statement in (
        "UPDATE casework_auditevent SET reason = 'tampered'",
        "DELETE FROM casework_auditevent",
        "TRUNCATE casework_auditevent",
        "ALTER TABLE casework_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER casework_audit_append_only ON casework_auditevent",
        "SET session_replication_role = replica",
    ):
        assert _refused(app_role, statement), statement
    # The persons an event names are as append-only as the event.
    app_role.execute(
        "INSERT INTO casework_auditeventsubject (event_id, person_id) "
        "SELECT id, %s FROM casework_auditevent WHERE actor_label = 'forger'",
        (uuid.uuid4(),),
    )
    for statement in (
        "UPDATE casework_auditeventsubject SET person_id = gen_random_uuid()",
        "DELETE FROM casework_auditeventsubject",
        "TRUNCATE casework_auditeventsubject",
        "ALTER TABLE casework_auditeventsubject DISABLE TRIGGER ALL",
        "DROP TRIGGER casework_audit_append_only ON casework_auditeventsubject",
    ):
        assert _refused(app_role, statement), statement
    # The case data is the application's to work with.
    app_role.execute("SELECT count(*) FROM casework_person").fetchone()


def test_a_grant_all_still_does_not_let_a_role_truncate_the_trail(app_role):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT ALL ON casework_auditevent, casework_auditeventsubject TO {ROLE}")
    # The events' table is referenced by their subjects': only with them, and then the trigger.
    assert _refused(app_role, "TRUNCATE casework_auditevent")
    assert "TRUNCATE refused" in _refused(app_role, "TRUNCATE casework_auditevent CASCADE")
    assert "TRUNCATE refused" in _refused(app_role, "TRUNCATE casework_auditeventsubject")


def test_the_command_refuses_a_role_that_would_own_the_trail(transactional_db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", connection.settings_dict["USER"] or "postgres")


def test_a_migration_cannot_take_the_protection_back(db):
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    for name in ("0002_audit_append_only", "0009_audit_no_truncate_no_backdating"):
        migration = loader.get_migration("casework", name)
        assert all(not op.reversible for op in migration.operations), name
    # The chain's trigger, and the chain back-filled: Django unapplies no migration holding an
    # irreversible operation, so its columns stay with it.
    chain = loader.get_migration("casework", "0017_audit_hash_chain")
    assert [op.reversible for op in chain.operations if op.__class__.__name__ == "RunPython"] == [
        False
    ]
    # The migration that protects the persons an event names creates their table, then protects
    # it: the protection cannot be unapplied, so neither can the table.
    subjects = loader.get_migration("casework", "0011_audit_event_subjects")
    assert not subjects.operations[-1].reversible


# --- the deploy check: casework refuses to be served as a role that could rewrite the trail -------


def test_the_deploy_check_accepts_the_app_role_and_names_what_more_it_may_do(app_role):
    from casework.deploy_checks import runtime_role_powers

    assert runtime_role_powers(app_role.cursor()) == []
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE, TRUNCATE ON casework_auditeventsubject TO {ROLE}")
    [found] = runtime_role_powers(app_role.cursor())
    assert found == "it may UPDATE, TRUNCATE casework_auditeventsubject"


def test_the_deploy_check_finds_a_role_that_owns_a_table_or_may_become_its_owner(app_role):
    from casework.deploy_checks import runtime_role_powers

    owner = f"casework_owner_test_{uuid.uuid4().hex[:10]}"
    probe = f"casework_probe_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {owner} NOLOGIN")
        cursor.execute(f"CREATE TABLE {probe} (id integer)")
        cursor.execute(f"ALTER TABLE {probe} OWNER TO {owner}")
    try:
        assert runtime_role_powers(app_role.cursor()) == []
        with connection.cursor() as cursor:
            # A member of the owner may SET ROLE to it, and then ALTER or DROP what it owns.
            cursor.execute(f"GRANT {owner} TO {ROLE}")
        assert runtime_role_powers(app_role.cursor()) == [f"it owns 1 table(s) ({probe})"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {probe}")
            cursor.execute(f"DROP ROLE {owner}")


def test_check_deploy_refuses_a_superuser(db):
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match=r"casework\.E002.*superuser"):
        call_command("check", "--deploy", "--tag", "security", stdout=open("/dev/null", "w"))  # noqa: SIM115
