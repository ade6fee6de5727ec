"""The audit trail: append-only, one row per change, sensitive read, login, denial or export."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.models.base import GatedQuerySet


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEventQuerySet(AppendOnlyQuerySet, GatedQuerySet):
    def about(self, person_ids):
        """Events about any of these persons (public ids, or a subquery of them): those that belong
        to one of them, and those that name one of them among several (`AuditEventSubject`). Each
        side is read off its own index."""
        named = AuditEventSubject.objects.filter(person_id__in=person_ids).values("event_id")
        return self.filter(Q(person_id__in=person_ids) | Q(pk__in=named))


class AuditEvent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "casework.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.UUIDField(null=True, blank=True)
    # The person a record belongs to, so a case's history and the audit scope need one lookup.
    person_id = models.UUIDField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
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


class AuditEventSubject(models.Model):
    """A person an event is about, when it is about several: one event for a page of an API list,
    a list page or an export names every person read, and one row here per person finds it from
    each of them (a person's history, the audit page's "record or person" filter, a subject-access
    request). Append-only like its event; `person_id` is the person's public id, as on the event,
    so that the trail outlives the record."""

    # The unique constraint below is the index by event; no second one.
    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, related_name="subjects", db_index=False
    )
    person_id = models.UUIDField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person_id", "event"], name="audit_subject_person")]
        constraints = [
            models.UniqueConstraint(fields=["event", "person_id"], name="audit_subject_unique")
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
