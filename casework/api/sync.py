"""A partner's change feed: every change to what the partner sees, in an order no commit can
overtake, each delivered as the person's state when the page is read.

What it reads: the partner's rows of the change outbox (models/sync.py), written in the same
transaction as each change. The cursor is the position of the last row delivered; a page is the
rows after it, oldest first.

No skip: on PostgreSQL a row's position is its transaction's id, then its own id, and only rows of
transactions that ended before every transaction still running began are delivered (below the
snapshot's xmin). Any row that commits later belongs to a transaction that was running then, or
began later: its id is at or above that xmin, so after every position handed out. Nothing waits on
a clock. On SQLite one transaction writes at a time, so the row ids are already in commit order.
(A transaction's own rows are final to itself: the feed read inside a test's transaction, or a
command's, sees them. A request reads the feed outside any transaction.)

One delivery per change: of a person's rows only the last is delivered (it tells their state as
well as any earlier one), so a person comes again only for a change after they were delivered.

What is delivered (`Change`): the person when the partner sees them now; else a tombstone,
`{"id", "tombstone": true, "deleted": true}` (unshared, deleted, agreement ended). A person merged
into one the partner sees is `{"id", "tombstone": true, "merged_into"}`, in the feed and in the
list alike (`merged_tombstones`); merged into one it does not see: deleted.

The same rows and positions make the feed of the reports a partner sent (`feed_page` with
`FeedRecord.REPORT`): each report that changed, as it reads now.

Audit: a page of the feed is a read of every person it delivers as a record (not as a tombstone),
recorded where it is presented (`presenters.present_persons`), like the list's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import Exists, Func, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Cast

from casework.api.exceptions import InvalidCursor
from casework.models import ChangeOutbox, Person, PersonName
from casework.models.sync import FeedRecord, TransactionIdField
from casework.services.partner_feed import partner_feed_catch_up

_CURSOR_SALT = "casework.api.change-outbox"


@dataclass(frozen=True)
class Position:
    """Where a row stands in the feed: (transaction id, row id); the transaction id is 0 on
    SQLite."""

    txid: int
    row: int

    def encode(self) -> str:
        return signing.dumps({"x": self.txid, "i": self.row}, salt=_CURSOR_SALT)

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            data = signing.loads(cursor, salt=_CURSOR_SALT)
            txid, row = data["x"], data["i"]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise InvalidCursor() from None
        if not all(type(n) is int and 0 <= n < 2**63 for n in (txid, row)):
            raise InvalidCursor()
        return cls(txid, row)


@dataclass(frozen=True)
class Change:
    public_id: uuid.UUID
    person: Person | None  # None: the partner no longer sees them


class _SnapshotXmin(Func):
    template = "pg_snapshot_xmin(pg_current_snapshot())"
    output_field = TransactionIdField()


class _OwnTransactionId(Func):
    template = "pg_current_xact_id_if_assigned()"
    output_field = TransactionIdField()


def _transaction_id(value: int):
    return Cast(Value(str(value)), TransactionIdField())


def _later(txid, pk) -> Q:
    """Rows after the position (txid, pk): values or references to an outer row's. (The first
    term alone bounds an index scan; the rest leaves out the position's own transaction's rows
    up to it.)"""
    if connection.vendor != "postgresql":
        return Q(pk__gt=pk)
    return Q(txid__gte=txid) & (Q(txid__gt=txid) | Q(pk__gt=pk))


def _in_feed_order(rows, after: Position | None):
    """The rows to deliver after `after`, in order: final ones (see the module's docstring), each
    the last of its person's (an earlier one is answered by the later, which says the same)."""
    superseded = Exists(
        rows.filter(
            _later(OuterRef("txid"), OuterRef("pk")),
            partner_id=OuterRef("partner_id"),
            person_public_id=OuterRef("person_public_id"),
        )
    )
    rows = rows.filter(~superseded)
    if connection.vendor != "postgresql":
        return (rows.filter(_later(None, after.row)) if after else rows).order_by("pk")
    rows = rows.filter(Q(txid__lt=_SnapshotXmin()) | Q(txid=_OwnTransactionId()))
    if after is not None:
        rows = rows.filter(_later(_transaction_id(after.txid), after.row))
    return rows.order_by("txid", "pk")


def feed_page(
    user, cursor: str | None, limit: int, record: str
) -> tuple[list[uuid.UUID], str | None, bool]:
    """The public ids of the records of kind `record` (`FeedRecord`) changed in the next `limit`
    rows after `cursor` of a partner user's feed: (ids in feed order, next cursor, more)."""
    after = Position.decode(cursor) if cursor else None
    rows = ChangeOutbox.objects.visible_to(user).filter(record=record)
    rows = list(
        _in_feed_order(rows, after).values_list("txid", "pk", "person_public_id")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return [], cursor, False
    txid, pk, _public_id = rows[-1]
    return [public_id for _txid, _pk, public_id in rows], Position(txid or 0, pk).encode(), has_more


def changes_since(user, cursor: str | None, limit: int) -> tuple[list[Change], str | None, bool]:
    """The changes of the next `limit` rows after `cursor` for a partner user:
    (changes, next cursor, more)."""
    partner_feed_catch_up(partner_id=user.organisation_id)
    order, next_cursor, has_more = feed_page(user, cursor, limit, FeedRecord.PERSON)
    if not order:
        return [], next_cursor, has_more
    seen = (
        Person.objects.visible_to(user)
        .filter(public_id__in=order)
        .select_related("organisation", "team", "assigned_to")
        .prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id"))
        )
    )
    persons = {person.public_id: person for person in seen}
    changes = [Change(public_id, persons.get(public_id)) for public_id in order]
    return changes, next_cursor, has_more


def deleted_tombstone(public_id) -> dict[str, Any]:
    return {"id": str(public_id), "tombstone": True, "deleted": True}


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
            {
                "id": str(person.public_id),
                "tombstone": True,
                "merged_into": str(survivors[person.merged_into_id]),
            }
            if person.merged_into_id in survivors
            else deleted_tombstone(person.public_id)
        )
        for person in merged
    }
