"""The change outbox takes over from the partner tombstones (models/sync.py).

The feed's cursors change with it: a partner starts again from an empty copy, so the outbox begins
with what partners were told of persons they no longer see (the tombstones, and the cases of
agreements that ended). The cases of agreements in force need no row here: a partner's feed tells
them when it is first read, since no agreement has been told as in force yet
(`AgreementFeedState`).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import Q

import casework.models.sync


def _told_so_far(apps, schema_editor):
    tombstones = apps.get_model("casework", "PartnerTombstone")
    outbox = apps.get_model("casework", "ChangeOutbox")
    shares = apps.get_model("casework", "SharedCase")
    rows = [
        outbox(
            partner_id=partner_id,
            person_public_id=person_public_id,
            kind="unshared",
            created_at=created_at,
        )
        for partner_id, person_public_id, created_at in tombstones.objects.order_by(
            "created_at", "public_id"
        ).values_list("partner_id", "person_public_id", "created_at")
    ]
    today = django.utils.timezone.localdate()
    ended = shares.objects.filter(agreement__valid_from__lte=today).filter(
        Q(agreement__revoked_at__isnull=False) | Q(agreement__valid_until__lt=today)
    )
    rows += [
        outbox(partner_id=partner_id, person_public_id=person_public_id, kind="ended")
        for partner_id, person_public_id in ended.order_by("pk").values_list(
            "agreement__partner_id", "person__public_id"
        )
    ]
    outbox.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0014_list_and_history_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgreementFeedState",
            fields=[
                (
                    "agreement",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="feed_state",
                        serialize=False,
                        to="casework.sharingagreement",
                        verbose_name="agreement",
                    ),
                ),
                ("in_force", models.BooleanField(default=False, verbose_name="told as in force")),
            ],
            options={
                "verbose_name": "agreement in a partner's feed",
                "verbose_name_plural": "agreements in partners' feeds",
            },
        ),
        migrations.CreateModel(
            name="ChangeOutbox",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "txid",
                    casework.models.sync.TransactionIdField(
                        db_default=casework.models.sync.CurrentTransactionId(),
                        editable=False,
                        null=True,
                        verbose_name="transaction id",
                    ),
                ),
                ("person_public_id", models.UUIDField(verbose_name="person's public id")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("edited", "Edited"),
                            ("status", "Status"),
                            ("assigned", "Assigned"),
                            ("named", "Named"),
                            ("merged", "Merged"),
                            ("unmerged", "Unmerged"),
                            ("shared", "Shared"),
                            ("unshared", "Unshared"),
                            ("terms", "Terms"),
                            ("started", "Started"),
                            ("ended", "Ended"),
                        ],
                        max_length=20,
                        verbose_name="kind of change",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="casework.organisation",
                        verbose_name="partner",
                    ),
                ),
            ],
            options={
                "verbose_name": "change for a partner",
                "verbose_name_plural": "changes for partners",
            },
        ),
        migrations.RunPython(_told_so_far, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="PartnerTombstone",
        ),
        migrations.AddConstraint(
            model_name="changeoutbox",
            constraint=models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "edited",
                        "status",
                        "assigned",
                        "named",
                        "merged",
                        "unmerged",
                        "shared",
                        "unshared",
                        "terms",
                        "started",
                        "ended",
                    ]
                ),
                name="outbox_kind_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="changeoutbox",
            index=models.Index(fields=["partner", "txid", "id"], name="outbox_feed"),
        ),
        migrations.AddIndex(
            model_name="changeoutbox",
            index=models.Index(
                fields=["partner", "person_public_id", "txid", "id"], name="outbox_person"
            ),
        ),
    ]
