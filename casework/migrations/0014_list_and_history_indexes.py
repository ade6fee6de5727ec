"""Indexes in the order of the report list and the audit list, for the report gate, and for a
record's history.

Measured by bench/pages.py at 100,000 persons and 1,000,000 audit events: a page of reports or of
audit events is read off the index in the list's order instead of sorting every visible row; the
partial index on linked entries lets the report gate test a report for entries linked beyond the
user's scope without touching a row when it has none (most reports); a report's history finds
its events by their object ids (70 ms through the whole audit_object index before).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0013_verbose_names_in_words"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_id"], name="audit_object_id"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organisation", "-at", "-id"], name="audit_org_at"),
        ),
        migrations.AddIndex(
            model_name="familyreport",
            index=models.Index(
                fields=["organisation", "-received_at", "-id"], name="report_org_received"
            ),
        ),
        migrations.AddIndex(
            model_name="familyreport",
            index=models.Index(
                fields=["organisation", "created_at", "public_id"], name="report_org_created"
            ),
        ),
        migrations.AddIndex(
            model_name="reportentry",
            index=models.Index(
                condition=models.Q(("person__isnull", False)),
                fields=["report"],
                name="entry_report_linked",
            ),
        ),
    ]
