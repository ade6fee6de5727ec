"""The one access policy of casework.

Two gates, and nothing else decides who sees or does what:
- `Model.objects.visible_to(user)` on every model that holds case data (`records`: the gates,
  registered on the models' querysets when the app starts), the only way any surface reaches
  records. A record outside it does not exist for that user: 404 (`visible_or_404` answers it like
  a missing one and writes the refusal to the audit trail).
- `require(user, action, obj)` (`gate`), called by every service before a write (and by views for
  actions that read, such as export). It raises `Hidden` (404) when the user may not even see the
  object and `Denied` (403) when they may see it but not do this.

How deep a user may look into one person is a `Level` (`persons`); which fields each level shows is
in `casework.classification`; what each role may do at all is in `roles`, the only module of
casework that names a role.
"""

from casework.levels import Action, Level
from casework.permissions.gate import (
    Denied,
    Hidden,
    can,
    check,
    may_at_level,
    require,
    visible_or_404,
)
from casework.permissions.moves import (
    ManifestRowActions,
    allowed_status_moves,
    manifest_row_actions,
    manifest_rows_actions,
)
from casework.permissions.persons import (
    active_agreements,
    active_agreements_between,
    agreements_in_force_for,
    agreements_taking_lists,
    break_glass_scope,
    duplicate_check_scope,
    forget_scope_facts,
    may_break_glass,
    may_give_match_opinion,
    partner_accounts_managed_by,
    partner_fields,
    partner_shares,
    partner_shares_naming,
    person_level,
    person_levels,
    person_list_level,
    person_scope,
    person_scope_condition,
    sharing_partners,
    task_assignees,
    triage_link_scope,
)
from casework.permissions.records import install_read_gates
from casework.permissions.roles import (
    ROLES_NEEDING_SECOND_FACTOR,
    STAFF_ROLES,
    assignable_users,
    break_glass_minutes,
    data_protection_officers,
    home_team,
    is_active_user,
    is_partner_account,
    is_partner_system,
    is_staff_member,
    may,
    may_break_glass_at_all,
    may_filter_by_place,
    may_search_person_names,
    may_see_access_notes,
    may_see_reporters,
    must_work_in_a_team,
    needs_second_factor,
    role_may,
    role_of,
    staff_role_choices,
)

__all__ = [
    "ROLES_NEEDING_SECOND_FACTOR",
    "STAFF_ROLES",
    "Action",
    "Denied",
    "Hidden",
    "Level",
    "ManifestRowActions",
    "active_agreements",
    "active_agreements_between",
    "agreements_in_force_for",
    "agreements_taking_lists",
    "allowed_status_moves",
    "assignable_users",
    "break_glass_minutes",
    "break_glass_scope",
    "can",
    "check",
    "data_protection_officers",
    "duplicate_check_scope",
    "forget_scope_facts",
    "home_team",
    "install_read_gates",
    "is_active_user",
    "is_partner_account",
    "is_partner_system",
    "is_staff_member",
    "may",
    "may_break_glass",
    "may_give_match_opinion",
    "may_at_level",
    "may_break_glass_at_all",
    "may_filter_by_place",
    "may_search_person_names",
    "may_see_access_notes",
    "may_see_reporters",
    "must_work_in_a_team",
    "manifest_row_actions",
    "manifest_rows_actions",
    "needs_second_factor",
    "partner_accounts_managed_by",
    "partner_fields",
    "partner_shares",
    "partner_shares_naming",
    "person_level",
    "person_levels",
    "person_list_level",
    "person_scope",
    "person_scope_condition",
    "require",
    "role_may",
    "role_of",
    "staff_role_choices",
    "sharing_partners",
    "task_assignees",
    "triage_link_scope",
    "visible_or_404",
]
