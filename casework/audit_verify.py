"""Checking the audit trail's hash chains (`manage.py verify_audit`), and against its external copy.

Walking each chain in the order of its positions, an event must
- have the next position (a gap is a deleted event; an event outside the chain was written with
  the chain's trigger off);
- hash, with the hash of the event before it, to its own hash (a changed, reordered or inserted
  event does not: each hash covers the row, its position and the hash before);
- be dated no earlier than the event before it (the trigger dates events in chain order under the
  chain's lock: an earlier date is a back-dated insertion);
- name the persons its subjects digest says (a subject added, removed or changed afterwards).

A chain can still be extended or cut at its head by someone who owns the table and links the
forgery correctly; the external copy (audit_copy: one JSON line per committed event, kept outside
the database) finds that: every event of the copy must be in the database with the same position
and hash, and every event of the database in the copy.

On PostgreSQL the canonical text of each row is made by the database (the trigger's own function,
`casework_audit_canonical`), so its jsonb is read exactly as it was hashed; on SQLite by
`audit_chain`, as the app hashed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models.functions import Coalesce

from casework.models import AuditEvent, AuditEventSubject, Organisation, audit_chain

NO_ORGANISATION = "none"

_ROWS_SQL = """
SELECT e.id, e.public_id::text, e.organisation_id, e.chain_position, e.chain_hash, e.at,
       e.subjects_digest,
       encode(sha256(convert_to(casework_audit_canonical(
           e, e.chain_position, coalesce(lag(e.chain_hash) OVER chain, '')), 'UTF8')), 'hex')
  FROM casework_auditevent e
 {where}
WINDOW chain AS (PARTITION BY coalesce(e.organisation_id, 0) ORDER BY e.chain_position, e.id)
 ORDER BY coalesce(e.organisation_id, 0), e.chain_position NULLS LAST, e.id
"""


@dataclass(frozen=True)
class Problem:
    chain: str
    position: int | None
    public_id: str | None
    what: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "no position"
        event = f" (event {self.public_id})" if self.public_id else ""
        return f"chain {self.chain}, {where}{event}: {self.what}"


@dataclass
class Report:
    events: int = 0
    chains: int = 0
    copied: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Row:
    pk: int
    public_id: str
    organisation_id: int | None
    position: int | None
    hash: str
    at: object
    subjects_digest: str
    recomputed: str


class CopyUnreadable(ValueError):
    pass


def verify(organisation: Organisation | str | None = None, against: Iterable[str] | None = None):
    """Check every chain, or one (an organisation, or NO_ORGANISATION for the events of none);
    with `against` (the lines of the external copy), compare them with it too."""
    scoped = organisation is not None
    org_id = organisation.pk if isinstance(organisation, Organisation) else None
    copy = _read_copy(against, scoped=scoped, org_id=org_id) if against is not None else None
    report = Report(copied=None if copy is None else len(copy))
    names = dict(Organisation.objects.values_list("pk", "slug"))
    subjects = _subjects(scoped, org_id)
    chain_key = object()
    previous: _Row | None = None
    for row in _rows(scoped, org_id):
        report.events += 1
        name = names.get(row.organisation_id, NO_ORGANISATION)
        if row.organisation_id != chain_key:
            chain_key, previous = row.organisation_id, None
            report.chains += 1

        def problem(what: str, row=row, name=name) -> None:
            report.problems.append(Problem(name, row.position, row.public_id, what))

        _check_link(row, previous, problem)
        digest = audit_chain.subjects_digest(subjects.get(row.pk, ()))
        if digest != row.subjects_digest:
            problem("the persons it names are not those it was written with")
        if copy is not None:
            _check_copy(row, copy.pop(row.public_id, None), problem)
        if row.position is not None:
            previous = row
    for public_id, entry in (copy or {}).items():
        report.problems.append(
            Problem(
                names.get(entry.get("organisation_id"), NO_ORGANISATION),
                entry.get("chain_position"),
                public_id,
                "in the external copy but not in the database (deleted)",
            )
        )
    return report


def _check_link(row: _Row, previous: _Row | None, problem) -> None:
    if row.position is None:
        problem("not linked into its chain (written with the chain's trigger off)")
        return
    expected = 1 if previous is None else (previous.position or 0) + 1
    if row.position > expected:
        missing = row.position - expected
        problem(f"{missing} event(s) missing before it (position {expected} expected): deleted")
    elif row.position < expected:
        problem(f"position {expected} expected: reordered or inserted")
    if row.recomputed != row.hash:
        problem("its hash does not match: changed, reordered or inserted")
    if previous is not None and row.at < previous.at:
        problem("dated before the event before it: back-dated")


def _check_copy(row: _Row, entry: dict | None, problem) -> None:
    if entry is None:
        problem("not in the external copy (forged, or its copy was lost)")
        return
    for name, value in (
        ("chain_position", row.position),
        ("chain_hash", row.hash),
        ("organisation_id", row.organisation_id),
    ):
        if entry.get(name) != value:
            problem(f"differs from the external copy ({name})")
            return


def _read_copy(lines: Iterable[str], *, scoped: bool, org_id) -> dict[str, dict]:
    copy: dict[str, dict] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
            public_id = str(entry["public_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CopyUnreadable(f"line {number} of the copy is no audit event") from exc
        if scoped and entry.get("organisation_id") != org_id:
            continue
        # An event's last line is its copy: the demo's seed links the events already there
        # again after its invented past, and copies them again (casework/demo/audit_history.py).
        copy[public_id] = entry
    return copy


def _subjects(scoped: bool, org_id) -> dict[int, list]:
    rows = AuditEventSubject.objects.all()
    if scoped:
        rows = rows.filter(event__organisation_id=org_id)
    named: dict[int, list] = {}
    for event_id, person_id in rows.values_list("event_id", "person_id").iterator():
        named.setdefault(event_id, []).append(person_id)
    return named


def _rows(scoped: bool, org_id) -> Iterator[_Row]:
    if connection.vendor == "postgresql":
        yield from _rows_by_database(scoped, org_id)
    else:
        yield from _rows_by_app(scoped, org_id)


def _rows_by_database(scoped: bool, org_id) -> Iterator[_Row]:
    where, params = (
        ("WHERE coalesce(e.organisation_id, 0) = %s", [org_id or 0])
        if scoped
        else (
            "",
            [],
        )
    )
    # A fixed statement; the only value is a parameter.
    statement = _ROWS_SQL.format(where=where)
    with connection.chunked_cursor() as cursor:
        cursor.execute(statement, params)
        while batch := cursor.fetchmany(5000):
            for values in batch:
                yield _Row(*values)


def _rows_by_app(scoped: bool, org_id) -> Iterator[_Row]:
    events = AuditEvent.objects.order_by(Coalesce("organisation", 0), "chain_position", "id")
    if scoped:
        events = events.filter(organisation_id=org_id)
    chain, previous = object(), audit_chain.GENESIS
    for event in events.iterator(chunk_size=5000):
        if event.organisation_id != chain:
            chain, previous = event.organisation_id, audit_chain.GENESIS
        recomputed = (
            hashlib.sha256(
                audit_chain.canonical(event, event.chain_position, previous).encode()
            ).hexdigest()
            if event.chain_position is not None
            else ""
        )
        if event.chain_position is not None:
            previous = event.chain_hash
        yield _Row(
            event.pk,
            str(event.public_id),
            event.organisation_id,
            event.chain_position,
            event.chain_hash,
            event.at,
            event.subjects_digest,
            recomputed,
        )
