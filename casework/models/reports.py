"""What a relative told us, in their words, with the consents they gave and the people described."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.models.base import DatePrecision, GatedQuerySet, PublicModel
from casework.models.persons import Sex


class Channel(models.TextChoices):
    WEB_FORM = "web_form", _("web form")
    LETTER = "letter", _("letter")
    PHONE = "phone", _("phone")
    VISIT = "visit", _("visit")
    INTERNET_BOARD = "internet_board", _("internet board")
    PARTNER = "partner", _("partner")
    LIST_IMPORT = "list_import", _("list import")


class ReportStatus(models.TextChoices):
    NEW = "new", _("waiting for triage")
    IN_TRIAGE = "in_triage", _("in triage")
    TRIAGED = "triaged", _("triaged")
    SPAM = "spam", _("not a report")
    # The family withdrew its consent to the processing: nothing more is done with the report
    # until the data-protection officer decides (resume on another basis, or erase).
    SET_ASIDE = "set_aside", _("set aside: consent withdrawn")
    # What the family told is gone (consent withdrawn, or its retention period over); the
    # report's dates, channel and consents stay for the counts.
    ERASED = "erased", _("erased")


class FamilyReport(PublicModel):
    organisation = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("organisation"),
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, verbose_name=_("channel"))
    received_at = models.DateTimeField(verbose_name=_("received at"))
    reporter_name = models.CharField(max_length=200, blank=True, verbose_name=_("reporter name"))
    reporter_relationship = models.CharField(
        max_length=100, blank=True, verbose_name=_("reporter relationship")
    )
    reporter_contact = models.CharField(
        max_length=300, blank=True, verbose_name=_("reporter contact")
    )
    reporter_phone = models.CharField(max_length=40, blank=True, verbose_name=_("reporter phone"))
    reporter_messenger = models.CharField(
        max_length=120, blank=True, verbose_name=_("reporter messenger")
    )
    reporter_email = models.CharField(max_length=254, blank=True, verbose_name=_("reporter email"))
    reporter_region = models.CharField(
        max_length=100, blank=True, verbose_name=_("reporter region")
    )
    reporter_language = models.CharField(
        max_length=10, blank=True, verbose_name=_("reporter language")
    )
    account = models.TextField(
        blank=True,
        help_text=_("The family's account in their own words."),
        verbose_name=_("family's account"),
    )
    status = models.CharField(
        max_length=12,
        choices=ReportStatus.choices,
        default=ReportStatus.NEW,
        verbose_name=_("status"),
    )
    # The family checks the status with the reference and a secret; only the secret's hash is kept.
    reference = models.CharField(max_length=16, unique=True, verbose_name=_("reference"))
    secret_hash = models.CharField(max_length=128, blank=True, verbose_name=_("secret code"))
    # What triage asks the family to do, shown on the status page ("please contact us").
    public_status_note = models.CharField(
        max_length=20,
        blank=True,
        choices=[("", "none"), ("contact_us", "please contact us")],
        verbose_name=_("message to the family"),
    )
    # The public form's one-time submission key (a hash): a double click or a retry of the same
    # form finds the report it already made instead of making a second one.
    submission_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, verbose_name=_("submission key")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    source_partner = models.ForeignKey(
        "casework.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source partner"),
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-received_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="report_org_status"),
            # The report list's order, so a page is read off the index (bench/pages.py).
            models.Index(
                fields=["organisation", "-received_at", "-id"], name="report_org_received"
            ),
            # The API's cursor order.
            models.Index(
                fields=["organisation", "created_at", "public_id"], name="report_org_created"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="report_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ReportStatus]),
                name="report_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(public_status_note__in=["", "contact_us"]),
                name="report_public_status_note_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ConsentPurpose(models.TextChoices):
    PROCESS = "process", _("to process the report for tracing")
    SHARE_PARTNER = "share_partner", _("to share with a named partner")
    SHARE_AUTHORITY = "share_authority", _("to share with authorities")
    CONTACT = "contact", _("to be contacted")


class ReportConsent(models.Model):
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    report = models.ForeignKey(
        FamilyReport, on_delete=models.CASCADE, related_name="consents", verbose_name=_("report")
    )
    purpose = models.CharField(
        max_length=20, choices=ConsentPurpose.choices, verbose_name=_("purpose")
    )
    partner = models.ForeignKey(
        "casework.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner"),
    )
    given = models.BooleanField(verbose_name=_("given"))
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("recorded at"))

    objects = GatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "purpose"],
                condition=Q(partner__isnull=True),
                name="consent_once_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["report", "purpose", "partner"],
                condition=Q(partner__isnull=False),
                name="consent_once_per_partner",
            ),
            models.CheckConstraint(
                condition=Q(purpose="share_partner", partner__isnull=False)
                | (~Q(purpose="share_partner") & Q(partner__isnull=True)),
                name="consent_partner_only_for_partner_sharing",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"
            ),
        ]


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    DOCUMENT = "document", _("document")


class ReportAttachment(PublicModel):
    report = models.ForeignKey(
        FamilyReport, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("report")
    )
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices, verbose_name=_("kind"))
    # Stored under a random name; the sender's file name may carry a child's name.
    file = models.FileField(upload_to="attachments/%Y/%m/", verbose_name=_("file"))
    content_type = models.CharField(max_length=80, verbose_name=_("file type"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("checksum"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=AttachmentKind.values), name="attachment_kind_valid"
            ),
        ]


class ReportFollowUp(PublicModel):
    """What the family added later through the status page: kept as they sent it, beside the
    report, never merged into the first account."""

    report = models.ForeignKey(
        FamilyReport, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("report")
    )
    received_at = models.DateTimeField(verbose_name=_("received at"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    entries_added = models.PositiveSmallIntegerField(default=0, verbose_name=_("entries added"))
    attachments_added = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("attachments added")
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["report", "received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="", entries_added=0, attachments_added=0),
                name="follow_up_adds_something",
            ),
        ]


class TriageOutcome(models.TextChoices):
    PENDING = "pending", _("waiting for triage")
    # Said of one entry; an import's counts say it of many rows.
    LINKED = "linked", pgettext_lazy("report entry outcome", "linked to a known person")
    CREATED = "created", _("created a new person")
    NOT_A_PERSON = "not_a_person", _("not a person to trace")


class ReportEntry(PublicModel):
    """One person as the report describes them. Never edited into what the family did not say."""

    report = models.ForeignKey(
        FamilyReport, on_delete=models.CASCADE, related_name="entries", verbose_name=_("report")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    family_name = models.CharField(max_length=150, blank=True, verbose_name=_("family name"))
    given_name = models.CharField(max_length=150, blank=True, verbose_name=_("given name"))
    patronymic = models.CharField(max_length=150, blank=True, verbose_name=_("patronymic"))
    full_name = models.CharField(max_length=300, blank=True, verbose_name=_("full name"))
    aliases = models.CharField(max_length=300, blank=True, verbose_name=_("aliases"))
    sex = models.CharField(max_length=1, blank=True, verbose_name=_("sex"))
    birth_date = models.DateField(null=True, blank=True, verbose_name=_("birth date"))
    birth_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
        verbose_name=_("birth date precision"),
    )
    age_stated = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("age stated")
    )
    birthplace = models.CharField(max_length=200, blank=True, verbose_name=_("birthplace"))
    relationship_to_reporter = models.CharField(
        max_length=100, blank=True, verbose_name=_("relationship to reporter")
    )
    last_known_place = models.CharField(
        max_length=300, blank=True, verbose_name=_("last known place")
    )
    last_known_date = models.DateField(null=True, blank=True, verbose_name=_("last known date"))
    last_known_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
        verbose_name=_("last known date precision"),
    )
    mother_name = models.CharField(max_length=300, blank=True, verbose_name=_("mother name"))
    father_name = models.CharField(max_length=300, blank=True, verbose_name=_("father name"))
    relationship_to_others = models.CharField(
        max_length=300, blank=True, verbose_name=_("relationship to others")
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    person = models.ForeignKey(
        "casework.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_entries",
        verbose_name=_("person"),
    )
    outcome = models.CharField(
        max_length=14,
        choices=TriageOutcome.choices,
        default=TriageOutcome.PENDING,
        verbose_name=_("outcome"),
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("triaged at"))

    class Meta:
        verbose_name = _("report entry")
        verbose_name_plural = _("report entries")
        ordering = ["report", "position"]
        # The report gate asks of each report whether an entry is linked beyond the user's scope:
        # most reports have no linked entry, and this index answers that without a row.
        indexes = [
            models.Index(
                fields=["report"], condition=Q(person__isnull=False), name="entry_report_linked"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="entry_position_unique"),
            models.CheckConstraint(
                condition=~Q(family_name="", given_name="", full_name="", aliases=""),
                name="entry_names_someone",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["linked", "created"], person__isnull=False)
                | Q(outcome__in=["pending", "not_a_person"]),
                name="entry_linked_outcome_has_person",
            ),
            models.CheckConstraint(
                condition=Q(age_stated__isnull=True) | Q(age_stated__lte=120),
                name="entry_age_plausible",
            ),
            # The outcome is kept to its four values by entry_linked_outcome_has_person.
            models.CheckConstraint(
                condition=Q(birth_precision__in=DatePrecision.values),
                name="entry_birth_precision_valid",
            ),
            # A last-seen date is a day, a month or a year: never an age.
            models.CheckConstraint(
                condition=Q(last_known_precision__in=["exact", "month", "year", "unknown"])
                & (Q(last_known_date__isnull=True) | ~Q(last_known_precision="unknown")),
                name="entry_last_known_precision_valid",
            ),
            # As the family said it: blank when they did not say.
            models.CheckConstraint(condition=Q(sex__in=["", *Sex.values]), name="entry_sex_valid"),
        ]
