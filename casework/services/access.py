"""Break-glass: time-limited access to one restricted record outside one's scope, with a reason.

The grant is what `casework.permissions` honours (`person_scope`, `person_level`); the reason is
written to the audit trail, where the data-protection officer reads it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.audit import AuditAction
from casework.models import BreakGlassGrant, Person
from casework.permissions import (
    Action,
    Hidden,
    break_glass_minutes,
    may_break_glass,
    require,
)
from casework.services.errors import ServiceError

REASON_MIN_WORDS = 3
REASON_MIN_CHARS = 15
REASON_MAX_CHARS = 2000


def validate_break_glass_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError({"reason": ["Say why you need this record: a reason is required."]})
    if len(reason.split(" ")) < REASON_MIN_WORDS or len(reason) < REASON_MIN_CHARS:
        raise ServiceError(
            {
                "reason": [
                    "Say in a sentence why you need this record now (at least "
                    f"{REASON_MIN_WORDS} words): the data-protection officer reads it."
                ]
            }
        )
    if len(reason) > REASON_MAX_CHARS:
        raise ServiceError({"reason": [f"Keep the reason under {REASON_MAX_CHARS} characters."]})
    return reason


def break_glass_open(*, actor, person: Person, reason: str) -> BreakGlassGrant:
    """Open the record for `actor` for `settings.BREAK_GLASS_MINUTES`. Persons the actor may not
    break glass on are refused exactly like missing ones."""
    if not may_break_glass(actor, person):
        # Whether or not the actor sees the person at a lesser level, the answer is the one for a
        # missing record: break-glass must not confirm what exists outside one's reach.
        exc = Hidden()
        audit.record_denial(actor, Action.BREAK_GLASS, person, hidden=True, exc=exc)
        raise exc
    require(actor, Action.BREAK_GLASS, person)
    reason = validate_break_glass_reason(reason)
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            user=actor,
            person=person,
            reason=reason,
            expires_at=timezone.now() + dt.timedelta(minutes=break_glass_minutes()),
        )
        audit.record(
            actor,
            AuditAction.BREAK_GLASS,
            person,
            reason=reason,
            changes={"grant": str(grant.public_id), "until": grant.expires_at.isoformat()},
        )
    return grant
