"""Writing the audit trail.

Every service writes its event through `record` inside the transaction of the change it describes,
so a change and its audit row commit or roll back together. Sensitive values never enter the
trail: a diff names a sensitive field as changed but shows neither value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connections
from django.dispatch import receiver

from casework import request_context
from casework.models import AuditEvent, Person

REDACTED = "[redacted]"


class AuditAction:
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    STATUS_CHANGE = "status_change"
    READ_SENSITIVE = "read_sensitive"
    READ_RESTRICTED = "read_restricted"
    EXPORT = "export"
    IMPORT = "import"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    DENIED = "denied"
    BREAK_GLASS = "break_glass"
    MERGE = "merge"
    UNMERGE = "unmerge"
    DECIDE_MATCH = "decide_match"
    SECOND_FACTOR = "second_factor"
    SESSION_ENDED = "session_ended"


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
        changes=changes or {},
        reason=reason,
        ip=context.ip,
        request_id=context.request_id,
    )


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


def record_denial(user, action, obj, *, hidden: bool, exc=None) -> None:
    kwargs = {"changes": {"attempted": str(action), "answered": "404" if hidden else "403"}}
    if not record_outside_transaction(user, AuditAction.DENIED, obj, **kwargs) and exc is not None:
        exc.deferred_audit = (user, AuditAction.DENIED, obj, kwargs)


def write_deferred(exc) -> None:
    """Write the audit event a refusal carried out of a rolled-back transaction.

    Called at the request boundary (middleware, the API's exception handler), which runs outside
    any transaction of the app's own (ATOMIC_REQUESTS is off).
    """
    deferred = getattr(exc, "deferred_audit", None)
    if deferred is None:
        return
    actor, action, obj, kwargs = deferred
    exc.deferred_audit = None
    record(actor, action, obj, **kwargs)


def _read_action(level) -> str | None:
    from casework.permissions import Level

    if level >= Level.RESTRICTED:
        return AuditAction.READ_RESTRICTED
    if level >= Level.SENSITIVE:
        return AuditAction.READ_SENSITIVE
    return None


def record_reads(user, reads: Iterable[tuple]) -> int:
    """`record_read` for a page of records at once: (obj, level, fields) triples, one INSERT."""
    from casework.permissions import Level

    events = [
        _event(
            user,
            action,
            obj,
            fields=fields,
            changes={"level": Level(level).name.lower()},
        )
        for obj, level, fields in reads
        if (action := _read_action(level)) is not None
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)


def record_read(user, obj, level, *, fields: Iterable[str] = ()) -> AuditEvent | None:
    """Note that `user` was shown `obj` at `level` (a `permissions.Level`). Reads at the sensitive
    and restricted levels are events; lesser reads (minimal, partner fields) are not."""
    from casework.permissions import Level

    if level >= Level.RESTRICTED:
        action = AuditAction.READ_RESTRICTED
    elif level >= Level.SENSITIVE:
        action = AuditAction.READ_SENSITIVE
    else:
        return None
    return record(user, action, obj, fields=fields, changes={"level": Level(level).name.lower()})


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


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username may be a mistyped password: keep only its length.
    username = str(credentials.get("username", ""))
    record_outside_transaction(
        None, AuditAction.LOGIN_FAILED, changes={"username_length": len(username)}
    )
