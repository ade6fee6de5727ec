"""A copy of every audit event outside the database: one JSON line per event, after its commit.

The copy goes to the logger `casework.audit.copy`, which production sends to a file or to syslog
(`AUDIT_COPY_FILE` / `AUDIT_COPY_SYSLOG`; `check --deploy` refuses without one). Each line carries
the event's chain position and hash, so `verify_audit --against FILE` finds what the chain alone
cannot: a forged event at the head of a chain (linked correctly by someone who owns the table),
or the head's last events removed.

Only committed events are copied: an event rolled back with its change never happened.
"""

from __future__ import annotations

import json
import logging

from django.db import transaction

from casework.models import audit_chain

LOGGER_NAME = "casework.audit.copy"
logger = logging.getLogger(LOGGER_NAME)


def configured() -> bool:
    """Whether the copy goes anywhere (a handler that is not a NullHandler)."""
    return any(not isinstance(h, logging.NullHandler) for h in logger.handlers)


def line(event) -> str:
    return json.dumps(
        {
            "public_id": str(event.public_id),
            "organisation_id": event.organisation_id,
            "chain_position": event.chain_position,
            "chain_hash": event.chain_hash,
            "at": audit_chain.time_text(event.at),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": str(event.action),
            "object_type": event.object_type,
            "object_id": None if event.object_id is None else str(event.object_id),
            "person_id": None if event.person_id is None else str(event.person_id),
            "fields": event.fields,
            "changes": event.changes,
            "reason": event.reason,
            "ip": event.ip or None,
            "request_id": event.request_id,
            "subjects_digest": event.subjects_digest,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def write(events) -> None:
    for event in events:
        logger.info(line(event))


def after_commit(events: list) -> None:
    if not configured():
        return
    events = list(events)
    # At once outside a transaction; after the commit inside one, never for a rollback.
    transaction.on_commit(lambda: write(events))
