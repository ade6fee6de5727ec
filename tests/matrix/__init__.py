"""The permission matrix: every URL pattern and API route × every persona → what they get.

Each area lists its surfaces in `tests/matrix/surfaces_<area>.py` as `SURFACES = [Surface(...)]`.
`tests/test_permission_matrix.py` runs every surface for every persona and fails when a URL pattern
of the project is in no area file. A surface says, per persona, the status code expected, and may
check the exact visible set in the response (`check`), not just the code.

Personas: caseworker (team A), other_team_caseworker (team B), intake, supervisor, dpo, admin,
partner (agreement covering world.case_a), partner_without_agreement, anonymous. Staff use a
browser session that passed the second factor; partners use their API token, which pages do not
accept (so a page answers a partner like anonymous: LOGIN).

How to add a line:

    from tests.matrix import LOGIN, Surface, expect

    SURFACES = [
        Surface(
            name="person_detail",                       # the URL pattern's name
            path=lambda w: f"/persons/{w.case_a.public_id}/",
            expect=expect(caseworker=200, supervisor=200, intake=200, dpo=200,
                          default=404, anonymous=LOGIN, partner=LOGIN,
                          partner_without_agreement=LOGIN, admin=404),
            check=lambda w, persona, response: ...,    # optional: assert the exact visible set
        ),
    ]

`expect(default=..., **per_persona)` fills every persona not named with `default`. `LOGIN` means a
redirect to the login page (pages) — API surfaces expect 401 for anonymous instead. For writes give
`method="POST"` and `data=lambda w: {...}` (and `json=True` for JSON bodies); a write surface is
run in a fresh world per persona, so one persona's write never changes what the next one sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSONAS = (
    "caseworker",
    "other_team_caseworker",
    "intake",
    "supervisor",
    "dpo",
    "admin",
    "partner",
    "partner_without_agreement",
    "anonymous",
)

LOGIN = "login"


def expect(default: int | str, **per_persona: int | str) -> dict[str, int | str]:
    unknown = set(per_persona) - set(PERSONAS)
    if unknown:
        raise ValueError(f"Unknown personas: {sorted(unknown)}")
    return {persona: per_persona.get(persona, default) for persona in PERSONAS}


@dataclass(frozen=True)
class Surface:
    name: str
    path: Callable[[Any], str]
    expect: dict[str, int | str]
    method: str = "GET"
    data: Callable[[Any], dict] | None = None
    json: bool = False
    api: bool = False
    check: Callable[[Any, str, Any], None] | None = None
    # More names this surface covers (e.g. the same view under a second URL name).
    also_covers: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.name}: no expectation for {sorted(missing)}")
