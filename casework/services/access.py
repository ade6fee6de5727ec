"""Break-glass: time-limited access to one restricted record outside one's scope, with a reason.

The grant is what `casework.permissions` honours (`person_scope`, `person_level`); the reason is
written to the audit trail, where the data-protection officer reads it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import BreakGlassGrant, Person
from casework.permissions import (
    Action,
    Hidden,
    break_glass_minutes,
    data_protection_officers,
    forget_scope_facts,
    may_break_glass,
    require,
)
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

logger = logging.getLogger(__name__)

REASON_MIN_WORDS = 3
REASON_MIN_CHARS = 15
REASON_MAX_CHARS = 2000


# A word of a reason: three letters or more ("x x x checking this" has two), not all the same.
_WORD = re.compile(r"[^\W\d_]{3,}")


def validate_break_glass_reason(reason: str) -> str:
    reason = clean_input(
        "reason",
        reason,
        max_length=REASON_MAX_CHARS,
        required=gettext("Say why you need this record: a reason is required."),
    )
    # A word made of one letter again and again ("xxxxx") says nothing, nor does a word said twice.
    words = {word.casefold() for word in _WORD.findall(reason) if len(set(word.casefold())) > 1}
    if len(words) < REASON_MIN_WORDS or len(reason) < REASON_MIN_CHARS:
        raise ServiceError(
            {
                "reason": [
                    gettext(
                        "Say in a sentence why you need this record now (at least %(count)s "
                        "words): the data-protection officer reads it."
                    )
                    % {"count": REASON_MIN_WORDS}
                ]
            }
        )
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
    _refuse_beyond_the_daily_limit(actor, person)
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
        transaction.on_commit(lambda: _alert_the_officers(grant))
    forget_scope_facts(actor)
    return grant


def _refuse_beyond_the_daily_limit(actor, person: Person) -> None:
    """Break-glass is for an emergency, not for reading through an organisation: more than
    BREAK_GLASS_PER_DAY records a day is refused, on the trail, until the officer has looked."""
    limit = settings.BREAK_GLASS_PER_DAY
    since = timezone.now() - dt.timedelta(days=1)
    opened = BreakGlassGrant.objects.filter(user=actor, created_at__gte=since)
    if opened.exclude(person=person).values("person").distinct().count() < limit:
        return
    audit.record_outside_transaction(
        actor,
        AuditAction.DENIED,
        person,
        changes={"action": Action.BREAK_GLASS.value, "limit": limit, "per": "day"},
    )
    raise ServiceError(
        {
            "reason": [
                gettext(
                    "You have opened %(count)s records outside your cases today, the most "
                    "allowed: ask your supervisor or the data-protection officer."
                )
                % {"count": limit}
            ]
        }
    )


def _alert_the_officers(grant: BreakGlassGrant) -> None:
    """Each break-glass is mailed to the organisation's data-protection officers as it happens:
    who, when and the grant to review on the audit page; never the person's name or the reason."""
    recipients = list(
        data_protection_officers(grant.user.organisation_id)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    body = (
        f"{grant.user.get_username()} used break-glass at {grant.created_at:%Y-%m-%d %H:%M} UTC "
        f"(grant {grant.public_id}, until {grant.expires_at:%H:%M} UTC). Review it on the "
        "audit page, under break-glass."
    )
    try:
        send_mail("casework: break-glass used", body, None, recipients)
    except Exception:
        # The access is recorded on the trail either way; a mail server that is down must not
        # turn the grant into an error.
        logger.warning("Could not mail the break-glass alert for grant %s", grant.public_id)


def break_glass_review(
    *, actor, grant: BreakGlassGrant, note: str = "", revoke: bool = False
) -> BreakGlassGrant:
    """The data-protection officer's look at a break-glass: marked reviewed with what they
    concluded, and, when the access should not go on, revoked at once."""

    require(actor, Action.REVIEW_BREAK_GLASS)
    if not BreakGlassGrant.objects.visible_to(actor).filter(pk=grant.pk).exists():
        exc = Hidden()
        audit.record_denial(actor, Action.REVIEW_BREAK_GLASS, grant, hidden=True, exc=exc)
        raise exc
    note = clean_input("note", note, max_length=500)
    if revoke and not note:
        raise ServiceError({"note": [gettext("Say why the access is revoked.")]})
    with transaction.atomic():
        locked = BreakGlassGrant.objects.select_for_update().get(pk=grant.pk)
        now = timezone.now()
        changed = ["reviewed_at", "reviewed_by", "review_note"]
        locked.reviewed_at, locked.reviewed_by, locked.review_note = now, actor, note
        if revoke:
            if locked.revoked_at is not None or locked.expires_at <= now:
                raise ServiceError({"revoke": [gettext("This access has already ended.")]})
            locked.revoked_at = now
            changed.append("revoked_at")
        locked.save(update_fields=changed)
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            fields=changed,
            changes={"revoked": revoke},
            reason=note,
            person=locked.person,
        )
    return locked
