"""An invented audit trail of realistic size, for measuring the pages that read the trail.

`seed_demo --audit-events N` adds N events to a seeded demo database, dated over the last two
years (working hours more than nights), spread over the organisations in proportion to the
persons they hold, and over each organisation's staff and persons: mostly sensitive reads, then
changes, notes, status changes, logins and logouts, some refusals, failed logins, break-glass
and exports, and a partner's reads of the persons shared with it. Ids grow with time, as in a
real trail. Everything is drawn from one `random.Random(seed)`; the history ends at the moment
it is written.

The trail refuses a back-dated event: on PostgreSQL the chain's trigger dates every INSERT with
the database's clock and links it into its organisation's hash chain (migration 0016). The
invented past is written with that trigger suspended inside the same transaction (ALTER TABLE
holds its lock until the commit, so no other session writes an event while it is off; it needs
the table's owner, the role that migrates), and linked here instead, as the trigger would have:
the history ends before the trail's first event, so each chain starts with its invented past, in
the order of time, and the events already there (the seed's, dated now) are linked again after
it. `verify_audit` accepts the result. The events come with an event of their own, written after
the trigger is back and dated now, saying how many invented events were added: it also marks
the history as complete.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework import audit
from casework.audit import AuditAction
from casework.classification import FIELDS, Sens
from casework.demo import bulk
from casework.demo.seed import DEMO_ORG_SLUG
from casework.models import (
    AuditEvent,
    Organisation,
    Person,
    Role,
    SharedCase,
    User,
    audit_chain,
    audit_copy,
)

HISTORY_REASON = "seed_demo_audit_history"
DAYS = 730
BATCH = 20_000
# The chain's trigger dates and links each event (0016); the append-only one refuses the
# re-linking of the events already there.
SUSPENDED_TRIGGERS = ("casework_audit_chain", "casework_audit_append_only")

PERSON_SENSITIVE = sorted(n for n, s in FIELDS["Person"].items() if s == Sens.SENSITIVE)
STATUSES = ["reported", "verifying", "located", "identity_confirmed", "cleared_for_return"]
# Staff of an organisation act on the trail in these proportions (per person of the role).
ROLE_WEIGHT = {
    Role.CASEWORKER: 6.0,
    Role.INTAKE: 3.0,
    Role.SUPERVISOR: 3.0,
    Role.DPO: 1.0,
    Role.ADMIN: 0.2,
}
# Working hours in the organisations' time (UTC+3) weigh more than the night.
HOUR_WEIGHT = [1, 1, 1, 1, 2, 6, 10, 12, 12, 12, 11, 12, 12, 11, 10, 8, 5, 3, 2, 2, 1, 1, 1, 1]


class HistoryAlreadyAdded(Exception):
    def __init__(self, event: AuditEvent):
        super().__init__("The invented audit history is already there.")
        self.event = event


class HistoryNotWritable(Exception):
    pass


@dataclass
class Actor:
    user_id: int
    username: str
    public_id: uuid.UUID
    role: str
    address: str


@dataclass
class Tenant:
    org_id: int
    persons: list[uuid.UUID]
    staff: list[Actor]
    staff_weights: list[float]
    partner: Actor | None = None
    shared: list[uuid.UUID] = field(default_factory=list)


def existing_history() -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(action=AuditAction.IMPORT, reason=HISTORY_REASON)
        .order_by("id")
        .first()
    )


def add_history(*, events: int, seed: int, log: Callable[[str], None] = print) -> int:
    """Add `events` invented events (and the event that says so); returns how many were added.
    Raises HistoryAlreadyAdded when a history was added before (nothing is changed then)."""
    done = existing_history()
    if done is not None:
        raise HistoryAlreadyAdded(done)
    rng = random.Random(seed)
    tenants = _tenants(rng)
    if not tenants:
        raise HistoryNotWritable("No organisation with persons and staff: seed the demo first.")
    admin = User.objects.filter(username="admin").first()
    written = 0
    with transaction.atomic(), _dated_as_given():
        # Read under the suspension's lock: no event is added meanwhile.
        first = AuditEvent.objects.order_by("at").values_list("at", flat=True).first()
        end = first - dt.timedelta(milliseconds=1) if first else timezone.now()
        already = _set_aside_existing()
        heads = {tenant.org_id: (0, audit_chain.GENESIS) for tenant, _weight in tenants}
        batch: list[AuditEvent] = []
        for event in _events(rng, tenants, events, end):
            batch.append(event)
            if len(batch) == BATCH:
                _write(batch, heads)
                written += len(batch)
                batch = []
                log(f"  {written:>9} / {events} audit events")
        _write(batch, heads)
        written += len(batch)
        _link_again(already, heads)
    with transaction.atomic():
        audit.record(
            admin,
            AuditAction.IMPORT,
            Organisation.objects.filter(slug=DEMO_ORG_SLUG).first(),
            changes={"invented_events": written, "seed": seed, "days": DAYS},
            reason=HISTORY_REASON,
        )
    return written


def _write(batch: list[AuditEvent], heads: dict) -> None:
    audit_chain.link(batch, heads)
    bulk.insert(AuditEvent, batch, keep_dates=True)
    if audit_copy.configured():
        audit_copy.after_commit(batch)


def _set_aside_existing() -> dict[int | None, list[int]]:
    """The events already there, by chain in chain order, moved to negative positions so that
    the invented past can take the first ones."""
    already: dict[int | None, list[int]] = {}
    rows = AuditEvent.objects.order_by("organisation_id", "chain_position", "id")
    for pk, org_id in rows.values_list("id", "organisation_id"):
        already.setdefault(org_id, []).append(pk)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        # A fixed statement on the model's own table.
        cursor.execute(
            f"UPDATE {table} SET chain_position = -chain_position"  # noqa: S608 # nosec B608
        )
    return already


def _link_again(already: dict[int | None, list[int]], heads: dict) -> None:
    """Link the events that were there before after the invented past of their chain, and copy
    them again at their new places (the copy's last line for an event is the one compared)."""
    for org_id, ids in already.items():
        _link_chain_again(org_id, ids, heads)
    if audit_copy.configured():
        ids = [pk for chain in already.values() for pk in chain]
        audit_copy.after_commit(list(AuditEvent.objects.filter(pk__in=ids).order_by("id")))


def _link_chain_again(org_id, ids: list[int], heads: dict) -> None:
    position, previous = heads.get(org_id, (0, audit_chain.GENESIS))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT casework_audit_rechain(%s::bigint[], %s, %s)", [ids, position, previous]
            )
        return
    events = AuditEvent.objects.in_bulk(ids)
    ordered = [events[pk] for pk in ids]
    audit_chain.link(ordered, {org_id: (position, previous)})
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            # A fixed statement on the model's own table; values as parameters.
            f"UPDATE {table} SET chain_position = %s, chain_hash = %s "  # noqa: S608 # nosec B608
            "WHERE id = %s",
            [(e.chain_position, e.chain_hash, e.pk) for e in ordered],
        )


@contextmanager
def _dated_as_given() -> Iterator[None]:
    """Suspend the database's dating and linking of audit rows, and their protection from
    change, for the current transaction (PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield
        return
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    # ALTER TABLE refuses while foreign-key checks of this transaction wait for its end: they
    # run at each statement's end instead, until the triggers are back.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for trigger in SUSPENDED_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    except DatabaseError as exc:
        raise HistoryNotWritable(
            "Could not suspend the audit trail's dating for the invented past (this needs the "
            f"audit table's owner, the role that runs migrate): {exc}"
        ) from exc
    yield
    with connection.cursor() as cursor:
        for trigger in SUSPENDED_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- who and what ------------------------------------------------------------------------------


def _tenants(rng: random.Random) -> list[tuple[Tenant, int]]:
    """Each organisation with persons and staff, and its number of persons (its weight)."""
    users_by_org: dict[int, list[User]] = {}
    for user in User.objects.filter(is_active=True).order_by("id"):
        users_by_org.setdefault(user.organisation_id, []).append(user)
    partners = {
        user.organisation_id: user
        for users in users_by_org.values()
        for user in users
        if user.role == Role.PARTNER
    }
    found = []
    for org in Organisation.objects.filter(is_partner_only=False).order_by("id"):
        persons = list(
            Person.objects.filter(organisation=org)
            .order_by("id")
            .values_list("public_id", flat=True)
        )
        staff = [
            _actor(rng, user) for user in users_by_org.get(org.pk, []) if user.role in ROLE_WEIGHT
        ]
        if not persons or not staff:
            continue
        shares = SharedCase.objects.filter(agreement__owner=org).order_by("id")
        tenant = Tenant(
            org_id=org.pk,
            persons=persons,
            staff=staff,
            staff_weights=list(accumulate(ROLE_WEIGHT[a.role] for a in staff)),
        )
        share = shares.select_related("agreement").first()
        if share is not None and share.agreement.partner_id in partners:
            tenant.partner = _actor(rng, partners[share.agreement.partner_id])
            tenant.shared = list(shares.values_list("person__public_id", flat=True))
        found.append((tenant, len(persons)))
    return found


def _actor(rng: random.Random, user: User) -> Actor:
    address = f"10.{20 + user.organisation_id % 200}.{rng.randrange(256)}.{rng.randrange(2, 250)}"
    return Actor(user.pk, user.username, user.public_id, user.role, address)


def _moments(rng: random.Random, n: int, end: dt.datetime) -> list[dt.datetime]:
    """`n` moments of the last DAYS days, in order, working hours more often than nights."""
    hours = list(accumulate(HOUR_WEIGHT))
    offsets = []
    for _ in range(n):
        hour = bisect.bisect_right(hours, rng.random() * hours[-1])
        seconds = rng.randrange(DAYS) * 86400 + (hour - 3) * 3600 + rng.random() * 3600
        offsets.append(seconds)
    offsets.sort()
    start = end - dt.timedelta(days=DAYS)
    return [min(start + dt.timedelta(seconds=s), end) for s in offsets]


def _events(rng, tenants, n: int, end: dt.datetime) -> Iterator[AuditEvent]:
    weights = list(accumulate(w for _, w in tenants))
    kinds = list(accumulate(w for w, _ in KINDS))
    for at in _moments(rng, n, end):
        tenant = tenants[bisect.bisect_right(weights, rng.random() * weights[-1])][0]
        make = KINDS[bisect.bisect_right(kinds, rng.random() * kinds[-1])][1]
        actor = tenant.staff[
            bisect.bisect_right(tenant.staff_weights, rng.random() * tenant.staff_weights[-1])
        ]
        values = make(rng, tenant, actor)
        who = values.pop("actor", actor)
        yield AuditEvent(
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            at=at,
            actor_id=who.user_id if who else None,
            actor_label=who.username if who else "anonymous",
            organisation_id=tenant.org_id,
            ip=who.address if who else f"198.51.100.{rng.randrange(1, 255)}",
            request_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            **{"fields": [], "changes": {}, "reason": "", **values},
        )


def _person(rng, tenant) -> uuid.UUID:
    return tenant.persons[rng.randrange(len(tenant.persons))]


def _read(rng, tenant, actor) -> dict:
    person = _person(rng, tenant)
    return {
        "action": AuditAction.READ_SENSITIVE,
        "object_type": "Person",
        "object_id": person,
        "person_id": person,
        "fields": sorted(rng.sample(PERSON_SENSITIVE, rng.randint(2, 6))),
        "changes": {"level": "sensitive"},
    }


def _page_read(rng, tenant, actor) -> dict:
    records = [str(_person(rng, tenant)) for _ in range(rng.randint(5, 50))]
    return {
        "action": AuditAction.READ_SENSITIVE,
        "object_type": "",
        "fields": ["region_of_origin"],
        "changes": {"view": "person_list", "records": records},
    }


def _restricted_read(rng, tenant, actor) -> dict:
    person = _person(rng, tenant)
    return {
        "action": AuditAction.READ_RESTRICTED,
        "object_type": "LegalProceeding",
        "object_id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "person_id": person,
        "fields": ["court", "charges", "status"],
        "changes": {"level": "restricted"},
    }


def _partner_read(rng, tenant, actor) -> dict:
    if tenant.partner is None or not tenant.shared:
        return _read(rng, tenant, actor)
    person = tenant.shared[rng.randrange(len(tenant.shared))]
    return {
        "actor": tenant.partner,
        "action": AuditAction.READ_SENSITIVE,
        "object_type": "Person",
        "object_id": person,
        "person_id": person,
        "fields": ["region_of_origin"],
        "changes": {"level": "partner"},
    }


def _update(rng, tenant, actor) -> dict:
    person = _person(rng, tenant)
    name = rng.choice(PERSON_SENSITIVE)
    return {
        "action": AuditAction.UPDATE,
        "object_type": "Person",
        "object_id": person,
        "person_id": person,
        "changes": {name: [audit.REDACTED, audit.REDACTED]},
    }


def _note(rng, tenant, actor) -> dict:
    return {
        "action": AuditAction.CREATE,
        "object_type": rng.choice(["Note", "Note", "Note", "Placement", "Relationship"]),
        "object_id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "person_id": _person(rng, tenant),
    }


def _status(rng, tenant, actor) -> dict:
    person = _person(rng, tenant)
    before = rng.randrange(len(STATUSES) - 1)
    return {
        "action": AuditAction.STATUS_CHANGE,
        "object_type": "Person",
        "object_id": person,
        "person_id": person,
        "changes": {"status": [STATUSES[before], STATUSES[before + 1]]},
        "reason": "New information from the family.",
    }


def _session(action: str, changes: dict | None = None) -> Callable:
    def make(rng, tenant, actor) -> dict:
        return {
            "action": action,
            "object_type": "User",
            "object_id": actor.public_id,
            "changes": dict(changes or {}),
        }

    return make


def _login_failed(rng, tenant, actor) -> dict:
    return {
        "actor": None,
        "action": AuditAction.LOGIN_FAILED,
        "object_type": "User",
        "object_id": actor.public_id,
        "changes": {"username_length": len(actor.username)},
    }


def _denied(rng, tenant, actor) -> dict:
    return {
        "action": AuditAction.DENIED,
        "object_type": "Person",
        "changes": {"attempted": "view_person", "answered": "404"},
    }


def _break_glass(rng, tenant, actor) -> dict:
    person = _person(rng, tenant)
    return {
        "action": AuditAction.BREAK_GLASS,
        "object_type": "Person",
        "object_id": person,
        "person_id": person,
        "changes": {"grant": str(uuid.UUID(int=rng.getrandbits(128), version=4))},
        "reason": "The family called from the camp; her caseworker is on leave.",
    }


def _export(rng, tenant, actor) -> dict:
    return {
        "action": AuditAction.EXPORT,
        "object_type": "",
        "fields": ["public_id", "display_name", "sex", "birth_year", "status"],
        "changes": {"rows": rng.randint(20, 4000), "identifiable": False, "filters": {}},
        "reason": "Monthly figures for the donors' report.",
    }


KINDS: list[tuple[float, Callable]] = [
    (46, _read),
    (5, _page_read),
    (2, _restricted_read),
    (4, _partner_read),
    (8, _update),
    (9, _note),
    (4, _status),
    (9, _session(AuditAction.LOGIN)),
    (6, _session(AuditAction.LOGOUT)),
    (2, _session(AuditAction.SECOND_FACTOR, {"recovery_codes": "regenerated"})),
    (1.5, _login_failed),
    (2, _denied),
    (0.5, _break_glass),
    (1, _export),
]
