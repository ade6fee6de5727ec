"""A partner's change feed kept in step with the calendar.

An agreement comes into force on its first day and leaves it after its last with no write to say
so, and until its partner's feed tells it as in force, the changes of its cases write nothing for
that partner (models/sync.py). So before a partner's feed is read, each of its agreements whose
force differs from what the feed last told is told again: every case it shares gets a row, which
the feed delivers as the record or as a tombstone. Bookkeeping of the feed, not anyone's change:
nothing to permit and nothing to audit (the read that follows is audited).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from casework.models import AgreementFeedState, SharingAgreement
from casework.models.sync import ChangeKind, note_agreement_cases
from casework.permissions import active_agreements


def partner_feed_catch_up(*, partner_id: int) -> None:
    in_force = set(active_agreements().filter(partner_id=partner_id).values_list("pk", flat=True))
    told = Q(feed_state__in_force=True)
    stale = SharingAgreement.objects.filter(partner_id=partner_id).filter(
        (Q(pk__in=in_force) & ~told) | (~Q(pk__in=in_force) & told)
    )
    if not stale.exists():
        return
    with transaction.atomic():
        # Locked: two feed reads at the same moment tell it one after the other (twice at worst).
        for agreement in stale.select_for_update(of=("self",)).order_by("pk"):
            if agreement.pk in in_force:
                _tell(agreement, in_force=True)
                note_agreement_cases(agreement.pk, ChangeKind.STARTED)
            else:
                note_agreement_cases(agreement.pk, ChangeKind.ENDED)
                _tell(agreement, in_force=False)


def _tell(agreement: SharingAgreement, *, in_force: bool) -> None:
    AgreementFeedState.objects.update_or_create(
        agreement=agreement, defaults={"in_force": in_force}
    )
