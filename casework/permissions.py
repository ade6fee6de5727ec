"""The one access policy of casework.

Two gates, and nothing else decides who sees or does what:
- `visible_to(user)` on every model's manager (implemented here by the *_scope functions), the only
  way any surface reaches records. A record outside it does not exist for that user: 404
  (`visible_or_404` answers it like a missing one and writes the refusal to the audit trail).
- `require(user, action, obj)`, called by every service before a write (and by views for actions
  that read, such as export). It raises `Hidden` (404) when the user may not even see the object
  and `Denied` (403) when they may see it but not do this.

How deep a user may look into one person is an `Level`; which fields each level shows is in
`casework.classification`.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from casework.models import (
    BreakGlassGrant,
    FamilyReport,
    Person,
    Role,
    Sensitivity,
    SharedCase,
    SharingAgreement,
)


class Level(IntEnum):
    """How much of one person's record a user may see."""

    NONE = 0
    PARTNER = 1  # the fields the sharing agreement names, nothing else
    MINIMAL = 2  # name, birth year, status: enough to spot a duplicate
    SENSITIVE = 3  # the full working record of one's own cases
    RESTRICTED = 4  # legal proceedings, security notes, protected persons


class Action(StrEnum):
    VIEW_PERSON = "view_person"
    CREATE_PERSON = "create_person"
    EDIT_PERSON = "edit_person"
    CHANGE_STATUS = "change_status"
    APPROVE_STATUS = "approve_status"
    ASSIGN_CASE = "assign_case"
    RECORD_PLACEMENT = "record_placement"
    LINK_RELATIVE = "link_relative"
    ADD_NOTE = "add_note"
    RECORD_PROCEEDING = "record_proceeding"
    ENTER_REPORT = "enter_report"
    VIEW_REPORT = "view_report"
    TRIAGE_REPORT = "triage_report"
    IMPORT_LIST = "import_list"
    DECIDE_MATCH = "decide_match"
    MERGE_PERSONS = "merge_persons"
    MANAGE_FLIGHT = "manage_flight"
    APPROVE_MANIFEST = "approve_manifest"
    RECORD_HANDOVER = "record_handover"
    VIEW_AUDIT = "view_audit"
    EXPORT_PSEUDONYMISED = "export_pseudonymised"
    EXPORT_IDENTIFIABLE = "export_identifiable"
    BREAK_GLASS = "break_glass"
    MANAGE_REFERENCE_DATA = "manage_reference_data"
    MANAGE_USERS = "manage_users"
    SHARE_CASE = "share_case"
    REISSUE_REPORT_SECRET = "reissue_report_secret"  # noqa: S105 (an action's name)
    REVIEW_BREAK_GLASS = "review_break_glass"


class Hidden(Http404):
    """The object is not visible to this user: answered exactly like a missing one."""


class Denied(PermissionDenied):
    """The user sees the object but may not do this with it."""


STAFF_ROLES = {Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR, Role.DPO, Role.ADMIN}
# Roles that see reporter contacts, photos, whereabouts: they must log in with a second factor.
ROLES_NEEDING_SECOND_FACTOR = {
    Role.INTAKE,
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.DPO,
    Role.ADMIN,
}

# Which roles may take which actions at all; the object check narrows it further.
_ROLE_ACTIONS: dict[str, set[Action]] = {
    Role.INTAKE: {
        Action.VIEW_PERSON,
        Action.CREATE_PERSON,
        Action.ENTER_REPORT,
        Action.VIEW_REPORT,
        Action.TRIAGE_REPORT,
    },
    Role.CASEWORKER: {
        Action.VIEW_PERSON,
        Action.CREATE_PERSON,
        Action.EDIT_PERSON,
        Action.CHANGE_STATUS,
        Action.RECORD_PLACEMENT,
        Action.LINK_RELATIVE,
        Action.ADD_NOTE,
        Action.RECORD_PROCEEDING,
        Action.ENTER_REPORT,
        Action.VIEW_REPORT,
        Action.TRIAGE_REPORT,
        Action.REISSUE_REPORT_SECRET,
        Action.IMPORT_LIST,
        Action.DECIDE_MATCH,
        Action.MANAGE_FLIGHT,
        Action.RECORD_HANDOVER,
        Action.EXPORT_PSEUDONYMISED,
        Action.BREAK_GLASS,
    },
    Role.SUPERVISOR: {
        Action.VIEW_PERSON,
        Action.CREATE_PERSON,
        Action.EDIT_PERSON,
        Action.CHANGE_STATUS,
        Action.APPROVE_STATUS,
        Action.ASSIGN_CASE,
        Action.RECORD_PLACEMENT,
        Action.LINK_RELATIVE,
        Action.ADD_NOTE,
        Action.RECORD_PROCEEDING,
        Action.ENTER_REPORT,
        Action.VIEW_REPORT,
        Action.TRIAGE_REPORT,
        Action.REISSUE_REPORT_SECRET,
        Action.IMPORT_LIST,
        Action.DECIDE_MATCH,
        Action.MERGE_PERSONS,
        Action.MANAGE_FLIGHT,
        Action.APPROVE_MANIFEST,
        Action.RECORD_HANDOVER,
        Action.EXPORT_PSEUDONYMISED,
        Action.EXPORT_IDENTIFIABLE,
        Action.BREAK_GLASS,
        Action.SHARE_CASE,
    },
    Role.DPO: {
        Action.VIEW_PERSON,
        Action.VIEW_AUDIT,
        Action.REVIEW_BREAK_GLASS,
        Action.EXPORT_PSEUDONYMISED,
        Action.EXPORT_IDENTIFIABLE,
    },
    Role.ADMIN: {Action.MANAGE_REFERENCE_DATA, Action.MANAGE_USERS},
    # No partner surface takes list rows yet (an import would land in the partner's own
    # organisation, outside any agreement): until one does, partners may not import.
    Role.PARTNER: {Action.VIEW_PERSON, Action.ENTER_REPORT},
}

# The least level on a person each person-bound action needs.
_ACTION_LEVEL: dict[Action, Level] = {
    Action.VIEW_PERSON: Level.PARTNER,
    Action.EDIT_PERSON: Level.SENSITIVE,
    Action.CHANGE_STATUS: Level.SENSITIVE,
    Action.APPROVE_STATUS: Level.RESTRICTED,
    Action.ASSIGN_CASE: Level.RESTRICTED,
    Action.RECORD_PLACEMENT: Level.SENSITIVE,
    Action.LINK_RELATIVE: Level.SENSITIVE,
    Action.ADD_NOTE: Level.SENSITIVE,
    Action.RECORD_PROCEEDING: Level.RESTRICTED,
    Action.DECIDE_MATCH: Level.SENSITIVE,
    Action.MERGE_PERSONS: Level.RESTRICTED,
    Action.RECORD_HANDOVER: Level.SENSITIVE,
    Action.APPROVE_MANIFEST: Level.RESTRICTED,
    Action.SHARE_CASE: Level.RESTRICTED,
    Action.TRIAGE_REPORT: Level.MINIMAL,
}


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_of(user) -> str | None:
    return user.role if is_active_user(user) else None


# --- Who someone is, as the rest of casework may ask it (no other layer names a role) ------------


def is_staff_member(user) -> bool:
    """A person of an organisation who works in the browser (every role but a partner system)."""
    return role_of(user) in STAFF_ROLES


def is_partner_system(user) -> bool:
    """A partner organisation's system: it reads and writes through the API with its token only,
    and is told of reports no more than the family is."""
    return role_of(user) == Role.PARTNER


# The report staff: they see who reported, how to reach them and the family's account.
_REPORTER_ROLES = frozenset({Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR})


def may_see_reporters(user) -> bool:
    """Whether the user sees (and may search) reporters' names and contacts in the reports they
    may open."""
    return role_of(user) in _REPORTER_ROLES


def may_search_person_names(user) -> bool:
    """A partner may not search by name: the search also looks at aliases and other names that no
    agreement shares."""
    return not is_partner_system(user)


def data_protection_officers(organisation_id) -> QuerySet:
    """Who reads the organisation's audit trail (and is told of a break-glass as it happens)."""
    from casework.models import User

    roles = [role for role, actions in _ROLE_ACTIONS.items() if Action.VIEW_AUDIT in actions]
    return User.objects.filter(organisation_id=organisation_id, is_active=True, role__in=roles)


def assignable_users(organisation_id) -> QuerySet:
    """Who a case of this organisation may be assigned to: its active caseworkers and
    supervisors."""
    from casework.models import User

    return User.objects.filter(
        organisation_id=organisation_id,
        is_active=True,
        role__in=[Role.CASEWORKER, Role.SUPERVISOR],
    )


def person_list_level(user) -> tuple[Level, set[str] | None]:
    """The least level the user has on any person of their list, and for a partner the fields
    every agreement of theirs names: what list filters and orderings may use."""
    role = role_of(user)
    if role in (Role.CASEWORKER, Role.SUPERVISOR):
        return Level.SENSITIVE, None
    if role in (Role.INTAKE, Role.DPO):
        return Level.MINIMAL, None
    if role == Role.PARTNER:
        named = [set(a.shared_fields) for a in _active_agreements(user)]
        return Level.PARTNER, (set.intersection(*named) if named else set())
    return Level.NONE, None


def may(user, action: Action) -> bool:
    """Whether the user's role may take this action on anything at all."""
    role = role_of(user)
    return role is not None and action in _ROLE_ACTIONS.get(role, set())


# --- Person scope -----------------------------------------------------------------------------


def _active_grants(user) -> QuerySet:
    return BreakGlassGrant.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def active_agreements() -> QuerySet:
    """Sharing agreements in force today: not revoked, begun, not ended."""
    today = timezone.localdate()
    return SharingAgreement.objects.filter(revoked_at__isnull=True, valid_from__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def active_agreements_between(owner_id, partner_id) -> QuerySet:
    return active_agreements().filter(owner_id=owner_id, partner_id=partner_id)


def sharing_partners(owner_id) -> QuerySet:
    """The partner organisations `owner_id` has a sharing agreement in force with: the only ones
    a family's consent, a share or a report can name."""
    from casework.models import Organisation

    partner_ids = active_agreements().filter(owner_id=owner_id).values("partner_id")
    return Organisation.objects.filter(pk__in=partner_ids)


def may_see_access_notes(user) -> bool:
    """A detention place's access notes ("photos are not allowed"): for those who record
    placements or keep the reference data."""
    return may(user, Action.RECORD_PLACEMENT) or may(user, Action.MANAGE_REFERENCE_DATA)


def _active_agreements(user) -> QuerySet:
    return active_agreements().filter(partner_id=user.organisation_id)


def partner_shares(user) -> QuerySet:
    """The shares a partner reads through: under an agreement in force with the partner, of a
    person the agreement's owner holds, never a protected one. A row that breaks these (written
    around the sharing service) shares nothing."""
    from django.db.models import F

    return (
        SharedCase.objects.filter(agreement__in=_active_agreements(user))
        .filter(person__organisation_id=F("agreement__owner_id"))
        .exclude(person__sensitivity=Sensitivity.PROTECTED)
    )


def person_scope(user, qs: QuerySet | None = None) -> QuerySet:
    """Every person the user may see at any level (the read gate)."""
    qs = Person.objects.all() if qs is None else qs
    condition = person_scope_condition(user)
    return qs.none() if condition is None else qs.filter(condition)


def person_scope_condition(user, prefix: str = "") -> Q | None:
    """The read gate as a condition on a person, reached from another model through `prefix`
    (e.g. "person__" on report entries), or None when the user sees no one. Another model's rows
    are tested against the person they point at, instead of against the list of every visible
    person's id (tens of thousands of them)."""
    role = role_of(user)
    if role is None or role == Role.ADMIN:
        return None

    def on(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    # Each branch that depends on another table is an id subquery, never a join: a join would
    # repeat a person per matching row and need DISTINCT, which PostgreSQL pays for on every
    # list page (a sort of every visible row before the first page of 50).
    if role == Role.PARTNER:
        return on(pk__in=partner_shares(user).values("person_id"))
    in_org = on(organisation_id=user.organisation_id)
    not_protected = ~on(sensitivity=Sensitivity.PROTECTED)
    if role == Role.SUPERVISOR:
        return in_org
    if role in (Role.INTAKE, Role.DPO):
        return in_org & not_protected
    if role == Role.CASEWORKER:
        # The caseworker's few teams and grants are read first and written into the condition as
        # values: PostgreSQL then combines the team and assignee indexes (and the primary key)
        # instead of testing two subqueries on every person of the organisation.
        team_ids = list(user.teams.values_list("pk", flat=True))
        granted_ids = list(_active_grants(user).values_list("person_id", flat=True))
        own = (on(team_id__in=team_ids) & not_protected) | on(assigned_to_id=user.pk)
        if granted_ids:
            own |= on(pk__in=granted_ids)
        return in_org & own
    return None


def person_level(user, person: Person) -> Level:
    """How far the user may look into this person (NONE when they may not see them at all)."""
    role = role_of(user)
    if role is None or role == Role.ADMIN:
        return Level.NONE
    if role == Role.PARTNER:
        shared = partner_shares(user).filter(person=person).exists()
        return Level.PARTNER if shared else Level.NONE
    if person.organisation_id != user.organisation_id:
        return Level.NONE
    protected = person.sensitivity == Sensitivity.PROTECTED
    if role == Role.SUPERVISOR:
        return Level.RESTRICTED
    if role in (Role.INTAKE, Role.DPO):
        return Level.NONE if protected else Level.MINIMAL
    if role == Role.CASEWORKER:
        if person.assigned_to_id == user.pk:
            return Level.RESTRICTED
        if _active_grants(user).filter(person=person).exists():
            return Level.RESTRICTED
        if not protected and person.team_id and user.teams.filter(pk=person.team_id).exists():
            return Level.SENSITIVE
    return Level.NONE


def person_levels(user, persons) -> dict[int, Level]:
    """`person_level` for many persons in a constant number of queries (lists, exports, the API).

    Must agree with `person_level` person by person (tests/test_permissions_policy.py checks it).
    """
    persons = list(persons)
    role = role_of(user)
    if role is None or role == Role.ADMIN or not persons:
        return {p.pk: Level.NONE for p in persons}
    if role == Role.PARTNER:
        shared = set(
            person_scope(user).filter(pk__in=[p.pk for p in persons]).values_list("pk", flat=True)
        )
        return {p.pk: Level.PARTNER if p.pk in shared else Level.NONE for p in persons}
    team_ids = set(user.teams.values_list("pk", flat=True)) if role == Role.CASEWORKER else set()
    granted = (
        set(_active_grants(user).values_list("person_id", flat=True))
        if role == Role.CASEWORKER
        else set()
    )
    levels = {}
    for person in persons:
        protected = person.sensitivity == Sensitivity.PROTECTED
        if person.organisation_id != user.organisation_id:
            level = Level.NONE
        elif role == Role.SUPERVISOR:
            level = Level.RESTRICTED
        elif role in (Role.INTAKE, Role.DPO):
            level = Level.NONE if protected else Level.MINIMAL
        elif role == Role.CASEWORKER:
            if person.assigned_to_id == user.pk or person.pk in granted:
                level = Level.RESTRICTED
            elif not protected and person.team_id in team_ids:
                level = Level.SENSITIVE
            else:
                level = Level.NONE
        else:
            level = Level.NONE
        levels[person.pk] = level
    return levels


def partner_fields(user, person: Person) -> set[str]:
    """The person fields the user's sharing agreements name for this person."""
    fields: set[str] = set()
    shares = partner_shares(user).filter(person=person).select_related("agreement")
    for share in shares:
        fields.update(share.agreement.shared_fields)
    return fields


def duplicate_check_scope(user) -> QuerySet:
    """Persons the user may be told about when checking for a duplicate: minimal fields only.

    Intake and caseworkers must see that a person is already known in their organisation even
    when the case belongs to another team; protected persons are never revealed this way.
    """
    role = role_of(user)
    if role not in (Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR):
        return Person.objects.none()
    qs = Person.objects.filter(organisation_id=user.organisation_id)
    if role != Role.SUPERVISOR:
        qs = qs.exclude(sensitivity=Sensitivity.PROTECTED)
    return qs


def may_break_glass(user, person: Person) -> bool:
    role = role_of(user)
    if role == Role.SUPERVISOR:
        return person.organisation_id == user.organisation_id
    if role == Role.CASEWORKER:
        return (
            person.organisation_id == user.organisation_id
            and user.organisation.caseworkers_may_break_glass
        )
    return False


# --- The action gate --------------------------------------------------------------------------


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
    from casework.selectors import reports_visible_to

    if not reports_visible_to(user).filter(pk=report.pk).exists():
        raise Hidden()


def check(user, action: Action, obj=None) -> None:
    """Raise Hidden or Denied unless the user may take `action` on `obj` (or at all)."""
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
        and level >= _ACTION_LEVEL.get(action, Level.SENSITIVE)
    )


def require(user, action: Action, obj=None) -> None:
    """The action gate: like `check`, and a refusal is written to the audit trail.

    A refusal must outlive the transaction it rolls back: outside one it is written at once, inside
    one the exception carries it to the request boundary, which writes it (`audit.write_deferred`).
    """
    try:
        check(user, action, obj)
    except (Hidden, Denied) as exc:
        from casework.audit import record_denial

        record_denial(user, action, obj, hidden=isinstance(exc, Hidden), exc=exc)
        raise


def visible_or_404(user, gated: QuerySet, public_id, *, attempted: str, detail: dict | None = None):
    """The record `public_id` of `gated` (a read gate's queryset: `visible_to(user)`, a selector),
    or `Hidden` (404) when the gate does not return it, written to the audit trail.

    Hidden and missing get the same exception and cost the same queries (the gate, one look-up of
    the id for the trail, one insert); only the trail tells them apart, as described in
    `audit.record_not_visible`. `attempted` names what was asked (a route), `detail` anything else
    worth keeping (the method); neither may carry a value the caller sent.
    """
    obj = gated.filter(public_id=public_id).first()
    if obj is not None:
        return obj
    from casework.audit import record_not_visible

    # For the audit trail only, never for the answer: whether the id names a record at all.
    found = gated.model._base_manager.filter(public_id=public_id).first()
    exc = Hidden()
    record_not_visible(user, gated.model, found, attempted=attempted, exc=exc, detail=detail)
    raise exc


def can(user, action: Action, obj=None) -> bool:
    try:
        check(user, action, obj)
    except (Hidden, Denied):
        return False
    return True


def needs_second_factor(user) -> bool:
    if not is_active_user(user):
        return False
    return bool(user.is_superuser or user.role in ROLES_NEEDING_SECOND_FACTOR)


def break_glass_minutes() -> int:
    return settings.BREAK_GLASS_MINUTES
