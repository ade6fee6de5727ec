"""The persons an audit event is about when it is about several (a page of a list, an export),
and on PostgreSQL the same protection as the events' own (0002, 0009): no UPDATE or DELETE by
anyone, no TRUNCATE but by a superuser. The trigger functions are the events' own.
"""

import django.db.models.deletion
from django.db import migrations, models

PROTECT = """
DROP TRIGGER IF EXISTS casework_audit_append_only ON casework_auditeventsubject;
CREATE TRIGGER casework_audit_append_only
    BEFORE UPDATE OR DELETE ON casework_auditeventsubject
    FOR EACH ROW EXECUTE FUNCTION casework_audit_append_only();

DROP TRIGGER IF EXISTS casework_audit_no_truncate ON casework_auditeventsubject;
CREATE TRIGGER casework_audit_no_truncate
    BEFORE TRUNCATE ON casework_auditeventsubject
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_no_truncate();
"""


def _on_postgres(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PROTECT, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0010_entries_plural"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEventSubject",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("person_id", models.UUIDField()),
                (
                    "event",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subjects",
                        to="casework.auditevent",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["person_id", "event"], name="audit_subject_person")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("event", "person_id"), name="audit_subject_unique"
                    )
                ],
            },
        ),
        # No way back, as for the events: unapplying would drop the protection first.
        migrations.RunPython(_on_postgres),
    ]
