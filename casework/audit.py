"""Writing the audit trail.

Every service writes its event through `record` inside the transaction of the change it describes,
so a change and its audit row commit or roll back together. Sensitive values never enter the
trail: a diff names a sensitive field as changed but shows neither value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from itertools import islice

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connections, models, transaction
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from casework import request_context
from casework.classification import FIELDS, SHAREABLE_PERSON_RECORDS, Sens
from casework.levels import Level
from casework.models import AuditEvent, AuditEventSubject, Person, User, audit_chain

REDACTED = "[redacted]"
SUBJECT_BATCH = 5000  # persons an event names, written (and held) at a time


class AuditAction(models.TextChoices):
    """What an event records; the label is what the history and the audit trail show."""

    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    STATUS_CHANGE = "status_change", _("status changed")
    READ_SENSITIVE = "read_sensitive", _("sensitive data read")
    READ_RESTRICTED = "read_restricted", _("restricted data read")
    EXPORT = "export", _("exported")
    IMPORT = "import", _("imported")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("sign-in failed")
    LOCKED_OUT = "locked_out", _("sign-in locked")
    LOGOUT = "logout", _("signed out")
    DENIED = "denied", _("refused")
    BREAK_GLASS = "break_glass", _("break-glass access")
    MERGE = "merge", _("merged")
    UNMERGE = "unmerge", _("merge undone")
    DECIDE_MATCH = "decide_match", _("match decided")
    SECOND_FACTOR = "second_factor", _("second factor")
    SESSION_ENDED = "session_ended", _("session ended")


def _label(actor) -> str:
    # A management command acts as an operator on the server, not as a user; it names itself.
    label = getattr(actor, "audit_label", None)
    if label:
        return str(label)[:150]
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return actor.get_username()


def _person_public_id(obj) -> uuid.UUID | None:
    if isinstance(obj, Person):
        return obj.public_id
    person = getattr(obj, "person", None)
    if isinstance(person, Person):
        return person.public_id
    return None


def _object_identity(obj) -> tuple[str, uuid.UUID | None]:
    if obj is None:
        return "", None
    # A model's own name, also through Django's lazy wrappers (request.user is a SimpleLazyObject).
    meta = getattr(obj, "_meta", None)
    name = meta.object_name if meta is not None else type(obj).__name__
    return name, getattr(obj, "public_id", None)


def _organisation_id(actor, obj) -> int | None:
    if obj is not None:
        org_id = getattr(obj, "organisation_id", None)
        if org_id is None:
            person = obj if isinstance(obj, Person) else getattr(obj, "person", None)
            org_id = getattr(person, "organisation_id", None)
        if org_id is not None:
            return org_id
    return getattr(actor, "organisation_id", None)


def record(
    actor,
    action: str,
    obj=None,
    *,
    fields: Iterable[str] = (),
    changes: dict | None = None,
    reason: str = "",
    person=None,
    organisation=None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it describes.

    `organisation` names the tenant the event belongs to when neither the object nor the actor
    says it (a token issued to a partner by a command-line operator)."""
    event = _event(
        actor,
        action,
        obj,
        fields=fields,
        changes=changes,
        reason=reason,
        person=person,
        organisation=organisation,
    )
    event.save()
    return event


def record_many(actor, action: str, entries: Iterable[tuple]) -> list[AuditEvent]:
    """`record` for many objects at once (a list import's new persons): one event per
    (obj, details) entry, `details` being `record`'s keyword arguments for that object, each event
    exactly as `record` would write it, all in one INSERT. Call it inside the transaction of the
    change."""
    events = [_event(actor, action, obj, **details) for obj, details in entries]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return events


def _event(
    actor, action, obj, *, fields=(), changes=None, reason="", person=None, organisation=None
) -> AuditEvent:
    context = request_context.current()
    object_type, object_id = _object_identity(obj)
    person_id = person.public_id if isinstance(person, Person) else _person_public_id(obj)
    return AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_label(actor),
        organisation_id=(
            organisation.pk if organisation is not None else _organisation_id(actor, obj)
        ),
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        fields=sorted(set(fields)),
        changes=_without_personal_values(obj, changes or {}),
        reason=reason,
        ip=context.ip,
        request_id=context.request_id,
    )


def _without_personal_values(obj, changes: dict) -> dict:
    """On a record about a person, a change (a field's [old, new]) keeps its values only for codes
    from a closed list (a status, a sex), relations (ids) and yes/no: a name, a date or free text
    shows as changed without its values, whatever its level (a birth year is as personal as the
    birth date it comes from). Audit rows hold ids and field names, never personal values, so
    that anonymising a person never has to touch the trail."""
    if not changes or _person_public_id(obj) is None:
        return changes
    by_name = {}
    for field in obj._meta.concrete_fields:
        by_name[field.name] = by_name[field.attname] = field
    kept = {}
    for name, value in changes.items():
        field = by_name.get(name)
        is_change = isinstance(value, list | tuple) and len(value) == 2
        is_code = (
            field is None
            or field.is_relation
            or field.choices
            or isinstance(field, models.BooleanField)
        )
        kept[name] = value if is_code or not is_change else [REDACTED, REDACTED]
    return kept


def record_outside_transaction(actor, action: str, obj=None, **kwargs) -> bool:
    """Write an event that must not be lost with the work around it (a denial, a failed login).

    Outside a transaction it is written at once. Inside one it would roll back with the caller's
    work, so it is not written here: the caller keeps it and hands it to `write_deferred` once the
    transaction is left (the request boundary does this for refusals). Returns whether it was
    written now.
    """
    if connections["default"].in_atomic_block:
        return False
    record(actor, action, obj, **kwargs)
    return True


def _write_or_defer(events: list[AuditEvent], exc=None) -> bool:
    """Write `events` now, outside any transaction; inside one, make `exc` (the refusal about to be
    raised) carry them to the request boundary, which writes them (`write_deferred`) after the
    transaction has rolled back. Either way `exc` is marked as audited, so the boundary does not
    record it a second time. Returns whether they were written now."""
    if exc is not None:
        exc.audited = True
    if not events:
        return True
    if not connections["default"].in_atomic_block:
        AuditEvent.objects.bulk_create(events)
        return True
    if exc is not None:
        exc.deferred_audit = [*(getattr(exc, "deferred_audit", None) or []), *events]
    return False


def _denial_changes(action, *, hidden: bool, detail: dict | None) -> dict:
    return {"attempted": str(action), "answered": "404" if hidden else "403", **(detail or {})}


def record_denial(user, action, obj, *, hidden: bool, exc=None, detail: dict | None = None) -> None:
    """A refusal: `changes` = {"attempted": the action or route, "answered": "403"/"404"} and
    `detail` (route, method, missing scope: never a value the caller sent)."""
    changes = _denial_changes(action, hidden=hidden, detail=detail)
    _write_or_defer([_event(user, AuditAction.DENIED, obj, changes=changes)], exc)


def record_not_visible(user, model, found, *, attempted: str, exc, detail: dict | None = None):
    """The 404 of a read gate: the id named no record the user may see (`found` is the record when
    it exists but is hidden from them, None when it does not exist).

    The answer is the same 404 either way, and so is what it writes: two denials in one INSERT,
    whatever the id named, so that neither the trail nor the time taken tells hidden from missing:
    - the prober's side, in the actor's organisation: the model's name as object type and no
      object id, the same for a hidden and a missing id (the actor's officer must not learn from
      the trail that another tenant holds that id);
    - the record's side: for a record that exists, the denial naming it (and its person) in the
      organisation that holds it, so its officer and the record's history see the probe; for an
      id that names nothing, the same denial without organisation or id (the operators' trail).
    Both paths cost the same queries: one look-up of the id, one insert.
    """
    changes = _denial_changes(attempted, hidden=True, detail=detail)
    object_type = model._meta.object_name

    def like_missing(organisation_id) -> AuditEvent:
        event = _event(user, AuditAction.DENIED, None, changes=changes)
        event.object_type = object_type
        event.organisation_id = organisation_id
        return event

    prober_side = like_missing(getattr(user, "organisation_id", None))
    if found is None:
        record_side = like_missing(None)
    else:
        record_side = _event(user, AuditAction.DENIED, found, changes=changes)
    _write_or_defer([prober_side, record_side], exc)


def record_token_refused(reason: str, *, token=None, exc=None, detail: dict | None = None) -> None:
    """An API request whose partner token was refused (authentication failure). Never the token:
    the reason, and for a token that exists, the token record (its public id) and its partner's
    organisation. Nobody authenticated, so the actor is anonymous."""
    changes = {"via": "api_token", "reason": reason, **(detail or {})}
    organisation = token.user.organisation if token is not None else None
    event = _event(
        None, AuditAction.LOGIN_FAILED, token, changes=changes, organisation=organisation
    )
    _write_or_defer([event], exc)


def write_deferred(exc) -> None:
    """Write the audit events a refusal carried out of a rolled-back transaction.

    Called at the request boundary (middleware, the API's exception handler), which runs outside
    any transaction of the app's own (ATOMIC_REQUESTS is off).
    """
    deferred = getattr(exc, "deferred_audit", None)
    if not deferred:
        return
    exc.deferred_audit = None
    AuditEvent.objects.bulk_create(deferred)


def _shows_sensitive(obj, fields: Iterable[str]) -> bool:
    meta = getattr(obj, "_meta", None)
    model = meta.object_name if meta is not None else ""
    classes = FIELDS.get(model, {})
    # A person's relationships, placements and the like are their working record: sensitive.
    records = SHAREABLE_PERSON_RECORDS if model == "Person" else ()
    return any(
        classes.get(name) in (Sens.SENSITIVE, Sens.RESTRICTED) or name in records for name in fields
    )


def _read_action(level, obj=None, fields: Iterable[str] = ()) -> str | None:
    """Which read event showing `fields` of `obj` at `level` is, or None for a read that is no
    event. A partner sees only what its agreement names: a read when that includes a sensitive
    field (an agreement naming only staff-level fields makes partner reads no events)."""
    if level >= Level.RESTRICTED:
        return AuditAction.READ_RESTRICTED
    if level >= Level.SENSITIVE:
        return AuditAction.READ_SENSITIVE
    if level == Level.PARTNER and _shows_sensitive(obj, fields):
        return AuditAction.READ_SENSITIVE
    return None


def record_read(user, obj, level, *, fields: Iterable[str] = ()) -> AuditEvent | None:
    """Note that `user` was shown `obj` at `level` (a `permissions.Level`). Reads at the sensitive
    and restricted levels are events, and partner reads that show a sensitive field; lesser reads
    (minimal, partner reads of staff-level fields only) are not."""
    action = _read_action(level, obj, fields)
    if action is None:
        return None
    return record(user, action, obj, fields=fields, changes={"level": Level(level).name.lower()})


_READ_ORDERS = [AuditAction.READ_SENSITIVE, AuditAction.READ_RESTRICTED]


def record_reads(user, view: str, reads: Iterable[tuple]) -> list[AuditEvent]:
    """One event for a page that showed several persons (a list, an API page, the feed, a side by
    side), not one per person: `reads` are its (person, level, fields shown) in the page's order,
    `view` names the page.

    Each read is an event or not as `record_read` decides; those that are make one event per
    organisation owning the persons (a partner's page may hold several owners' cases, and each
    owner's officer sees the reads of their own), with the highest read action of its persons, the
    fields shown to any of them, `changes` = {"view", "level" (the highest), "records" (their
    public ids)}, and one `AuditEventSubject` per person so that it is found from each of them.
    Two INSERTs in one transaction, whatever the page's size; none for a page that read nothing.
    """
    groups: dict[int | None, dict] = {}
    for obj, level, fields in reads:
        action = _read_action(level, obj, fields)
        if action is None:
            continue
        group = groups.setdefault(
            _organisation_id(user, obj),
            {"obj": obj, "action": action, "level": level, "fields": set(), "ids": []},
        )
        group["action"] = max(group["action"], action, key=_READ_ORDERS.index)
        group["level"] = max(group["level"], level)
        group["fields"].update(fields)
        group["ids"].append(_person_public_id(obj))
    named = []
    for group in groups.values():
        event = _event(user, group["action"], group["obj"], fields=group["fields"])
        # Several persons: the event is none of theirs alone (its subjects name them).
        event.object_id = event.person_id = None
        event.changes = {
            "view": view,
            "level": Level(group["level"]).name.lower(),
            "records": [str(public_id) for public_id in group["ids"]],
        }
        event.subjects_digest = audit_chain.subjects_digest(group["ids"])
        named.append((event, group["ids"]))
    if named:
        with transaction.atomic():
            AuditEvent.objects.bulk_create([event for event, _ids in named])
            _name_subjects(named)
    return [event for event, _ids in named]


def record_export(actor, persons, *, fields: Iterable[str], changes: dict, reason: str = ""):
    """The event of an export, naming every person it wrote (`AuditEventSubject`): who received a
    person's data is found from the person, as a subject-access request asks. Call it inside the
    export's transaction."""
    ids = [person.public_id for person in persons]
    event = _event(actor, AuditAction.EXPORT, None, fields=fields, changes=changes, reason=reason)
    # Written with the event, so that its hash covers the persons it names (audit_chain).
    event.subjects_digest = audit_chain.subjects_digest(ids)
    event.save()
    _name_subjects([(event, ids)])
    return event


SUBJECT_ATTEMPTS = 3  # reads of a large export's persons that may find them changed between passes


class SubjectsKeptChanging(Exception):
    """A large export's persons changed between its reads at every attempt."""


class _SubjectsMoved(Exception):
    """The persons to name changed between the two reads (a person added or removed meanwhile)."""


def record_export_of(actor, named, *, fields: Iterable[str], changes: dict, reason: str = ""):
    """`record_export` for an export too large to hold its persons (a background export of
    100,000): `named` is a queryset of the `Person` rows the event names, each once. They are
    read from the database in public-id order a chunk at a time, twice: once for the digest the
    event's hash covers (`subjects_digest`, the same value `record_export` gives), once to write
    the subjects, hashed again as they are written. Persons added or removed between the two
    reads would leave a digest that no longer matches its subjects, which `verify_audit` would
    find as tampering: the event is then rolled back and the whole taken again. Call it inside
    the export's transaction."""
    ids = named.order_by("public_id").values_list("public_id", flat=True)
    for _attempt in range(SUBJECT_ATTEMPTS):
        try:
            with transaction.atomic():
                return _export_event_of(actor, ids, fields, changes, reason)
        except _SubjectsMoved:
            continue
    raise SubjectsKeptChanging


def _export_event_of(actor, ids, fields, changes, reason) -> AuditEvent:
    digest = audit_chain.SortedSubjectsDigest()
    for chunk in _in_chunks(ids):
        digest.update(chunk)
    event = _event(actor, AuditAction.EXPORT, None, fields=fields, changes=changes, reason=reason)
    event.subjects_digest = digest.hexdigest()
    event.save()
    written = audit_chain.SortedSubjectsDigest()
    for chunk in _in_chunks(ids):
        written.update(chunk)
        AuditEventSubject.objects.bulk_create(
            [AuditEventSubject(event=event, person_id=public_id) for public_id in chunk],
            batch_size=SUBJECT_BATCH,
        )
    if written.hexdigest() != event.subjects_digest:
        raise _SubjectsMoved
    return event


def _in_chunks(ids):
    # Streamed (a server-side cursor on PostgreSQL): never more than a chunk in memory.
    stream = ids.iterator(chunk_size=SUBJECT_BATCH)
    while chunk := list(islice(stream, SUBJECT_BATCH)):
        yield chunk


def _name_subjects(events_and_ids) -> None:
    # A batch of rows at a time: an export of 100,000 persons never holds 100,000 model
    # instances (a background export's memory stays flat in its rows).
    connection = connections["default"]
    if connection.vendor == "postgresql":
        # Each batch one statement of two arrays, with no model instance per row: building
        # those was most of the cost of auditing an API page of flights (thousands of persons).
        table = connection.ops.quote_name(AuditEventSubject._meta.db_table)
        sql = f"INSERT INTO {table} (event_id, person_id) SELECT %s, unnest(%s::uuid[])"
        with connection.cursor() as cursor:
            for event, ids in events_and_ids:
                unique = iter(dict.fromkeys(ids))
                while batch := list(islice(unique, SUBJECT_BATCH)):
                    cursor.execute(sql, [event.pk, batch])
        return
    subjects = (
        AuditEventSubject(event=event, person_id=public_id)
        for event, ids in events_and_ids
        for public_id in dict.fromkeys(ids)
    )
    while batch := list(islice(subjects, SUBJECT_BATCH)):
        AuditEventSubject.objects.bulk_create(batch, batch_size=SUBJECT_BATCH)


def diff(before: dict, after: dict, *, sensitive: Iterable[str] = ()) -> dict:
    """The changed fields, with sensitive values replaced by a marker on both sides."""
    sensitive = set(sensitive)
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in sensitive:
            changes[name] = [REDACTED, REDACTED]
        else:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    record(user, AuditAction.LOGIN, user)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, AuditAction.LOGOUT, user)


def _attempted_account(username: str):
    """The account a failed login named, when one exists: the event then belongs to it and its
    organisation, so the data-protection officer sees attempts on their staff's accounts. A name
    that is no account may be a mistyped password: only its length is ever kept."""
    return User.objects.filter(username=username).first() if username else None


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    record_outside_transaction(
        None,
        AuditAction.LOGIN_FAILED,
        _attempted_account(username),
        changes={"username_length": len(username)},
    )


@receiver(user_locked_out)
def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # Further attempts on this account from this address are refused for a while: on the trail,
    # so the DPO sees an attack as it happens, not only its failed attempts.
    username = str(username or "")
    record_outside_transaction(
        None,
        AuditAction.LOCKED_OUT,
        _attempted_account(username),
        changes={"username_length": len(username)},
    )
