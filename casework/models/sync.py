"""The change outbox: what a partner's change feed delivers, one row per change a partner can see.

A row says "this person may look different to this partner now"; the feed answers it with the
person's state when it is read (the record, or a tombstone when the partner no longer sees it).
Rows are written in the same transaction as the change itself: by the services for changes of a
person (`note_person_changes`), and by the receivers below for shares and agreements, which come
and go in more ways (a cascade from a deleted person or agreement, the admin).

Where a row stands in the feed: on PostgreSQL, its transaction's id (`txid`, set by the database
when the row is inserted), then its own id. The feed delivers only rows whose transaction ended
before every transaction still running began (below `pg_snapshot_xmin`), so a transaction that
commits late can never land behind a position already handed out. SQLite runs one writing
transaction at a time, so there the ids alone are in commit order.

A partner hears of the persons of an agreement only while its feed has told that agreement as in
force (`AgreementFeedState`): before it comes into force nothing of its cases reaches the partner,
not even an id; when it starts or ends, by a write or by the calendar alone, the feed tells every
case it shares (`services.partner_feed`). A new person is shared with no one: the share writes
its row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.base import GatedQuerySet
from casework.models.organisations import SharedCase, SharingAgreement


class TransactionIdField(models.BigIntegerField):
    """A PostgreSQL transaction id (`xid8`: 64 bits, never wraps); an integer column elsewhere."""

    def db_type(self, connection):
        return "xid8" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg has no loader for xid8 and returns its text.
        return None if value is None else int(value)


class CurrentTransactionId(models.Func):
    """The id of the transaction writing the row; NULL on SQLite, where ids suffice."""

    template = "pg_current_xact_id()"
    output_field = TransactionIdField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class ChangeKind(models.TextChoices):
    """What made a row (for those who look into the outbox; the feed reads the state, not this)."""

    EDITED = "edited"
    STATUS = "status"
    ASSIGNED = "assigned"
    NAMED = "named"
    MERGED = "merged"
    UNMERGED = "unmerged"
    SHARED = "shared"
    UNSHARED = "unshared"
    TERMS = "terms"
    STARTED = "started"
    ENDED = "ended"
    REPORT = "report"


class FeedRecord(models.TextChoices):
    """Which feed a row is for: a shared person's, or a report the partner sent (the report's
    public id is in `person_public_id`; public ids are unique across records)."""

    PERSON = "person"
    REPORT = "report"


class ChangeOutbox(models.Model):
    txid = TransactionIdField(
        null=True,
        editable=False,
        db_default=CurrentTransactionId(),
        verbose_name=_("transaction id"),
    )
    partner = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("partner"),
    )
    person_public_id = models.UUIDField(verbose_name=_("person's public id"))
    record = models.CharField(
        max_length=10,
        choices=FeedRecord.choices,
        default=FeedRecord.PERSON,
        verbose_name=_("kind of record"),
    )
    kind = models.CharField(
        max_length=20, choices=ChangeKind.choices, verbose_name=_("kind of change")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = GatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("change for a partner")
        verbose_name_plural = _("changes for partners")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="outbox_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(record__in=FeedRecord.values), name="outbox_record_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "txid", "id"], name="outbox_feed"),
            # The feed skips a row its person has a later one of.
            models.Index(
                fields=["partner", "person_public_id", "txid", "id"], name="outbox_person"
            ),
        ]


class AgreementFeedState(models.Model):
    """Whether the partner's change feed has told the agreement as in force (no row: not yet).
    Kept by the feed alone, apart from the agreement, so that no save of the agreement undoes it."""

    agreement = models.OneToOneField(
        SharingAgreement,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feed_state",
        verbose_name=_("agreement"),
    )
    in_force = models.BooleanField(default=False, verbose_name=_("told as in force"))

    class Meta:
        verbose_name = _("agreement in a partner's feed")
        verbose_name_plural = _("agreements in partners' feeds")


def _write(pairs: Iterable[tuple[int, object]], kind: str, record: str = FeedRecord.PERSON) -> None:
    rows = [
        ChangeOutbox(partner_id=partner_id, person_public_id=public_id, kind=kind, record=record)
        for partner_id, public_id in sorted(set(pairs), key=str)
    ]
    if rows:
        ChangeOutbox.objects.bulk_create(rows)


def note_person_changes(person_ids: Iterable[int], kind: str, *, partner_id=None) -> None:
    """Tell the partners who see any of `person_ids` (or a record merged into one of them, whose
    tombstone points at it) that it changed: one row per partner and person, in the caller's
    transaction. `partner_id` narrows it to one partner."""
    ids = sorted(set(person_ids))
    shares = SharedCase.objects.filter(
        Q(person_id__in=ids) | Q(person__merged_into_id__in=ids),
        # A share of another organisation's person never showed the partner anything.
        person__organisation_id=F("agreement__owner_id"),
        agreement__feed_state__in_force=True,
    )
    if partner_id is not None:
        shares = shares.filter(agreement__partner_id=partner_id)
    _write(shares.values_list("agreement__partner_id", "person__public_id"), kind)


def note_agreement_cases(agreement_id: int, kind: str) -> None:
    """Tell the agreement's partner of every case it shares (its terms or its force changed).
    Not of a protected person: one protected after sharing was told gone when it happened."""
    from casework.models.persons import Sensitivity

    person_ids = (
        SharedCase.objects.filter(agreement_id=agreement_id)
        .exclude(person__sensitivity=Sensitivity.PROTECTED)
        .values_list("person_id", flat=True)
    )
    partner_id = (
        SharingAgreement.objects.filter(pk=agreement_id).values_list("partner_id", flat=True).get()
    )
    note_person_changes(list(person_ids), kind, partner_id=partner_id)


def _shown_public_id(share: SharedCase, owner_id: int):
    """The public id of the share's person, if the share ever showed them to the partner: never
    another organisation's person, never a protected one (the service refuses both; a row written
    around it must not tell the partner even the id, and a person protected after sharing was
    told gone when it happened)."""
    from casework.models.persons import Person, Sensitivity

    return (
        Person.objects.filter(pk=share.person_id, organisation_id=owner_id)
        .exclude(sensitivity=Sensitivity.PROTECTED)
        .values_list("public_id", flat=True)
        .first()
    )


def _told_agreement(share: SharedCase) -> dict | None:
    return (
        SharingAgreement.objects.filter(pk=share.agreement_id, feed_state__in_force=True)
        .values("partner_id", "owner_id")
        .first()
    )


@receiver(post_save, sender=SharedCase)
def _note_shared_case(sender, instance, created, raw=False, **kwargs):
    agreement = _told_agreement(instance) if created and not raw else None
    if agreement and _shown_public_id(instance, agreement["owner_id"]):
        note_person_changes(
            [instance.person_id], ChangeKind.SHARED, partner_id=agreement["partner_id"]
        )


@receiver(post_delete, sender=SharedCase)
def _note_unshared_case(sender, instance, **kwargs):
    # Runs for every way a share goes (one row, a queryset, a cascade from the person or the
    # agreement): a receiver makes Django collect and signal each row instead of a fast delete.
    # The share is gone, so its own row is written here; records merged into the person that the
    # partner still sees now point at one it does not.
    agreement = _told_agreement(instance)
    public_id = agreement and _shown_public_id(instance, agreement["owner_id"])
    if public_id:
        _write([(agreement["partner_id"], public_id)], ChangeKind.UNSHARED)
        note_person_changes(
            [instance.person_id], ChangeKind.UNSHARED, partner_id=agreement["partner_id"]
        )


@receiver(post_save, sender=SharingAgreement)
def _note_agreement_terms(sender, instance, created, raw=False, **kwargs):
    # Its fields, dates or revocation may have changed what the partner sees of every case.
    if not created and not raw:
        note_agreement_cases(instance.pk, ChangeKind.TERMS)


@receiver(pre_delete, sender=SharingAgreement)
def _note_agreement_deleted(sender, instance, **kwargs):
    # Before the cascade takes its shares: afterwards nothing would say whose they were.
    note_agreement_cases(instance.pk, ChangeKind.ENDED)


@receiver(post_save, sender="casework.FamilyReport")
def _note_report(sender, instance, raw=False, **kwargs):
    # A report a partner sent: every change of it (sent, triaged, set aside, erased) is a change of
    # what the partner reads back. Saved in the transaction of the change, as every row.
    if instance.source_partner_id is not None and not raw:
        _write([(instance.source_partner_id, instance.public_id)], ChangeKind.REPORT, "report")
