"""Check constraints for every choice field and for legal proceedings; public ids for list rows
and consents.

The public ids are added in three steps so that rows already there each get their own UUID (a
callable default on AddField is called once, for all rows): the column is added nullable, filled
row by row in batches, then made unique and non-null. SQLite and PostgreSQL alike.
"""

import uuid

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

BATCH = 1000


def _fill_public_ids(model_name):
    def fill(apps, schema_editor):
        model = apps.get_model("casework", model_name)
        rows = model._default_manager.using(schema_editor.connection.alias)
        while True:
            batch = [
                model(pk=pk, public_id=uuid.uuid4())
                for pk in rows.filter(public_id__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            ]
            if not batch:
                return
            rows.bulk_update(batch, ["public_id"], batch_size=BATCH)

    return fill


def _public_id_steps(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(_fill_public_ids(model_name), migrations.RunPython.noop),
        migrations.AlterField(
            model_name=model_name,
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0003_partnertombstone"),
    ]

    operations = [
        *_public_id_steps("listimportrow"),
        *_public_id_steps("reportconsent"),
        migrations.AddConstraint(
            model_name="detentionlocation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        ["prison", "camp", "orphanage", "hospital", "detention_centre", "other"],
                    )
                ),
                name="location_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="handover",
            constraint=models.CheckConstraint(
                condition=models.Q(("recipient_kind__in", ["relative", "child_services", "other"])),
                name="handover_recipient_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="handover",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("recipient_kind", "relative"), _negated=True),
                    models.Q(("recipient_relationship", ""), _negated=True),
                    _connector="OR",
                ),
                name="handover_relative_says_how_related",
            ),
        ),
        migrations.AddConstraint(
            model_name="legalproceeding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["investigation", "trial", "sentenced", "appeal", "acquitted", "released"],
                    )
                ),
                name="proceeding_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="legalproceeding",
            constraint=models.CheckConstraint(
                condition=models.Q(("charge", ""), _negated=True), name="proceeding_charge_stated"
            ),
        ),
        migrations.AddConstraint(
            model_name="legalproceeding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.Exact(
                        django.db.models.functions.text.Length("country"), 2
                    ),
                    django.db.models.lookups.Exact(
                        django.db.models.functions.text.Upper("country"), models.F("country")
                    ),
                ),
                name="proceeding_country_code",
            ),
        ),
        migrations.AddConstraint(
            model_name="legalproceeding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sentence", ""),
                    ("status__in", ["sentenced", "appeal", "released"]),
                    _connector="OR",
                ),
                name="proceeding_sentence_only_after_conviction",
            ),
        ),
        migrations.AddConstraint(
            model_name="listimport",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["previewed", "committed", "failed"])),
                name="list_import_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="manifestentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["proposed", "approved", "boarded", "not_boarded"])
                ),
                name="manifest_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchsuggestion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decision__in", ["pending", "confirmed", "rejected", "needs_info"])
                ),
                name="suggestion_decision_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "documents_held__in",
                        ["unknown", "none", "armed_group", "national", "foreign"],
                    )
                ),
                name="person_documents_held_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("sensitivity__in", ["normal", "protected"])),
                name="person_sensitivity_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="personname",
            constraint=models.CheckConstraint(
                condition=models.Q(("script__in", ["cyrl", "latn", "arab", "other"])),
                name="person_name_script_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="personname",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind__in", ["legal", "translit", "alias", "kunya", "nickname"])
                ),
                name="person_name_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="placement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "source__in",
                        [
                            "voice_message",
                            "letter",
                            "visit",
                            "authority_list",
                            "partner",
                            "family_report",
                            "other",
                        ],
                    )
                ),
                name="placement_source_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="placement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("reliability__in", ["confirmed", "probable", "unconfirmed", "doubtful"])
                ),
                name="placement_reliability_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="placement",
            constraint=models.CheckConstraint(
                condition=models.Q(("start_precision__in", ["exact", "month", "year"])),
                name="placement_start_precision_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="relationship",
            constraint=models.CheckConstraint(
                condition=models.Q(("confidence__in", ["confirmed", "probable", "possible"])),
                name="relationship_confidence_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportattachment",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["photo", "document"])),
                name="attachment_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportconsent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("purpose__in", ["process", "share_partner", "share_authority", "contact"])
                ),
                name="consent_purpose_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("birth_precision__in", ["exact", "month", "year", "age", "unknown"])
                ),
                name="entry_birth_precision_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("sex__in", ["", "F", "M", "U"])), name="entry_sex_valid"
            ),
        ),
    ]
