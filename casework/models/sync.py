"""What a partner's change feed needs to tell of persons it can no longer see.

A person leaves a partner's view when their case is unshared or the person is deleted; both remove
a `SharedCase` row, and nothing of it would remain to tell the partner. A tombstone remains. (An
agreement that is revoked or expires keeps its rows: the feed reads those from the agreement.)
"""

import uuid

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.base import GatedQuerySet
from casework.models.organisations import SharedCase, SharingAgreement


class PartnerTombstone(models.Model):
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    partner = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("partner"),
    )
    person_public_id = models.UUIDField(verbose_name=_("person's public id"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = GatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner tombstone")
        verbose_name_plural = _("partner tombstones")
        indexes = [
            models.Index(fields=["partner", "created_at", "public_id"], name="tombstone_feed"),
        ]


@receiver(post_delete, sender=SharedCase)
def _tombstone_unshared_case(sender, instance, **kwargs):
    # Runs for every way a share goes (one row, a queryset, a cascade from the person or the
    # agreement): a receiver makes Django collect and signal each row instead of a fast delete.
    from casework.models.persons import Person

    partner_id = (
        SharingAgreement.objects.filter(pk=instance.agreement_id)
        .values_list("partner_id", flat=True)
        .first()
    )
    person_public_id = (
        Person.objects.filter(pk=instance.person_id).values_list("public_id", flat=True).first()
    )
    if partner_id is None or person_public_id is None:
        return
    PartnerTombstone.objects.create(partner_id=partner_id, person_public_id=person_public_id)
