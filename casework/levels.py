"""The policy's vocabulary: how far a user may look into a person (`Level`) and what they may do
(`Action`).

A leaf: it imports nothing of casework, so that every layer (models, the audit trail, the field
classification, the policy itself) can name a level or an action without importing the policy.
"""

from enum import IntEnum, StrEnum


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
    KEEP_TASKS = "keep_tasks"  # add a task to a case, mark it done, reopen it
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
    MANAGE_PLACES = "manage_places"
    MANAGE_USERS = "manage_users"
    MANAGE_TEAMS = "manage_teams"
    MANAGE_AGREEMENTS = "manage_agreements"
    SHARE_CASE = "share_case"
    REISSUE_REPORT_SECRET = "reissue_report_secret"  # noqa: S105 (an action's name)
    REVIEW_BREAK_GLASS = "review_break_glass"
    DECIDE_WITHDRAWAL = "decide_withdrawal"
    SUBJECT_ACCESS = "subject_access"
    # A partner system's, under its agreement: a list for the owner's review queue, and its
    # opinion on a suggestion between persons shared with it.
    SUBMIT_LIST = "submit_list"
    GIVE_MATCH_OPINION = "give_match_opinion"
