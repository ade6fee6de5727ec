"""Where people are held or were seen."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import DatePrecision, PublicModel


class LocationKind(models.TextChoices):
    PRISON = "prison", _("prison")
    CAMP = "camp", _("camp")
    ORPHANAGE = "orphanage", _("orphanage")
    HOSPITAL = "hospital", _("hospital")
    DETENTION_CENTRE = "detention_centre", _("detention centre")
    OTHER = "other", _("other")


class DetentionLocation(PublicModel):
    """Reference data (administrators keep it): a facility, not anyone's whereabouts by itself."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=20, choices=LocationKind.choices, verbose_name=_("kind"))
    country = models.CharField(
        max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. IQ or SY."), verbose_name=_("country")
    )
    governorate = models.CharField(max_length=100, blank=True, verbose_name=_("governorate"))
    city = models.CharField(max_length=100, blank=True, verbose_name=_("city"))
    controlling_authority = models.CharField(
        max_length=200, blank=True, verbose_name=_("controlling authority")
    )
    latitude = models.DecimalField(
        max_digits=8, decimal_places=5, null=True, blank=True, verbose_name=_("latitude")
    )
    longitude = models.DecimalField(
        max_digits=8, decimal_places=5, null=True, blank=True, verbose_name=_("longitude")
    )
    reported_population = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("reported population")
    )
    population_as_of = models.DateField(null=True, blank=True, verbose_name=_("population as of"))
    access_notes = models.TextField(blank=True, verbose_name=_("access notes"))

    class Meta:
        verbose_name = _("detention location")
        verbose_name_plural = _("detention locations")
        ordering = ["country", "name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="location_name_unique"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(reported_population__isnull=True) | Q(population_as_of__isnull=False),
                name="location_population_has_date",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LocationKind.values), name="location_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlacementSource(models.TextChoices):
    VOICE_MESSAGE = "voice_message", _("voice message")
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit")
    AUTHORITY_LIST = "authority_list", _("authority list")
    PARTNER = "partner", _("partner")
    FAMILY_REPORT = "family_report", _("family report")
    OTHER = "other", _("other")


class Reliability(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    PROBABLE = "probable", _("probable")
    UNCONFIRMED = "unconfirmed", _("unconfirmed")
    DOUBTFUL = "doubtful", _("doubtful")


PLACEMENT_START_PRECISIONS = [DatePrecision.EXACT, DatePrecision.MONTH, DatePrecision.YEAR]


class Placement(PublicModel):
    """A person at a location over a period (or seen there once), from a source."""

    person = models.ForeignKey(
        "casework.Person",
        on_delete=models.CASCADE,
        related_name="placements",
        verbose_name=_("person"),
    )
    location = models.ForeignKey(
        DetentionLocation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("location"),
    )
    place_text = models.CharField(max_length=300, blank=True, verbose_name=_("place (as written)"))
    is_sighting = models.BooleanField(default=False, verbose_name=_("sighting"))
    start_date = models.DateField(verbose_name=_("start date"))
    start_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.EXACT,
        verbose_name=_("start date precision"),
    )
    end_date = models.DateField(null=True, blank=True, verbose_name=_("end date"))
    source = models.CharField(
        max_length=20, choices=PlacementSource.choices, verbose_name=_("source")
    )
    reliability = models.CharField(
        max_length=12, choices=Reliability.choices, verbose_name=_("reliability")
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="placement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=False) | ~Q(place_text=""),
                name="placement_has_a_place",
            ),
            models.CheckConstraint(
                condition=Q(source__in=PlacementSource.values), name="placement_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="placement_reliability_valid",
            ),
            # A start date is known to the day, the month or the year; "unknown" or "estimated
            # from an age" would contradict the date the placement has to have.
            models.CheckConstraint(
                condition=Q(start_precision__in=PLACEMENT_START_PRECISIONS),
                name="placement_start_precision_valid",
            ),
        ]
