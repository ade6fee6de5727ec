"""The action gate: `require(user, action, obj)`, called by every service before a write (and by
views for actions that read, such as export), and `visible_or_404` for a read by public id."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from casework.audit import record_denial, record_not_visible
from casework.levels import Action, Level
from casework.models import FamilyReport, Person
from casework.permissions.persons import may_break_glass, person_level
from casework.permissions.roles import ACTION_LEVEL, may


class Hidden(Http404):
    """The object is not visible to this user: answered exactly like a missing one."""


class Denied(PermissionDenied):
    """The user sees the object but may not do this with it."""


def _person_of(obj) -> Person | None:
    if obj is None:
        return None
    if isinstance(obj, Person):
        return obj
    person = getattr(obj, "person", None)
    return person if isinstance(person, Person) else None


def _organisation_id_of(obj) -> int | None:
    if obj is None:
        return None
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    if hasattr(obj, "owner_id"):  # a sharing agreement belongs to the organisation that gives it
        return obj.owner_id
    for parent in ("report", "flight", "list_import"):
        if hasattr(obj, parent):
            return _organisation_id_of(getattr(obj, parent))
    if hasattr(obj, "manifest_entry"):
        return _organisation_id_of(obj.manifest_entry)
    return None


def _check_report_visible(user, obj) -> None:
    # A family report, or an entry or file of one, is as closed as its read gate: a write on one
    # the user may not see is refused like a missing record, whoever calls the service.
    report = obj if isinstance(obj, FamilyReport) else getattr(obj, "report", None)
    if not isinstance(report, FamilyReport) or report.pk is None:
        return
    if not FamilyReport.objects.visible_to(user).filter(pk=report.pk).exists():
        raise Hidden()


def check(user, action: Action, obj=None, *, gated: bool = False) -> None:
    """Raise Hidden or Denied unless the user may take `action` on `obj` (or at all).
    `gated`: the caller has just read `obj` through its read gate for this user (a page asking
    what it may offer), which need not be asked again; a service never passes it."""
    if not gated:
        _check_report_visible(user, obj)
    person = _person_of(obj)
    if person is not None:
        level = person_level(user, person)
        if level == Level.NONE:
            if action == Action.BREAK_GLASS and may_break_glass(user, person):
                return
            raise Hidden()
        if not may_at_level(user, action, level):
            raise Denied()
        return
    if obj is not None:
        org_id = _organisation_id_of(obj)
        if org_id is not None and org_id != getattr(user, "organisation_id", None):
            raise Hidden()
    if not may(user, action):
        raise Denied()


def may_at_level(user, action: Action, level: Level) -> bool:
    """Whether a user whose level on a person is `level` may take `action` on that person: what
    `can(user, action, person)` answers, for a page that computed the level once and asks it for
    each action it offers."""
    return (
        level > Level.NONE
        and may(user, action)
        and level >= ACTION_LEVEL.get(action, Level.SENSITIVE)
    )


def require(user, action: Action, obj=None) -> None:
    """The action gate: like `check`, and a refusal is written to the audit trail.

    A refusal must outlive the transaction it rolls back: outside one it is written at once, inside
    one the exception carries it to the request boundary, which writes it (`audit.write_deferred`).
    """
    try:
        check(user, action, obj)
    except (Hidden, Denied) as exc:
        record_denial(user, action, obj, hidden=isinstance(exc, Hidden), exc=exc)
        raise


def can(user, action: Action, obj=None, *, gated: bool = False) -> bool:
    """Whether `check` lets the user take `action` on `obj` (what a page offers)."""
    try:
        check(user, action, obj, gated=gated)
    except (Hidden, Denied):
        return False
    return True


def visible_or_404(user, gated: QuerySet, public_id, *, attempted: str, detail: dict | None = None):
    """The record `public_id` of `gated` (a read gate's queryset: `visible_to(user)`), or `Hidden`
    (404) when the gate does not return it, written to the audit trail.

    Hidden and missing get the same exception and cost the same queries (the gate, one look-up of
    the id for the trail, one insert); only the trail tells them apart, as described in
    `audit.record_not_visible`. `attempted` names what was asked (a route), `detail` anything else
    worth keeping (the method); neither may carry a value the caller sent.
    """
    obj = gated.filter(public_id=public_id).first()
    if obj is not None:
        return obj
    # For the audit trail only, never for the answer: whether the id names a record at all.
    found = gated.model._base_manager.filter(public_id=public_id).first()
    exc = Hidden()
    record_not_visible(user, gated.model, found, attempted=attempted, exc=exc, detail=detail)
    raise exc
