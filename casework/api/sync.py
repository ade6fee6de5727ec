"""A partner's change feed: every shared person changed since a cursor, in a stable order, with
tombstones for persons it can no longer see.

Order and position: each change has a time and a key, `(changed_at, key)`, unique and totally
ordered; the cursor is the last position delivered, and a page is the changes after it. A person's
change time is the later of their last save and their share's: when it was shared, its agreement
last edited, or the agreement came into force (a newly shared person, changed terms, or an agreement
that starts later reach the partner even when the record itself did not change).

No skip: only changes older than `API_SYNC_SETTLE_SECONDS` are delivered. A write stamps its time
before it commits; once the settle time has passed, no write still in flight (or stamped by a
server whose clock lags by less than that) can appear behind a cursor already handed out.
No duplicate: positions only grow; a person delivered once comes again only after a new change
(a new time), never twice for the same one.

Tombstones: `{"id", "deleted": true}` when a case was unshared, the person deleted, or the agreement
revoked or expired; `{"id", "merged_into"}` when the person was merged into one the partner sees
(into one it does not see: deleted).

Audit: a page of the feed is a read of every person it delivers as a record (not as a tombstone),
recorded where it is presented (`presenters.present_persons`), like the list's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import DateTimeField, Max, Q
from django.db.models.functions import Cast, Greatest
from django.utils import timezone

from casework.api.exceptions import InvalidCursor
from casework.models import PartnerTombstone, Person, SharedCase, SharingAgreement
from casework.permissions import agreements_in_force_for

_CURSOR_SALT = "casework.api.person-changes"


@dataclass(frozen=True, order=True)
class Position:
    at: dt.datetime
    key: str

    def encode(self) -> str:
        return signing.dumps({"t": self.at.isoformat(), "k": self.key}, salt=_CURSOR_SALT)

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            data = signing.loads(cursor, salt=_CURSOR_SALT)
            at = dt.datetime.fromisoformat(data["t"])
            key = str(data["k"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise InvalidCursor() from None
        if timezone.is_naive(at) or len(key) != 32:
            raise InvalidCursor()
        return cls(at, key)


@dataclass(frozen=True)
class Change:
    position: Position
    person: Person | None = None
    tombstone: dict | None = None


def _after(position: Position | None, time_field: str, key_field: str) -> Q:
    if position is None:
        return Q()
    return Q(**{f"{time_field}__gt": position.at}) | Q(
        **{time_field: position.at, f"{key_field}__gt": position.key}
    )


def _person_changes(user, visible, after, horizon, limit) -> list[Change]:
    shares = Q(shares__agreement__in=agreements_in_force_for(user))
    persons = (
        Person.objects.filter(pk__in=visible.values("pk"))
        .annotate(
            # Shared, or the agreement edited, or it came into force: whichever was last.
            shared_at=Max(
                Greatest(
                    "shares__shared_at",
                    "shares__agreement__updated_at",
                    Cast("shares__agreement__valid_from", DateTimeField()),
                ),
                filter=shares,
            )
        )
        .annotate(changed_at=Greatest("updated_at", "shared_at"))
        .filter(changed_at__lte=horizon)
        .filter(_after(after, "changed_at", "public_id"))
        .select_related("organisation", "team", "assigned_to")
        .prefetch_related("names")
        .order_by("changed_at", "public_id")[: limit + 1]
    )
    return [Change(Position(p.changed_at, p.public_id.hex), person=p) for p in persons]


def _stored_tombstones(user, visible, after, horizon, limit) -> list[Change]:
    rows = (
        PartnerTombstone.objects.filter(partner_id=user.organisation_id, created_at__lte=horizon)
        .exclude(person_public_id__in=visible.values("public_id"))
        .filter(_after(after, "created_at", "public_id"))
        .order_by("created_at", "public_id")[: limit + 1]
    )
    return [
        Change(
            Position(row.created_at, row.public_id.hex),
            tombstone={"id": str(row.person_public_id), "deleted": True},
        )
        for row in rows
    ]


def _agreement_end(agreement: SharingAgreement) -> dt.datetime | None:
    """When the agreement's cases left the partner's view, as the feed tells it: the end of the
    agreement, or its last edit when that came later (a revocation or an end date set after the
    fact must still reach a partner whose cursor is past the end)."""
    ends = []
    if agreement.revoked_at is not None:
        ends.append(agreement.revoked_at)
    if agreement.valid_until is not None:
        next_day = agreement.valid_until + dt.timedelta(days=1)
        ends.append(timezone.make_aware(dt.datetime.combine(next_day, dt.time.min)))
    return max(min(ends), agreement.updated_at) if ends else None


def _ended_agreement_tombstones(user, visible, after, horizon, limit) -> list[Change]:
    changes: list[Change] = []
    ended = SharingAgreement.objects.filter(partner_id=user.organisation_id).filter(
        Q(revoked_at__isnull=False) | Q(valid_until__isnull=False)
    )
    for agreement in ended:
        end = _agreement_end(agreement)
        if end is None or end > horizon or (after is not None and end < after.at):
            continue
        shared = SharedCase.objects.filter(agreement=agreement).exclude(
            person__in=visible.values("pk")
        )
        if after is not None and end == after.at:
            shared = shared.filter(person__public_id__gt=after.key)
        for share in shared.select_related("person").order_by("person__public_id")[: limit + 1]:
            changes.append(
                Change(
                    Position(end, share.person.public_id.hex),
                    tombstone={"id": str(share.person.public_id), "deleted": True},
                )
            )
    return changes


def _now() -> dt.datetime:
    return timezone.now()


def changes_since(user, cursor: str | None, limit: int) -> tuple[list[Change], str | None, bool]:
    """The next `limit` changes after `cursor` for a partner user: (changes, next cursor, more)."""
    after = Position.decode(cursor) if cursor else None
    horizon = _now() - dt.timedelta(seconds=settings.API_SYNC_SETTLE_SECONDS)
    visible = Person.objects.visible_to(user)
    candidates = sorted(
        [
            *_person_changes(user, visible, after, horizon, limit),
            *_stored_tombstones(user, visible, after, horizon, limit),
            *_ended_agreement_tombstones(user, visible, after, horizon, limit),
        ],
        key=lambda change: change.position,
    )
    page = candidates[:limit]
    has_more = len(candidates) > limit
    next_cursor = page[-1].position.encode() if page else cursor
    return page, next_cursor, has_more


def merged_tombstones(user, persons) -> dict[int, dict[str, Any]]:
    """The tombstones of the merged persons among `persons`, by their pk: pointing to the record
    each lives on in when the user sees that one, else deleted. One query for a page."""
    merged = [person for person in persons if person.merged_into_id is not None]
    if not merged:
        return {}
    survivors = dict(
        Person.objects.visible_to(user)
        .filter(pk__in={person.merged_into_id for person in merged})
        .values_list("pk", "public_id")
    )
    return {
        person.pk: (
            {"id": str(person.public_id), "merged_into": str(survivors[person.merged_into_id])}
            if person.merged_into_id in survivors
            else {"id": str(person.public_id), "deleted": True}
        )
        for person in merged
    }
