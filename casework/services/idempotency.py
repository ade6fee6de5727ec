"""`Idempotency-Key` on API writes: the same key and body give one record and the same response;
the same key with another request is refused (422). A key is the caller's own (per user).

The write and the key's record commit in one transaction, so a key is never recorded for a write
that rolled back, and a write never commits without its key. Two requests racing with one key: the
second's insert of the key fails on the unique constraint, its write rolls back, and it answers
with the first one's response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from casework.models import IdempotencyRecord

KEY_MAX_LENGTH = 200  # IdempotencyRecord.key


class IdempotencyKeyError(ValueError):
    """The key itself is unusable (empty, too long, not printable ASCII)."""


class IdempotencyKeyReused(Exception):
    """The key was already used with another request: nothing was done."""


class _LostRace(Exception):
    pass


def request_fingerprint(method: str, path: str, payload) -> str:
    canonical = json.dumps(
        [method.upper(), path, payload], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_key(key: str) -> str:
    key = key.strip()
    if not key:
        raise IdempotencyKeyError("The Idempotency-Key is empty.")
    if len(key) > KEY_MAX_LENGTH:
        raise IdempotencyKeyError(f"The Idempotency-Key is longer than {KEY_MAX_LENGTH} chars.")
    if not all(0x21 <= ord(char) <= 0x7E for char in key):
        raise IdempotencyKeyError("The Idempotency-Key must be printable ASCII without spaces.")
    return key


def _replay(record: IdempotencyRecord, fingerprint: str):
    if record.body_sha256 != fingerprint:
        raise IdempotencyKeyReused()
    body = record.response_body
    return record.status_code, body.get("data"), body.get("headers") or {}, True


def _find(user, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def idempotency_run(
    *, user, key: str, method: str, path: str, payload, perform: Callable[[], tuple]
) -> tuple[int, object, dict, bool]:
    """`perform()` → (status, json data, headers), done at most once per (user, key).

    Returns (status, data, headers, replayed). Only successful responses are kept: a refused
    request wrote nothing, so the caller may fix it and retry with the same key."""
    key = _check_key(key)
    fingerprint = request_fingerprint(method, path, payload)
    existing = _find(user, key)
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            status, data, headers = perform()
            if status >= 300:
                return status, data, headers, False
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        method=method.upper()[:10],
                        path=path[:300],
                        body_sha256=fingerprint,
                        status_code=status,
                        response_body={"data": data, "headers": dict(headers or {})},
                    )
            except IntegrityError:
                raise _LostRace() from None
    except _LostRace:
        return _replay(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)
    return status, data, headers, False
