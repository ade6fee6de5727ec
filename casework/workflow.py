"""How a person moves: reported → … → reunited, with exits, and who must approve which move."""

from casework.models import PersonStatus as St

ACTIVE_PATH = [
    St.REPORTED,
    St.VERIFYING,
    St.LOCATED,
    St.IDENTITY_CONFIRMED,
    St.CLEARED_FOR_RETURN,
    St.ON_MANIFEST,
    St.RETURNED,
    St.REUNITED,
]
EXITS = [St.DECEASED, St.NOT_TRACEABLE, St.CLOSED_DUPLICATE, St.CLOSED_OTHER]

_TRANSITIONS: dict[str, set[str]] = {
    St.REPORTED: {St.VERIFYING},
    St.VERIFYING: {St.LOCATED, St.REPORTED},
    St.LOCATED: {St.IDENTITY_CONFIRMED, St.VERIFYING},
    St.IDENTITY_CONFIRMED: {St.CLEARED_FOR_RETURN, St.LOCATED},
    St.CLEARED_FOR_RETURN: {St.ON_MANIFEST, St.IDENTITY_CONFIRMED},
    St.ON_MANIFEST: {St.RETURNED, St.CLEARED_FOR_RETURN},
    St.RETURNED: {St.REUNITED},
    St.REUNITED: set(),
    # A closed case can be reopened for verification when new information arrives.
    St.NOT_TRACEABLE: {St.VERIFYING},
    St.CLOSED_OTHER: {St.VERIFYING},
    St.DECEASED: set(),
    St.CLOSED_DUPLICATE: set(),
}
for _status in ACTIVE_PATH[:-2]:
    # Returned and reunited people are not "not traceable"; any earlier step may end in an exit.
    _TRANSITIONS[_status] |= {St.DECEASED, St.NOT_TRACEABLE, St.CLOSED_OTHER}
_TRANSITIONS[St.RETURNED] |= {St.DECEASED, St.CLOSED_OTHER}

# Moves that commit resources: a supervisor must make (approve) them.
NEEDS_SUPERVISOR = {St.CLEARED_FOR_RETURN, St.ON_MANIFEST, St.DECEASED}
# Closing as a duplicate happens only through a merge.
ONLY_BY_MERGE = {St.CLOSED_DUPLICATE}


def allowed_targets(current: str) -> set[str]:
    return set(_TRANSITIONS.get(current, set()))


def is_allowed(current: str, target: str) -> bool:
    return target in _TRANSITIONS.get(current, set())
