"""On PostgreSQL, the database itself refuses to change or delete audit events.

The model already refuses in Python; the trigger holds against raw SQL, a shell, or a bug. SQLite
(the demo) has no such trigger: there the model's refusal is the guard.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION casework_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'casework audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS casework_audit_append_only ON casework_auditevent;
CREATE TRIGGER casework_audit_append_only
    BEFORE UPDATE OR DELETE ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION casework_audit_append_only();
"""

def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    # No way back: migrating to 0001 would drop the trigger, and with it the trail's protection.
    operations = [migrations.RunPython(_on_postgres(FORWARD))]
