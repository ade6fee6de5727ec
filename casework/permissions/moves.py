"""What a user may do next with a record, as the pages offer it: the state machines of
`casework.workflow` narrowed by the action gate. The services enforce the same two things."""

from __future__ import annotations

from dataclasses import dataclass, field

from casework import workflow
from casework.levels import Action, Level
from casework.models import ManifestRole, ManifestStatus
from casework.permissions.gate import can, may_at_level
from casework.permissions.persons import person_level, person_levels


def allowed_status_moves(user, person, *, level: Level | None = None) -> set[str]:
    """The statuses this user may move this person to now (a closing as a duplicate only ever
    comes from a merge; a move that commits resources only from whoever may approve it).
    `level`: the user's level on the person, when the caller has it already."""
    level = person_level(user, person) if level is None else level
    if not may_at_level(user, Action.CHANGE_STATUS, level):
        return set()
    targets = workflow.allowed_targets(person.status) - workflow.ONLY_BY_MERGE
    if not may_at_level(user, Action.APPROVE_STATUS, level):
        targets -= workflow.NEEDS_SUPERVISOR
    return targets


@dataclass(frozen=True)
class ManifestRowActions:
    approve: bool = False
    board: frozenset[str] = field(default_factory=frozenset)  # the statuses boarding may record
    hand_over: bool = False


def manifest_row_actions(
    user, entry, flight, *, shown: bool, level: Level | None = None
) -> ManifestRowActions:
    """What the user may do with one row of a flight's manifest now. `shown`: whether the row's
    passenger is visible to the user (a hidden passenger's row offers nothing); `level`: the
    user's level on the passenger, when the caller has it already (`manifest_rows_actions`)."""
    if not shown:
        return ManifestRowActions()
    passenger = entry.role == ManifestRole.PASSENGER
    if passenger and level is None and entry.person_id is not None:
        level = person_level(user, entry.person)

    def may_on_passenger(action: Action) -> bool:
        return may_at_level(user, action, level) if level is not None else can(user, action)

    return ManifestRowActions(
        approve=passenger
        and workflow.manifest_is_open(flight)
        and entry.status == ManifestStatus.PROPOSED
        and may_on_passenger(Action.APPROVE_MANIFEST),
        board=frozenset(workflow.boarding_moves(entry, flight)),
        hand_over=passenger
        and entry.status == ManifestStatus.BOARDED
        and not hasattr(entry, "handover")
        and may_on_passenger(Action.RECORD_HANDOVER),
    )


def manifest_rows_actions(user, entries, flight) -> dict[int, tuple[bool, ManifestRowActions]]:
    """For each row of a manifest (by entry id): whether its passenger is shown to the user (an
    escort always is) and what the user may do with it, in one go: the user's level on every
    passenger is computed at once, whatever the number of rows."""
    entries = list(entries)
    passengers = [e.person for e in entries if e.person_id is not None]
    levels = person_levels(user, passengers)
    rows = {}
    for entry in entries:
        level = levels.get(entry.person_id, Level.NONE) if entry.person_id else None
        shown = entry.role == ManifestRole.ESCORT or (level is not None and level > Level.NONE)
        rows[entry.pk] = (
            shown,
            manifest_row_actions(user, entry, flight, shown=shown, level=level),
        )
    return rows
