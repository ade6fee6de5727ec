"""The audit trail's hash chains: one per organisation and one for events with no organisation.

Each event has a position in its chain (1, 2, 3, … with no gap) and a hash over a canonical
serialisation of the row and the hash of the event before it, so that deleting, changing,
reordering or back-dating an event breaks the chain where it happened (`manage.py verify_audit`).

On PostgreSQL a trigger (migration 0017) dates each row, takes its position and computes its
hash, under an advisory lock per chain, so that a role writing raw SQL cannot skip it; the app
sends neither. On SQLite (the demo, the suite) this module does the same in Python, with the same
serialisation, so the two agree to the byte (a test compares them on PostgreSQL).

The canonical form is the text PostgreSQL gives `jsonb_build_array(…)::text` for the row's
values in a fixed order; its JSON values (`fields`, `changes`) are written here as jsonb writes
them: keys shorter first, then bytewise; `", "` and `": "` between items.

Subjects (the persons an event names when it names several) are written after their event, in
the same transaction; the event carries `subjects_digest`, a SHA-256 over its subjects' sorted
public ids, which the event's hash covers. `verify_audit` recomputes the digest from the subject
rows, so a subject added, removed or changed afterwards is found as surely as a change of the
event itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection

GENESIS = ""


def _key_text(key) -> str:
    if isinstance(key, str):
        return key
    return json.dumps(key)  # as json.dumps writes a non-string key: true, null, 1


class _HasFloat(Exception):
    pass


_PLAIN = (str, int, type(None))  # bool is an int


def _in_jsonb_order(value):
    """`value` with every object's keys in jsonb's order (shorter first, then bytewise)."""
    if isinstance(value, dict):
        if len(value) == 1:
            [(key, item)] = value.items()
            return {_key_text(key): item if type(item) in _PLAIN else _in_jsonb_order(item)}
        items = sorted(
            ((_key_text(key), item) for key, item in value.items()),
            key=lambda pair: (len(pair[0].encode()), pair[0].encode()),
        )
        return {key: _in_jsonb_order(item) for key, item in items}
    if isinstance(value, list | tuple):
        if all(type(item) in _PLAIN for item in value):
            return value
        return [_in_jsonb_order(item) for item in value]
    if isinstance(value, float):
        raise _HasFloat
    return value


# The C encoder; its default separators (", ", ": ") are jsonb's.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def jsonb_text(value) -> str:
    """`value` as PostgreSQL writes the jsonb it makes of it."""
    try:
        return _encode(_in_jsonb_order(value))
    except _HasFloat:
        return _slow_jsonb_text(value)


def _slow_jsonb_text(value) -> str:
    if isinstance(value, dict):
        items = sorted(
            ((_key_text(key), item) for key, item in value.items()),
            key=lambda pair: (len(pair[0].encode()), pair[0].encode()),
        )
        return "{" + ", ".join(f"{_encode(k)}: {_slow_jsonb_text(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_slow_jsonb_text(item) for item in value) + "]"
    if isinstance(value, float):
        # jsonb keeps numbers as numeric, written without an exponent.
        return format(Decimal(repr(value)), "f")
    return _encode(value)


def time_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _uuid_text(value) -> str | None:
    return None if value is None else str(value)


def _ip_text(event) -> str | None:
    if not event.ip:
        return None
    if ":" not in event.ip:
        return event.ip
    # As stored: an IPv6 address compressed, as PostgreSQL's inet writes it too.
    return type(event)._meta.get_field("ip").get_prep_value(event.ip) or None


def canonical(event, position: int, previous: str) -> str:
    """The text an event's hash is taken over (the trigger's `casework_audit_canonical`)."""
    row = [
        event.organisation_id,
        position,
        time_text(event.at),
        str(event.public_id),
        event.actor_id,
        event.actor_label,
        event.action,
        event.object_type,
        _uuid_text(event.object_id),
        _uuid_text(event.person_id),
        event.fields,
        event.changes,
        event.reason,
        _ip_text(event),
        event.request_id,
        event.subjects_digest,
        previous,
    ]
    try:
        # Only the JSON columns need jsonb's order; the row's other values are plain.
        row[10], row[11] = _in_jsonb_order(event.fields), _in_jsonb_order(event.changes)
    except _HasFloat:
        return _slow_jsonb_text(row)
    return _encode(row)


def link_hash(event, position: int, previous: str) -> str:
    return hashlib.sha256(canonical(event, position, previous).encode()).hexdigest()


def subjects_digest(person_ids: Iterable) -> str:
    """SHA-256 over the sorted public ids of the persons an event names; "" for none."""
    ids = sorted({str(person_id) for person_id in person_ids})
    if not ids:
        return ""
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


class SortedSubjectsDigest:
    """`subjects_digest` taken a chunk at a time over public ids met in ascending order, each
    once (as the database gives them ordered by public id): the same value, to the byte, without
    holding the ids. An id out of order is refused, since it would change the value."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._last: str | None = None
        self.count = 0

    def update(self, person_ids: Iterable) -> None:
        for person_id in person_ids:
            text = str(person_id)
            if self._last is not None:
                if text <= self._last:
                    raise ValueError("subjects must come in ascending order, each once")
                self._hash.update(b"\n")
            self._hash.update(text.encode())
            self._last = text
            self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest() if self._last is not None else ""


def heads(model, chain_keys: Iterable) -> dict:
    """The last (position, hash) of each chain named (an organisation's id, or None)."""
    found = {}
    for key in set(chain_keys):
        last = (
            model.objects.filter(organisation_id=key, chain_position__isnull=False)
            .order_by("-chain_position")
            .values_list("chain_position", "chain_hash")
            .first()
        )
        found[key] = last or (0, GENESIS)
    return found


def link(events: list, chain_heads: dict) -> None:
    """Give each event its position and hash after the head of its chain (`chain_heads`,
    updated in place), in the order given."""
    for event in events:
        position, previous = chain_heads[event.organisation_id]
        position += 1
        event.chain_position = position
        event.chain_hash = link_hash(event, position, previous)
        chain_heads[event.organisation_id] = (position, event.chain_hash)


def chained_by_database() -> bool:
    return connection.vendor == "postgresql"
