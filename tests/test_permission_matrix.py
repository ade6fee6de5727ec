"""Every surface × every persona (see tests/matrix/__init__.py), and nothing left out: no URL
pattern × method its view accepts, no selector and no service without a line."""

import importlib
import pkgutil

import pytest
from django.core.cache import cache
from django.urls import URLPattern, get_resolver

import tests.matrix as matrix_package
from tests.matrix import ALLOWED, Call, Surface
from tests.matrix.coverage import required_pairs, selector_names, service_names
from tests.matrix.engine import run_call, run_surface

# URL names deliberately outside the matrix, each with its reason.
UNLISTED = {
    "set_language": "Django's language switch: sets a cookie, reads nothing.",
}
# Whole namespaces covered by their own tests.
UNLISTED_NAMESPACES = {
    "admin": "Django admin: superusers behind the second factor (tests/test_second_factor.py).",
}
# (URL name, write method) pairs that have no line in which a persona writes, each with its reason.
# Every other POST/PATCH/PUT/DELETE a view accepts must have a line whose `writes` is not empty.
NO_WRITE_LINE = {
    ("home", "POST"): "the home page treats a POST like a GET: it only counts.",
    ("person_list", "POST"): "the list treats a POST like a GET.",
    ("person_detail", "POST"): "the record page treats a POST like a GET.",
    ("report_list", "POST"): "the queue treats a POST like a GET.",
    ("report_detail", "POST"): "the report page treats a POST like a GET.",
    ("report_attachment", "POST"): "a file download treats a POST like a GET.",
    ("flight_list", "POST"): "the list treats a POST like a GET.",
    ("flight_detail", "POST"): "the flight page treats a POST like a GET.",
    ("import_list", "POST"): "the list treats a POST like a GET.",
    ("import_detail", "POST"): "the import page treats a POST like a GET.",
    ("import_dry_run", "POST"): "a dry run writes nothing by design (its line checks that).",
    ("review_queue", "POST"): "the queue treats a POST like a GET.",
    ("review_merge_detail", "POST"): "the merge page treats a POST like a GET.",
    ("audit_events", "POST"): "the audit list treats a POST like a GET.",
    ("audit_break_glass", "POST"): "the grant list treats a POST like a GET.",
    ("audit_withdrawals", "POST"): "the list of withdrawals treats a POST like a GET.",
    ("audit_subject_access", "POST"): "a subject-access export writes only its audit event (its "
    "line checks that).",
    ("flight_export", "POST"): "an export writes only its audit event (its line checks that).",
    ("place_export", "POST"): "an export writes only its audit event (its line checks that).",
    ("manifest_xlsx", "POST"): "an export writes only its audit event (its line checks that).",
    ("person_export_hxl", "POST"): "an export writes only its audit event (its line checks that).",
    ("login", "POST"): "signing in writes a session and an audit event, no domain row.",
    ("login", "PUT"): "Django's LoginView answers PUT like POST: it signs in, writes no record.",
    ("logout", "POST"): "ends the session only; sessions are not domain rows.",
    ("keepalive", "POST"): "restarts the session's idle clock only; sessions are not domain rows.",
    ("public_report_status", "POST"): "a family's look-up reads their report; wrong secrets count "
    "in the cache, not in a domain row (its lines check that nothing changes).",
    ("second_factor", "POST"): "an already verified session is sent on; nothing is written.",
    ("api-not-found", "POST"): "answers 404 to every method.",
    ("api-not-found", "PUT"): "answers 404 to every method.",
    ("api-not-found", "PATCH"): "answers 404 to every method.",
    ("api-not-found", "DELETE"): "answers 404 to every method.",
}
# Selectors and services deliberately outside the matrix, each with its reason.
UNLISTED_CALLS: dict[str, str] = {}


def _modules():
    for module_info in pkgutil.iter_modules(matrix_package.__path__):
        if module_info.name.startswith("surfaces_"):
            yield importlib.import_module(f"tests.matrix.{module_info.name}")


SURFACES: list[Surface] = [s for m in _modules() for s in getattr(m, "SURFACES", [])]
CALLS: list[Call] = [c for m in _modules() for c in getattr(m, "CALLS", [])]


def _covered_pairs():
    covered = {}
    for surface in SURFACES:
        for name in (surface.name, *surface.also_covers):
            covered.setdefault((name, surface.method), []).append(surface)
    return covered


def _required():
    return required_pairs(UNLISTED, UNLISTED_NAMESPACES)


def test_every_url_pattern_and_method_is_in_the_matrix():
    covered = _covered_pairs()
    missing = sorted(
        f"{method} {name}" for name, method in _required() if (name, method) not in covered
    )
    assert not missing, f"URL patterns × methods with no line in tests/matrix: {missing}"


def test_no_line_for_a_method_the_view_refuses():
    required = _required()
    extra = sorted(
        f"{method} {name}" for name, method in _covered_pairs() if (name, method) not in required
    )
    assert not extra, f"Lines for a URL name or method the project does not have: {extra}"


def test_every_write_method_has_a_line_that_writes():
    required = _required()
    covered = _covered_pairs()
    missing, stale = [], []
    for name, method in sorted(required):
        if method == "GET":
            continue
        writing = [s for s in covered.get((name, method), []) if s.writes]
        if not writing and (name, method) not in NO_WRITE_LINE:
            missing.append(f"{method} {name}")
        if writing and (name, method) in NO_WRITE_LINE:
            stale.append(f"{method} {name}")
    stale += [f"{m} {n}" for n, m in NO_WRITE_LINE if (n, m) not in required]
    assert not missing, f"Write methods with no line in which a persona writes: {missing}"
    assert not stale, f"NO_WRITE_LINE entries that no longer apply: {stale}"


def test_every_writing_line_says_what_it_wrote():
    vague = [s.id for s in SURFACES if s.writes and s.wrote is None]
    vague += [
        c.id
        for c in CALLS
        if c.kind == "service" and c.writes and c.wrote is None and ALLOWED in c.expect.values()
    ]
    assert not vague, f"Lines that write without asserting the change itself: {vague}"


def test_every_selector_and_service_is_in_the_matrix():
    wanted = (selector_names() | service_names()) - set(UNLISTED_CALLS)
    covered = {call.name for call in CALLS}
    assert not sorted(wanted - covered), f"No line in tests/matrix: {sorted(wanted - covered)}"
    unknown = sorted(covered - selector_names() - service_names())
    assert not unknown, f"Lines for selectors or services that do not exist: {unknown}"


def test_personas_are_left_out_only_for_a_known_bug():
    vague = [
        (line.id, persona)
        for line in (*SURFACES, *CALLS)
        for persona, reason in line.left_out.items()
        if not reason.startswith("BUG: ")
    ]
    assert not vague, f"Personas left out of a line without naming the bug: {vague}"


def test_every_url_pattern_has_a_name():
    unnamed = [
        str(entry.pattern)
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLPattern) and not entry.name
    ]
    assert not unnamed


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The API's throttles count in the cache: each line starts from none.
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.id)
def test_surface(surface, world):
    run_surface(surface, world)


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.id)
def test_call(call, world):
    run_call(call, world)
