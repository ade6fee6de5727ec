"""Repatriation flights, who is on them, and to whom each child was handed."""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.models.base import PublicModel


class FlightStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    # A flight is "confirmed" in the masculine in Russian, unlike a reliability or a kinship.
    CONFIRMED = "confirmed", pgettext_lazy("flight status", "confirmed")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


def default_time_zone() -> str:
    """The zone of a flight nobody gave one: the server's (organisations have none of their own)."""
    return settings.TIME_ZONE


@cache
def known_time_zones() -> tuple[str, ...]:
    """The IANA zone names a flight may be run in, sorted (read once: listing them scans the
    zone database)."""
    return tuple(sorted(available_timezones()))


# What describes a flight wherever it is shown: the staff page's form, the API and the export.
FLIGHT_DESCRIPTION = (
    "reference",
    "date",
    "origin",
    "destination",
    "organiser",
    "capacity",
    "status",
)


class RepatriationFlight(PublicModel):
    organisation = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="flights",
        verbose_name=_("organisation"),
    )
    reference = models.CharField(max_length=40, verbose_name=_("reference"))
    date = models.DateField(verbose_name=_("date"))
    origin = models.CharField(max_length=120, verbose_name=_("origin"))
    destination = models.CharField(max_length=120, verbose_name=_("destination"))
    organiser = models.CharField(max_length=200, blank=True, verbose_name=_("organiser"))
    capacity = models.IntegerField(verbose_name=_("capacity"))
    status = models.CharField(
        max_length=10, choices=FlightStatus.choices, default="planned", verbose_name=_("status")
    )
    # The IANA zone where the flight is run: its date, "today" for boarding and the times of
    # boarding and handovers are read there, not in the server's zone.
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, verbose_name=_("time zone")
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("flight")
        verbose_name_plural = _("flights")
        ordering = ["-date", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="flight_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=0), name="flight_capacity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in FlightStatus]), name="flight_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class ManifestStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    APPROVED = "approved", _("approved")
    BOARDED = "boarded", _("boarded")
    NOT_BOARDED = "not_boarded", _("not boarded")


class ManifestRole(models.TextChoices):
    PASSENGER = "passenger", _("passenger")
    ESCORT = "escort", _("escort")


class ManifestEntry(PublicModel):
    flight = models.ForeignKey(
        RepatriationFlight,
        on_delete=models.CASCADE,
        related_name="manifest",
        verbose_name=_("flight"),
    )
    role = models.CharField(
        max_length=10, choices=ManifestRole.choices, default="passenger", verbose_name=_("role")
    )
    person = models.ForeignKey(
        "casework.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manifest_entries",
        verbose_name=_("person"),
    )
    escort_name = models.CharField(max_length=200, blank=True, verbose_name=_("escort name"))
    status = models.CharField(
        max_length=12, choices=ManifestStatus.choices, default="proposed", verbose_name=_("status")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # When boarding was recorded: a handover cannot come before it.
    boarded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("boarded at"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("manifest entry")
        verbose_name_plural = _("manifest entries")
        ordering = ["flight", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["flight", "person"], name="manifest_person_once"),
            models.CheckConstraint(
                condition=Q(role="passenger", person__isnull=False)
                | Q(role="escort", person__isnull=True) & ~Q(escort_name=""),
                name="manifest_passenger_or_named_escort",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "not_boarded"]) | Q(approved_by__isnull=False),
                name="manifest_approved_by_someone",
            ),
            # The role is kept to passenger or escort by manifest_passenger_or_named_escort.
            models.CheckConstraint(
                condition=Q(status__in=ManifestStatus.values), name="manifest_status_valid"
            ),
        ]


class RecipientKind(models.TextChoices):
    RELATIVE = "relative", _("a relative")
    CHILD_SERVICES = "child_services", _("child services")
    OTHER = "other", _("other")


class Handover(PublicModel):
    manifest_entry = models.OneToOneField(
        ManifestEntry,
        on_delete=models.PROTECT,
        related_name="handover",
        verbose_name=_("manifest entry"),
    )
    recipient_kind = models.CharField(
        max_length=16, choices=RecipientKind.choices, verbose_name=_("recipient kind")
    )
    recipient_person = models.ForeignKey(
        "casework.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recipient person"),
    )
    recipient_name = models.CharField(max_length=200, verbose_name=_("recipient name"))
    recipient_relationship = models.CharField(
        max_length=100, blank=True, verbose_name=_("recipient relationship")
    )
    handed_at = models.DateTimeField(verbose_name=_("handed at"))
    place = models.CharField(max_length=200, blank=True, verbose_name=_("place"))
    documents = models.TextField(blank=True, verbose_name=_("documents"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(recipient_name=""), name="handover_names_recipient"
            ),
            models.CheckConstraint(
                condition=Q(recipient_kind__in=RecipientKind.values),
                name="handover_recipient_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(recipient_kind=RecipientKind.RELATIVE) | ~Q(recipient_relationship=""),
                name="handover_relative_says_how_related",
            ),
        ]
