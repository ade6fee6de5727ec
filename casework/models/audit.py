"""The audit trail: append-only, one row per change, sensitive read, login, denial or export,
each linked into its organisation's hash chain (`audit_chain`) and copied outside the database
after commit (`audit_copy`)."""

import threading
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import audit_chain, audit_copy
from casework.models.base import GatedQuerySet

# On SQLite the app links the chain: one thread at a time reads a chain's head and appends to it
# (other processes are held off by SQLite's own write lock, or fail rather than fork the chain).
_APP_CHAIN_LOCK = threading.RLock()


class DatabaseSetDateTimeField(models.DateTimeField):
    """Set by the database on PostgreSQL (the chain trigger) and read back from the INSERT."""

    db_returning = True


class DatabaseSetBigIntegerField(models.BigIntegerField):
    db_returning = True


class DatabaseSetCharField(models.CharField):
    db_returning = True


def _appended(events: list, insert) -> None:
    """Insert new events (`insert()`), linked into their chains, and copy them after commit."""
    if audit_chain.chained_by_database():
        insert()
    else:
        # No savepoint of its own: inside a transaction, it is part of it.
        with transaction.atomic(savepoint=False), _APP_CHAIN_LOCK:
            now = timezone.now()
            for event in events:
                event.at = now
            audit_chain.link(
                events, audit_chain.heads(AuditEvent, (e.organisation_id for e in events))
            )
            insert()
    audit_copy.after_commit(events)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEventQuerySet(AppendOnlyQuerySet, GatedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not objs:
            return objs
        created = []
        _appended(
            objs,
            lambda: created.extend(
                super(AuditEventQuerySet, self).bulk_create(objs, *args, **kwargs)
            ),
        )
        return created

    def about(self, person_ids):
        """Events about any of these persons (public ids, or a subquery of them): those that belong
        to one of them, and those that name one of them among several (`AuditEventSubject`). Each
        side is read off its own index."""
        named = AuditEventSubject.objects.filter(person_id__in=person_ids).values("event_id")
        return self.filter(Q(person_id__in=person_ids) | Q(pk__in=named))


class AuditEvent(models.Model):
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    # The database's clock on PostgreSQL (the chain trigger), whatever the INSERT says.
    at = DatabaseSetDateTimeField(default=timezone.now, db_index=True, verbose_name=_("time"))
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
    # The SHA-256 of the persons this event names (AuditEventSubject), written with the event
    # so that its hash covers them; "" when it names none that way.
    subjects_digest = models.CharField(
        max_length=64, blank=True, default="", db_default="", verbose_name=_("subjects digest")
    )
    # Its place in its organisation's chain (audit_chain), and its hash over the row and the
    # hash before it: set by the database on PostgreSQL, by the app on SQLite.
    chain_position = DatabaseSetBigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("position in the chain")
    )
    chain_hash = DatabaseSetCharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        editable=False,
        verbose_name=_("chain hash"),
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["person_id", "at"], name="audit_person"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
            # A record's history (a report and its entries, a flight, a list): by the ids alone,
            # which audit_object cannot serve without its leading object type.
            models.Index(fields=["object_id"], name="audit_object_id"),
            # The data-protection officer's list: an organisation's events, newest first.
            models.Index(fields=["organisation", "-at", "-id"], name="audit_org_at"),
            # The home page's persons by status over time: an organisation's status changes of
            # persons in the last year (not of a flight's seats or a report), without reading its
            # other events.
            # With the person and the change in it (PostgreSQL), a year's changes are read off
            # the index alone.
            models.Index(
                fields=["organisation", "at"],
                include=["person_id", "changes"],
                condition=models.Q(action="status_change", object_type="Person"),
                name="audit_status_changes",
            ),
        ]
        constraints = [
            # One event per place in a chain; also the index the head of a chain is read from.
            models.UniqueConstraint(
                Coalesce("organisation", 0), "chain_position", name="audit_chain_position"
            )
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        _appended([self], lambda: super(AuditEvent, self).save(*args, **kwargs))

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
        AuditEvent,
        on_delete=models.PROTECT,
        related_name="subjects",
        db_index=False,
        verbose_name=_("audit event"),
    )
    person_id = models.UUIDField(verbose_name=_("person"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("person named by an audit event")
        verbose_name_plural = _("persons named by audit events")
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
