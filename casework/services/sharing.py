"""Sharing a person with a partner organisation under a sharing agreement, and ending it.

Only the agreement owner's own persons are shared, never a protected one, and only under an
agreement in force: the partner's read gate (`permissions.partner_shares`) holds to the same rules,
so a row written around this service shares nothing. Ending a share leaves the partner a
tombstone (models/sync.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import Person, Sensitivity, SharedCase
from casework.permissions import Action, active_agreements, require
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

REASON_MAX_CHARS = 500


def person_share(
    *, actor, person: Person, agreement, share: bool = True, reason: str = ""
) -> Person:
    """Share `person` with the partner of `agreement` (or, with share=False, stop sharing)."""
    require(actor, Action.SHARE_CASE, person)
    reason = clean_input(
        "reason", reason, max_length=REASON_MAX_CHARS, required=gettext("Say why.")
    )
    with transaction.atomic():
        in_force = (
            active_agreements()
            .select_for_update()
            .filter(pk=getattr(agreement, "pk", None), owner_id=person.organisation_id)
            .first()
        )
        if in_force is None:
            raise ServiceError(
                {
                    "agreement": [
                        gettext(
                            "Choose a sharing agreement of this person's organisation in force."
                        )
                    ]
                }
            )
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if share:
            if locked.sensitivity == Sensitivity.PROTECTED:
                raise ServiceError({"agreement": [gettext("A protected person is never shared.")]})
            if locked.merged_into_id:
                raise ServiceError(
                    {"agreement": [gettext("This record was merged: share the other one.")]}
                )
            _share, created = SharedCase.objects.get_or_create(agreement=in_force, person=locked)
            if not created:
                raise ServiceError({"agreement": [gettext("Already shared under this agreement.")]})
        else:
            deleted, _rows = SharedCase.objects.filter(agreement=in_force, person=locked).delete()
            if not deleted:
                raise ServiceError({"agreement": [gettext("Not shared under this agreement.")]})
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            fields=["shares"],
            changes={
                "shared" if share else "unshared": {
                    "agreement": str(in_force.public_id),
                    "partner": in_force.partner.slug,
                }
            },
            reason=reason,
        )
    return locked
