"""Where people are held or were seen."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
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


def is_latest_confirmed() -> Q:
    """A placement that is its person's current whereabouts: confirmed, not a mere sighting, and
    no confirmed placement of theirs starts later. Tested placement by placement against the
    person's later ones, so a few placements are read, never every person's."""
    confirmed = Q(reliability=Reliability.CONFIRMED, is_sighting=False)
    later = Placement.objects.filter(confirmed, person_id=OuterRef("person_id")).filter(
        Q(start_date__gt=OuterRef("start_date"))
        | Q(start_date=OuterRef("start_date"), id__gt=OuterRef("id"))
    )
    return confirmed & ~Exists(later)


class PopulationReport(PublicModel):
    """How many people a source said a place held on a day: a single estimate, a range (as
    sources often give it: "between 2,000 and 2,600"), or both."""

    location = models.ForeignKey(
        DetentionLocation,
        on_delete=models.CASCADE,
        related_name="population_reports",
        verbose_name=_("place"),
    )
    as_of = models.DateField(verbose_name=_("as of"))
    estimate = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("estimate"))
    low = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("at least"))
    high = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("at most"))
    source = models.CharField(max_length=300, verbose_name=_("source"))
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
        verbose_name = _("population report")
        verbose_name_plural = _("population reports")
        ordering = ["-as_of", "-id"]
        constraints = [
            # Something was reported: an estimate, or both ends of a range.
            models.CheckConstraint(
                condition=Q(estimate__isnull=False) | Q(low__isnull=False, high__isnull=False),
                name="population_report_has_a_figure",
            ),
            models.CheckConstraint(
                condition=(Q(low__isnull=True) & Q(high__isnull=True))
                | Q(low__isnull=False, high__isnull=False, low__lte=F("high")),
                name="population_report_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(estimate__isnull=True)
                | Q(low__isnull=True)
                | Q(low__lte=F("estimate"), high__gte=F("estimate")),
                name="population_report_estimate_in_range",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="population_report_sourced"),
        ]


class PlaceAlias(PublicModel):
    """Another name of a place, in any script ("Лагерь Рож", "مخيم روج"), with its matching key
    (`services.place_names.place_key`): names from lists and reports are matched on the key."""

    location = models.ForeignKey(
        DetentionLocation,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name=_("place"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    key = models.CharField(max_length=200, db_index=True, verbose_name=_("matching key"))

    class Meta:
        verbose_name = _("place alias")
        verbose_name_plural = _("place aliases")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="place_alias_unique"),
            models.CheckConstraint(condition=~Q(key=""), name="place_alias_has_key"),
        ]

    def __str__(self) -> str:
        return self.name


class PlaceNameStatus(models.TextChoices):
    OPEN = "open", _("waiting for review")
    MAPPED = "mapped", _("mapped to a place")
    DISMISSED = "dismissed", _("not a place")


class PlaceName(PublicModel):
    """A place name as an organisation's lists wrote it that matched no known place for sure: a
    supervisor maps it to a place (it becomes an alias), creates the place, or dismisses it."""

    organisation = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    name = models.CharField(max_length=300, verbose_name=_("name as written"))
    key = models.CharField(max_length=200, verbose_name=_("matching key"))
    times_seen = models.PositiveIntegerField(default=1, verbose_name=_("times seen"))
    suggested = models.ForeignKey(
        DetentionLocation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suggested place"),
    )
    status = models.CharField(
        max_length=10,
        choices=PlaceNameStatus.choices,
        default=PlaceNameStatus.OPEN,
        verbose_name=_("status"),
    )
    location = models.ForeignKey(
        DetentionLocation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("place"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("place name to review")
        verbose_name_plural = _("place names to review")
        ordering = ["-times_seen", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="place_name_unique_key"),
            models.CheckConstraint(condition=~Q(key=""), name="place_name_has_key"),
            models.CheckConstraint(
                condition=Q(status__in=PlaceNameStatus.values), name="place_name_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=PlaceNameStatus.MAPPED) | Q(location__isnull=False),
                name="place_name_mapped_has_place",
            ),
        ]

    def __str__(self) -> str:
        return self.name
