"""On PostgreSQL the audit table also refuses TRUNCATE (but to a superuser), and every row gets
the database's own time.

TRUNCATE is no row operation, so the row trigger of 0002 never saw it. And a role that may insert
could write a row dated last year: the time of an event is the database's, whatever the INSERT
says. Neither can be taken back by a migration. A role that owns the table can still drop these
triggers: the README's recipe runs the application as a role that does not (`grant_app_role`).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION casework_audit_database_time() RETURNS trigger AS $$
BEGIN
    NEW.at := clock_timestamp();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS casework_audit_database_time ON casework_auditevent;
CREATE TRIGGER casework_audit_database_time
    BEFORE INSERT ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION casework_audit_database_time();

-- Only a database superuser empties the trail (a test database between tests, never the
-- application): after a GRANT ALL, any other role could.
CREATE OR REPLACE FUNCTION casework_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'casework audit events are append-only (TRUNCATE refused)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS casework_audit_no_truncate ON casework_auditevent;
CREATE TRIGGER casework_audit_no_truncate
    BEFORE TRUNCATE ON casework_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_no_truncate();
"""


def _on_postgres(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0008_break_glass_review")]

    operations = [migrations.RunPython(_on_postgres)]
