"""Criminal proceedings against adults. Restricted: seen only by those cleared for it."""

from django.db import models

from casework.models.base import PublicModel


class ProceedingStatus(models.TextChoices):
    INVESTIGATION = "investigation", "under investigation"
    TRIAL = "trial", "on trial"
    SENTENCED = "sentenced", "sentenced"
    APPEAL = "appeal", "on appeal"
    ACQUITTED = "acquitted", "acquitted"
    RELEASED = "released", "released"


class LegalProceeding(PublicModel):
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="legal_proceedings"
    )
    country = models.CharField(max_length=2)
    charge = models.CharField(max_length=300)
    court = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=ProceedingStatus.choices)
    sentence = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
