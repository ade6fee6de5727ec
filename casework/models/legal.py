"""Criminal proceedings against adults. Restricted: seen only by those cleared for it."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from casework.models.base import PublicModel


class ProceedingStatus(models.TextChoices):
    INVESTIGATION = "investigation", _("under investigation")
    TRIAL = "trial", _("on trial")
    SENTENCED = "sentenced", _("sentenced")
    APPEAL = "appeal", _("on appeal")
    ACQUITTED = "acquitted", _("acquitted")
    RELEASED = "released", _("released")


# The statuses in which a sentence has been passed (and may be under appeal, or served).
SENTENCE_STATUSES = [ProceedingStatus.SENTENCED, ProceedingStatus.APPEAL, ProceedingStatus.RELEASED]


class LegalProceeding(PublicModel):
    person = models.ForeignKey(
        "casework.Person",
        on_delete=models.CASCADE,
        related_name="legal_proceedings",
        verbose_name=_("person"),
    )
    country = models.CharField(max_length=2, verbose_name=_("country"))
    charge = models.CharField(max_length=300, verbose_name=_("charge"))
    court = models.CharField(max_length=200, blank=True, verbose_name=_("court"))
    status = models.CharField(
        max_length=16, choices=ProceedingStatus.choices, verbose_name=_("status")
    )
    sentence = models.CharField(max_length=200, blank=True, verbose_name=_("sentence"))
    started_on = models.DateField(null=True, blank=True, verbose_name=_("started on"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = _("legal proceeding")
        verbose_name_plural = _("legal proceedings")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProceedingStatus.values), name="proceeding_status_valid"
            ),
            models.CheckConstraint(condition=~Q(charge=""), name="proceeding_charge_stated"),
            # An ISO 3166-1 alpha-2 code as everywhere else (IQ, SY, RU): two characters in upper
            # case, not a country name or a lower-case code.
            models.CheckConstraint(
                condition=Q(Exact(Length("country"), 2)) & Q(Exact(Upper("country"), F("country"))),
                name="proceeding_country_code",
            ),
            # A sentence is only recorded once one was passed: not while the case is still being
            # investigated or tried, nor after an acquittal.
            models.CheckConstraint(
                condition=Q(sentence="") | Q(status__in=SENTENCE_STATUSES),
                name="proceeding_sentence_only_after_conviction",
            ),
        ]
