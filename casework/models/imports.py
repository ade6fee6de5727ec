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
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="list_imports",
        verbose_name=_("organisation"),
    )
    source = models.CharField(
        max_length=200, help_text=_("Who compiled the list."), verbose_name=_("source")
    )
    as_of = models.DateField(null=True, blank=True, verbose_name=_("list date"))
    original_filename = models.CharField(
        max_length=255, blank=True, verbose_name=_("original filename")
    )
    file = models.FileField(upload_to="lists/%Y/%m/", blank=True, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("checksum"))
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default="previewed", verbose_name=_("status")
    )
    column_mapping = models.JSONField(default=dict, blank=True, verbose_name=_("column mapping"))
    row_count = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    stats = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # A list a partner sent under its agreement: it belongs to the organisation it was sent to
    # (`organisation`), whose staff review its rows.
    submitted_by_partner = models.ForeignKey(
        "casework.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by partner"),
    )

    class Meta:
        verbose_name = _("imported list")
        verbose_name_plural = _("imported lists")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha256"],
                condition=Q(status="committed", submitted_by_partner__isnull=True),
                name="list_import_file_once",
            ),
            # A partner's list is checked against its own lists only: a refusal must not tell
            # it which files the organisation holds.
            models.UniqueConstraint(
                fields=["organisation", "submitted_by_partner", "sha256"],
                condition=Q(status="committed", submitted_by_partner__isnull=False),
                name="partner_list_once",
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
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    list_import = models.ForeignKey(
        ListImport, on_delete=models.CASCADE, related_name="rows", verbose_name=_("list import")
    )
    row_number = models.PositiveIntegerField(verbose_name=_("row number"))
    record_id = models.CharField(max_length=100, blank=True, verbose_name=_("record id"))
    data = models.JSONField(verbose_name=_("row data"))
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices, verbose_name=_("outcome"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    person = models.ForeignKey(
        "casework.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_rows",
        verbose_name=_("person"),
    )
    # When the row's outcome last moved (a review settling it, a merge carrying its person):
    # what a partner following its list asks with `updated_since`.
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = GatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("list row")
        verbose_name_plural = _("list rows")
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
