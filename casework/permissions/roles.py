"""What each role may do at all, and who someone is, as the rest of casework may ask it: no other
layer names a role."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from casework.levels import Action, Level
from casework.models import Role, User

STAFF_ROLES = frozenset({Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR, Role.DPO, Role.ADMIN})
# Roles that see reporter contacts, photos, whereabouts: they must log in with a second factor.
ROLES_NEEDING_SECOND_FACTOR = STAFF_ROLES

# Which roles may take which actions at all; the object check narrows it further.
_INTAKE_ACTIONS = frozenset(
    {
        Action.VIEW_PERSON,
        Action.CREATE_PERSON,
        Action.ENTER_REPORT,
        Action.VIEW_REPORT,
        Action.TRIAGE_REPORT,
    }
)
_CASEWORKER_ACTIONS = _INTAKE_ACTIONS | {
    Action.EDIT_PERSON,
    Action.CHANGE_STATUS,
    Action.RECORD_PLACEMENT,
    Action.LINK_RELATIVE,
    Action.ADD_NOTE,
    Action.KEEP_TASKS,
    Action.RECORD_PROCEEDING,
    Action.REISSUE_REPORT_SECRET,
    Action.IMPORT_LIST,
    Action.DECIDE_MATCH,
    Action.MANAGE_FLIGHT,
    Action.RECORD_HANDOVER,
    Action.EXPORT_PSEUDONYMISED,
    Action.BREAK_GLASS,
}
# A supervisor does what a caseworker does, and approves, assigns, merges, shares, exports
# identifiable data and keeps the registry of places (issue 12).
_SUPERVISOR_ACTIONS = _CASEWORKER_ACTIONS | {
    Action.APPROVE_STATUS,
    Action.ASSIGN_CASE,
    Action.MERGE_PERSONS,
    Action.APPROVE_MANIFEST,
    Action.EXPORT_IDENTIFIABLE,
    Action.SHARE_CASE,
    Action.MANAGE_PLACES,
}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.INTAKE: _INTAKE_ACTIONS,
    Role.CASEWORKER: _CASEWORKER_ACTIONS,
    Role.SUPERVISOR: _SUPERVISOR_ACTIONS,
    Role.DPO: frozenset(
        {
            Action.VIEW_PERSON,
            Action.VIEW_AUDIT,
            Action.REVIEW_BREAK_GLASS,
            Action.DECIDE_WITHDRAWAL,
            Action.SUBJECT_ACCESS,
            Action.EXPORT_PSEUDONYMISED,
            Action.EXPORT_IDENTIFIABLE,
        }
    ),
    # The organisation's administrator keeps its accounts, teams, sharing agreements and partner
    # tokens (issue 12), and sees no case: an agreement's shared persons are chosen by a
    # supervisor, who may see them.
    Role.ADMIN: frozenset(
        {
            Action.MANAGE_REFERENCE_DATA,
            Action.MANAGE_USERS,
            Action.MANAGE_TEAMS,
            Action.MANAGE_AGREEMENTS,
            Action.MANAGE_PLACES,
        }
    ),
    # A partner never imports into its own organisation (that would be outside any agreement): it
    # submits a list to an organisation whose agreement takes list rows (`SUBMIT_LIST`), and gives
    # opinions on suggestions where the agreement allows; the owner's staff decide.
    Role.PARTNER: frozenset(
        {
            Action.VIEW_PERSON,
            Action.ENTER_REPORT,
            Action.SUBMIT_LIST,
            Action.GIVE_MATCH_OPINION,
        }
    ),
}

# The least level on a person each person-bound action needs.
ACTION_LEVEL: dict[Action, Level] = {
    Action.VIEW_PERSON: Level.PARTNER,
    Action.EDIT_PERSON: Level.SENSITIVE,
    Action.CHANGE_STATUS: Level.SENSITIVE,
    Action.APPROVE_STATUS: Level.RESTRICTED,
    Action.ASSIGN_CASE: Level.RESTRICTED,
    Action.RECORD_PLACEMENT: Level.SENSITIVE,
    Action.LINK_RELATIVE: Level.SENSITIVE,
    Action.ADD_NOTE: Level.SENSITIVE,
    Action.KEEP_TASKS: Level.SENSITIVE,
    Action.RECORD_PROCEEDING: Level.RESTRICTED,
    Action.DECIDE_MATCH: Level.SENSITIVE,
    Action.GIVE_MATCH_OPINION: Level.PARTNER,
    Action.MERGE_PERSONS: Level.RESTRICTED,
    Action.RECORD_HANDOVER: Level.SENSITIVE,
    Action.APPROVE_MANIFEST: Level.RESTRICTED,
    Action.SHARE_CASE: Level.RESTRICTED,
    Action.TRIAGE_REPORT: Level.MINIMAL,
}

# The report staff: they see who reported, how to reach them and the family's account.
REPORTER_ROLES = frozenset({Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR})


def role_may(role: str, action: Action) -> bool:
    """Whether a role may take this action at all (of an account's role before it is given)."""
    return action in ROLE_ACTIONS.get(role, frozenset())


def staff_role_choices() -> list[tuple[str, str]]:
    """The roles an organisation's administrator gives its own accounts: the staff roles (a
    partner system's account belongs to the partner's organisation, never to this one)."""
    return [(role.value, role.label) for role in Role if role in STAFF_ROLES]


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_of(user) -> str | None:
    return user.role if is_active_user(user) else None


def may(user, action: Action) -> bool:
    """Whether the user's role may take this action on anything at all."""
    role = role_of(user)
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())


def is_staff_member(user) -> bool:
    """A person of an organisation who works in the browser (every role but a partner system)."""
    return role_of(user) in STAFF_ROLES


def is_partner_system(user) -> bool:
    """A partner organisation's system: it reads and writes through the API with its token only,
    and is told of reports no more than the family is."""
    return role_of(user) == Role.PARTNER


def may_see_reporters(user) -> bool:
    """Whether the user sees (and may search) reporters' names and contacts in the reports they
    may open."""
    return role_of(user) in REPORTER_ROLES


def is_partner_account(user) -> bool:
    """A partner system's account, active or not (what an administrator may issue a token to)."""
    return user is not None and getattr(user, "role", None) == Role.PARTNER


def must_work_in_a_team(user) -> bool:
    """Whether the user's new cases belong to their own team: a caseworker's do (they would
    otherwise leave the caseworker's scope); a supervisor's may belong to no team."""
    return role_of(user) == Role.CASEWORKER


def home_team(user):
    """The team the user's new cases go to when none is named: a caseworker's first team (None
    when they belong to none); None for anyone else."""
    if not must_work_in_a_team(user):
        return None
    return user.teams.order_by("id").first()


def may_search_person_names(user) -> bool:
    """A partner may not search by name: the search also looks at aliases and other names that no
    agreement shares."""
    return not is_partner_system(user)


def may_see_access_notes(user) -> bool:
    """A detention place's access notes ("photos are not allowed"): for those who record
    placements or keep the registry of places."""
    return (
        may(user, Action.RECORD_PLACEMENT)
        or may(user, Action.MANAGE_PLACES)
        or may(user, Action.MANAGE_REFERENCE_DATA)
    )


def may_filter_by_place(user) -> bool:
    """Whether the persons list offers "current place": whereabouts are the working record, so
    only for those who record them (the filter also narrows through the placements' gate)."""
    return may(user, Action.RECORD_PLACEMENT)


def needs_second_factor(user) -> bool:
    if not is_active_user(user):
        return False
    return bool(user.is_superuser or user.role in ROLES_NEEDING_SECOND_FACTOR)


def data_protection_officers(organisation_id) -> QuerySet:
    """Who reads the organisation's audit trail (and is told of a break-glass as it happens)."""
    roles = [role for role, actions in ROLE_ACTIONS.items() if Action.VIEW_AUDIT in actions]
    return User.objects.filter(organisation_id=organisation_id, is_active=True, role__in=roles)


def users_who_may(organisation_id, action: Action) -> QuerySet:
    """The organisation's active users whose role may take `action` at all."""
    roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
    return User.objects.filter(organisation_id=organisation_id, is_active=True, role__in=roles)


def assignable_users(organisation_id) -> QuerySet:
    """Who a case of this organisation may be assigned to: its active caseworkers and
    supervisors."""
    return User.objects.filter(
        organisation_id=organisation_id,
        is_active=True,
        role__in=[Role.CASEWORKER, Role.SUPERVISOR],
    )


def may_break_glass_at_all(user) -> bool:
    """Whether the user's role, and for a caseworker their organisation, allows break-glass."""
    if not may(user, Action.BREAK_GLASS):
        return False
    if role_of(user) == Role.CASEWORKER:
        return bool(user.organisation.caseworkers_may_break_glass)
    return True


def break_glass_minutes() -> int:
    return settings.BREAK_GLASS_MINUTES
