"""How records move: a person reported → … → reunited, with exits, and who must approve which
move; a flight's manifest, open until the flight flies, and what boarding may record for a row.

The state machines alone: who may make a move is the policy's (`casework.permissions`), which
combines both for the pages; the services enforce both."""

from django.utils import timezone

from casework.models import FlightStatus, ManifestRole, ManifestStatus
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


# --- A flight's manifest ------------------------------------------------------------------------

OPEN_FLIGHT = (FlightStatus.PLANNED, FlightStatus.CONFIRMED)


def manifest_is_open(flight) -> bool:
    """Whether passengers may still be proposed, approved or added: the flight has not flown and
    was not cancelled."""
    return flight.status in OPEN_FLIGHT


def flight_now(flight):
    """Now, as a clock where the flight is run shows it (its `time_zone`)."""
    return timezone.localtime(timezone.now(), flight.zone)


def flight_today(flight):
    """Today's date where the flight is run: the server's date is another day around midnight."""
    return flight_now(flight).date()


def boarding_moves(entry, flight=None) -> set[str]:
    """What boarding may record for this manifest row, from the flight's day on: an approved
    passenger (or a listed escort) boarded or not; a passenger only proposed can only not have
    boarded. The one rule that the service enforces and the flight page offers."""
    flight = flight or entry.flight
    if flight.status == FlightStatus.CANCELLED:
        return set()
    if flight.date > flight_today(flight):
        # Nobody boards a flight that has not left: boarding is recorded on its day or after,
        # like the handover that follows it.
        return set()
    if entry.status == ManifestStatus.APPROVED or (
        entry.role == ManifestRole.ESCORT and entry.status == ManifestStatus.PROPOSED
    ):
        return {ManifestStatus.BOARDED, ManifestStatus.NOT_BOARDED}
    if entry.status == ManifestStatus.PROPOSED:
        return {ManifestStatus.NOT_BOARDED}
    return set()
