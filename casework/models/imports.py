"""Whole lists as received, and what became of each row."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.models.base import GatedQuerySet, PublicModel


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("previewed (nothing written)")
    COMMITTED = "committed", _("committed")
    FAILED = "failed", _("failed (nothing written)")


class ListImport(PublicModel):
    organisation = models.ForeignKey(
        "casework.Organisation", on_delete=models.PROTECT, related_name="list_imports"
    )
    source = models.CharField(max_length=200, help_text=_("Who compiled the list."))
    as_of = models.DateField(null=True, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to="lists/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default="previewed")
    column_mapping = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha256"],
                condition=Q(status="committed"),
                name="list_import_file_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="list_import_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.as_of})"


class RowOutcome(models.TextChoices):
    LINKED = "linked", _("linked to a person")
    CREATED = "created", _("created a person")
    AMBIGUOUS = "ambiguous", _("ambiguous (waiting for review)")
    # Said of one row; the import's counts say "rejected" of many.
    REJECTED = "rejected", pgettext_lazy("list row outcome", "rejected")


class ListImportRow(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    list_import = models.ForeignKey(ListImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    record_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField()
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices)
    reason = models.CharField(max_length=500, blank=True)
    person = models.ForeignKey(
        "casework.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_rows",
    )

    objects = GatedQuerySet.as_manager()

    class Meta:
        ordering = ["list_import", "row_number"]
        # The outcome is kept to its four values by row_outcome_has_person.
        constraints = [
            models.UniqueConstraint(fields=["list_import", "row_number"], name="row_number_unique"),
            models.CheckConstraint(
                condition=Q(outcome__in=["linked", "created"], person__isnull=False)
                | Q(outcome__in=["ambiguous", "rejected"]),
                name="row_outcome_has_person",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reason=""), name="row_rejection_has_reason"
            ),
        ]
