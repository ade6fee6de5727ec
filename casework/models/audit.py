"""The audit trail: append-only, one row per change, sensitive read, login, denial or export."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.base import GatedQuerySet


class AuditEventQuerySet(GatedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(max_length=150, blank=True, verbose_name=_("actor label"))
    organisation = models.ForeignKey(
        "casework.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    action = models.CharField(max_length=40, db_index=True, verbose_name=_("action"))
    object_type = models.CharField(max_length=40, blank=True, verbose_name=_("kind of record"))
    object_id = models.UUIDField(null=True, blank=True, verbose_name=_("record id"))
    # The person a record belongs to, so a case's history and the audit scope need one lookup.
    person_id = models.UUIDField(null=True, blank=True, verbose_name=_("person id"))
    fields = models.JSONField(default=list, blank=True, verbose_name=_("fields"))
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request id"))

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["person_id", "at"], name="audit_person"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
