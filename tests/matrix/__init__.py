"""The permission matrix: every persona × every surface → what they get.

Surfaces are of two kinds, both listed by area in `tests/matrix/surfaces_<area>.py`:

- `SURFACES = [Surface(...)]`: a URL pattern called with one HTTP method (every page, endpoint,
  export, import, search, filter and ordering), with the status each persona gets and, for a list,
  the exact set of records it shows; for a detail page, which canary values show;
- `CALLS = [Call(...)]`: a selector (`selector:<name>`: the exact set it returns per persona) or a
  service (`service:<name>`: allowed, `HIDDEN` or `DENIED` per persona), called directly.

`tests/test_permission_matrix.py` runs each line for every persona, and fails when a URL pattern ×
a method its view accepts, a selector or a service of the project has no line (see
`tests/matrix/coverage.py` for how the accepted methods are found).

Personas: caseworker (team A), other_team_caseworker (team B), intake, supervisor, dpo, admin,
partner (agreement covering world.case_a), partner_without_agreement, anonymous. Staff use a
browser session that passed the second factor; partners use their API token, which pages do not
accept (so a page answers a partner like anonymous: LOGIN).

Every line is run for each persona inside a savepoint that is rolled back, on one world built for
the line (`tests/shared_world.py`, plus what the line's `path`/`setup` builds, lazily and once).
Around each persona's run the whole domain (every casework table but the audit trail, and the
second factor's devices) is compared before and after, by a fingerprint of each table (its rows'
compared columns digested in SQL; the rows themselves are read only to say what changed): a persona
not in `writes` must leave it exactly as it was; a persona in `writes` must change it, and
`wrote(world, persona)` asserts the change itself (the row, the field, the audit event).

How to add a line:

    from tests.matrix import LOGIN, Surface, expect

    SURFACES = [
        Surface(
            name="person_note_new",                     # the URL pattern's name
            method="POST",
            path=lambda w: f"/persons/{w.case_a.public_id}/notes/new/",
            data=lambda w: {"text": "Called the family."},   # or (w, persona) -> dict
            expect=expect(403, caseworker=302, supervisor=302, other_team_caseworker=404,
                          anonymous=LOGIN, partner=LOGIN, partner_without_agreement=LOGIN),
            writes={"caseworker", "supervisor"},
            wrote=lambda w, persona: ...,               # assert the note exists, by that author
            check=lambda w, persona, response: ...,    # on a 2xx: the exact visible set
        ),
    ]

`expect(default=..., **per_persona)` fills every persona not named with `default`. `LOGIN` means a
redirect to the login page (pages); API surfaces expect 401 for anonymous instead. `sets(...)` is
the same for selectors: each persona's exact set of labels (a record's label is the name the world
gives it: `case_a`, `north_report`, ...).

A persona is left out of a line (`left_out={persona: "BUG: ..."}`) only while a known bug keeps
its right expectation red: the line runs for every other persona; once the bug is fixed, remove
the entry.
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
STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo", "admin")

LOGIN = "login"
# Outcomes of a service call.
ALLOWED = "allowed"
HIDDEN = "hidden"  # permissions.Hidden: answered like a missing record (404)
DENIED = "denied"  # permissions.Denied: seen, but not this action (403)
INVALID = "invalid"  # services.errors.ServiceError: through the gates, refused by a rule
OUTCOMES = {ALLOWED, HIDDEN, DENIED, INVALID}

# Pages answer partners (their token is for the API) and anonymous visitors with the login page.
PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}


def expect(default, **per_persona) -> dict[str, Any]:
    unknown = set(per_persona) - set(PERSONAS)
    if unknown:
        raise ValueError(f"Unknown personas: {sorted(unknown)}")
    return {persona: per_persona.get(persona, default) for persona in PERSONAS}


def _personas(names) -> frozenset[str]:
    names = frozenset(names)
    unknown = names - set(PERSONAS)
    if unknown:
        raise ValueError(f"Unknown personas: {sorted(unknown)}")
    return names


@dataclass(frozen=True)
class Surface:
    name: str  # the URL pattern's name
    path: Callable[[Any], str]
    expect: dict[str, int | str]
    method: str = "GET"
    data: Callable | None = None  # (world) or (world, persona) -> the body
    json: bool = False
    headers: Callable | None = None  # (world) or (world, persona) -> extra request headers
    check: Callable[[Any, str, Any], None] | None = None  # (world, persona, response), on a 2xx
    writes: frozenset[str] = frozenset()  # personas whose request must change the domain
    wrote: Callable[[Any, str], None] | None = None  # (world, persona): the change itself
    setup: Callable[[Any], Any] | None = None  # builds what the line needs, before any persona
    label: str = ""  # tells two lines of one URL and method apart in the test id
    # More names this surface covers (e.g. the same view under a second URL name).
    also_covers: tuple[str, ...] = field(default_factory=tuple)
    # Personas not run on this line, each with the known bug that keeps its expectation red.
    left_out: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.name}: no expectation for {sorted(missing)}")
        _personas(self.left_out)
        object.__setattr__(self, "writes", _personas(self.writes))
        object.__setattr__(self, "method", self.method.upper())

    @property
    def id(self) -> str:
        return " ".join(p for p in (self.method, self.name, self.label) if p)


@dataclass(frozen=True)
class Call:
    """A selector or a service, called as each persona (anonymous: `AnonymousUser`).

    For a selector, `run(world, user)` returns the labels of what it returned (see `labels`) and
    `expect[persona]` is that exact set; for a service, `run` calls it and `expect[persona]` is
    `ALLOWED`, `HIDDEN`, `DENIED` or `INVALID`. A service line writes by default: every persona
    it allows must change the domain (and `wrote` says how), every other must change nothing."""

    name: str  # "selector:<function>", "gate:<Model>.<gate>" or "service:<function>"
    run: Callable[[Any, Any], Any]
    expect: dict[str, Any]
    check: Callable[[Any, str, Any], None] | None = None  # (world, persona, result) when allowed
    writes: bool = True  # for a service: whether an allowed call changes the domain
    wrote: Callable[[Any, str], None] | None = None
    setup: Callable[[Any], Any] | None = None
    label: str = ""
    # Personas not run on this line, each with the known bug that keeps its expectation red.
    left_out: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.name}: no expectation for {sorted(missing)}")
        _personas(self.left_out)
        kind = self.name.partition(":")[0]
        if kind not in ("selector", "gate", "service"):
            raise ValueError(f"{self.name}: name a selector:, a gate: or a service:")
        for persona, outcome in self.expect.items():
            if kind == "service" and outcome not in OUTCOMES:
                raise ValueError(f"{self.name}: {persona} expects {outcome!r}")
            if kind in ("selector", "gate") and not isinstance(outcome, frozenset | set | bool):
                raise ValueError(f"{self.name}: {persona} expects a set of labels or a bool")

    @property
    def kind(self) -> str:
        return self.name.partition(":")[0]

    @property
    def function(self) -> str:
        return self.name.partition(":")[2]

    @property
    def id(self) -> str:
        return " ".join(p for p in (self.name, self.label) if p)


def sets(default=frozenset(), **per_persona) -> dict[str, frozenset]:
    """`expect` for selectors and list checks: each persona's exact set of labels."""
    return {
        persona: frozenset(value)
        for persona, value in expect(frozenset(default), **per_persona).items()
    }


def labels(world, objects, *, attr="pk") -> set[str]:
    """The world's names for `objects` (any record the world does not name shows as
    `<Model pk>`, so an unexpected record fails the comparison by name)."""
    known = {}
    for name, value in vars(world).items():
        key = getattr(value, attr, None) if hasattr(value, "_meta") else None
        if key is not None:
            known[(type(value).__name__, key)] = name
    out = set()
    for obj in objects:
        key = getattr(obj, attr)
        out.add(known.get((type(obj).__name__, key), f"<{type(obj).__name__} {key}>"))
    return out
