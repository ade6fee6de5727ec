"""What every casework record shares: an integer key for the database and a UUID for the world."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicModel(models.Model):
    """A record addressed by a random UUID in URLs and the API, never by its integer key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("exact day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    AGE_ESTIMATE = "age", _("estimated from an age stated on a date")
    UNKNOWN = "unknown", _("unknown")
