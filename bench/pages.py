"""Every staff page and every API list page at 100,000 persons: server time, queries, SQL time.

In-process: Django's test Client against PostgreSQL with the production settings module
(`casework.settings`: DEBUG off, a fresh random secret key, static files collected into a
temporary STATIC_ROOT; only ALLOWED_HOSTS=testserver and secure cookies off, for the test
client's plain HTTP). No web server, no network: the time measured is the application's own
(middleware, views, templates, ORM, the database's answers).

Pages come from the URLconf: every named URL, except those skipped with a reason (printed):
POST-only routes (found by asking: a GET answers 405), the login steps, the families' public
form (bench/public_form_load.py measures it), the Django admin, health and catch-alls. A URL
with a public id gets a realistic record the persona may see (the caseworker's richest person,
the report of theirs with the most entries, the fullest flight, ...); a new URL with an id and no
record picker below is listed as skipped, so no page is forgotten silently. A page is measured as
the persona who works on it (PERSONAS), or else as the first of caseworker, supervisor, intake
and DPO that gets a 200. API lists are read 100 to a page, with the partner's token (persons,
reports, the change feed) and with a staff session.

Personas are the seed's demo users, each with a session that passed the second factor (the keys
the login and second-factor views store, as the load benchmark builds them); the partner gets a
new API token through the service. Setup writes through the services what the seed lacks so
that every page has something to show: a break-glass access by the caseworker, a list import
(a fixture list, previewed, not committed) and one run of "find duplicates" (capped at
--review-pairs pairs) for the review queue.

For each page: --warmup requests, then --requests measured ones (fewer, but at least 5, once a
page has used --budget seconds); p50 and p95 of the server
time, the number of SQL queries (median, and the spread if it varies), the raw SQL time (the sum
of each statement's execution as the driver sees it, through `connection.execute_wrapper`), and
server time / SQL time at p50. Targets (issue 8): p95 ≤ 150 ms; p95 ≤ 3 × the p95 SQL time or
≤ 50 ms, whichever is larger; the person page ≤ 15 queries. A markdown table (stdout, or
--markdown FILE) and JSON (--json FILE), with the command line, the commit, /proc/loadavg before
and after and how busy the machine was (2 shared cores: numbers move with the load).

Reproduce (PostgreSQL on 127.0.0.1:5432, user postgres, no password):

    createdb -h 127.0.0.1 -U postgres casework_bench100k
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_bench100k
    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py migrate
    DJANGO_SETTINGS_MODULE=tests.settings DEMO_PASSWORD=bench-password-123 \\
        .venv/bin/python manage.py seed_demo --persons 100000 --audit-events 1000000
    psql -h 127.0.0.1 -U postgres casework_bench100k -c ANALYZE     # autovacuum is off here
    createdb -h 127.0.0.1 -U postgres -T casework_bench100k casework_bench100k_pristine
    .venv/bin/python bench/pages.py --template casework_bench100k_pristine \\
        --database casework_pages --json /tmp/pages.json --markdown /tmp/pages.md

`--template` drops `--database` and copies it afresh from the template, so every run starts from
the same data (the run writes: audit rows, sessions, the setup's records). `--only REGEX` measures
the pages whose label matches.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from _harness import (
    loadavg,
    machine_ticks,
    recreate_database,
    setup_in_process,
    verified_session,
)

ROOT = Path(__file__).resolve().parent.parent
P95_MS = 150.0
RATIO = 3.0
RATIO_FLOOR_MS = 50.0
PERSON_PAGE_QUERIES = 15
API_PAGE_SIZE = 100
STAFF_PERSONAS = ["caseworker", "supervisor", "intake", "dpo", "admin"]

# Pages measured as several personas, or with several query strings (label suffix → query).
PERSONAS = {
    "home": ["caseworker", "supervisor", "intake", "dpo"],
    "person_list": ["caseworker", "supervisor", "intake", "dpo"],
    "person_detail": ["caseworker", "supervisor", "dpo"],
    "report_list": ["caseworker", "intake", "supervisor"],
    "report_detail": ["caseworker", "supervisor"],
    "audit_events": ["dpo"],
    "api-person-list": ["partner", "caseworker", "supervisor"],
    "api-report-list": ["partner", "caseworker"],
    "api-person-changes": ["partner"],
    "api-report-changes": ["partner"],
    "api-suggestion-list": ["partner"],
    "place_list": ["caseworker", "supervisor"],
    "place_detail": ["caseworker", "supervisor"],
}
VARIANTS = {
    "person_list": {
        "": "",
        "page 2": "page=2",
        "name search": "q={surname}",
        "status": "status=located",
    },
    "report_list": {"": "", "status new": "status=new"},
    "place_detail": {"": "", "page 2": "page=2"},
    "audit_events": {
        "": "",
        "page 2": "page=2",
        "page 200": "page=200",
        "action": "action=login",
    },
}
SKIP = {
    "health": "a probe for the load balancer, not a page",
    "set_language": "switches the language: a POST (a GET only redirects back)",
    "login": "the login steps: before the session exists",
    "second_factor": "the login steps: before the second factor",
    "second_factor_setup": "the login steps: enrolment of a first device",
    "public_report": "the families' public form: bench/public_form_load.py measures it",
    "public_report_status": "the families' public form: bench/public_form_load.py measures it",
    "public_report_status_add": "the families' public form: bench/public_form_load.py measures it",
    "api-not-found": "the API's catch-all 404",
}


# --- database -------------------------------------------------------------------------------------


def configure(database: str, workdir: Path) -> None:
    """The production settings, relaxed only for the test client's plain HTTP."""
    setup_in_process(database, workdir, collect_static=True)


# --- personas and records -------------------------------------------------------------------------


@dataclass
class Persona:
    name: str
    user: object
    session_key: str = ""
    token: str = ""

    def client(self):
        from django.conf import settings
        from django.test import Client

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        client = Client(raise_request_exception=False, headers=headers)
        if self.session_key:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
        return client


def personas() -> dict[str, Persona]:
    from casework.models import User
    from casework.services.accounts import CommandLine, partner_token_issue

    found = {}
    for name in STAFF_PERSONAS:
        user = User.objects.get(username=name)
        found[name] = Persona(name, user, session_key=verified_session(user))
    partner = User.objects.get(username="partner")
    issued = partner_token_issue(
        actor=CommandLine("bench/pages.py"), user=partner, name="page benchmark", days=1
    )
    found["partner"] = Persona("partner", partner, token=issued.key)
    return found


@dataclass
class Records:
    """The records the pages with an id are opened on, and what setup wrote."""

    person: object = None
    outside_person: object = None
    report: object = None
    pending_entry: object = None
    attachment: object = None
    flight: object = None
    open_flight: object = None
    boarded_entry: object = None
    list_import: object = None
    suggestion: object = None
    merge: object = None
    pair: tuple = ()
    location: object = None
    busiest_place: object = None
    proceeding: object = None
    surname: str = ""
    placement: object = None
    account: object = None  # a user of the organisation, as its administrator sees them
    team: object = None
    agreement: object = None
    partner_account: object = None
    setup: dict = field(default_factory=dict)


def pick_records(people: dict[str, Persona], review_pairs: int) -> Records:
    from django.db.models import Count, Q

    from casework.models import (
        DetentionLocation,
        FamilyReport,
        LegalProceeding,
        ManifestEntry,
        MatchSuggestion,
        PersonMerge,
        PersonName,
        RepatriationFlight,
        ReportAttachment,
        ReportEntry,
        Sensitivity,
    )
    from casework.permissions import person_scope

    def flights_visible_to(user):
        return RepatriationFlight.objects.visible_to(user)

    def reports_visible_to(user):
        return FamilyReport.objects.visible_to(user)

    def merges_visible_to(user):
        return PersonMerge.objects.visible_to(user)

    caseworker = people["caseworker"].user
    supervisor = people["supervisor"].user
    found = Records()
    mine = (
        person_scope(caseworker)
        .filter(merged_into__isnull=True)
        .exclude(sensitivity=Sensitivity.PROTECTED)
    )
    # The caseworker's richest person among a few thousand: the person page at its heaviest.
    sample = mine.order_by("id").values("pk")[:3000]
    found.person = (
        mine.filter(pk__in=sample)
        .annotate(
            n=Count("names", distinct=True)
            + Count("relations_out", distinct=True)
            + Count("placements", distinct=True)
        )
        .order_by("-n", "id")
        .first()
    )
    found.outside_person = (
        found.person.__class__.objects.filter(organisation_id=caseworker.organisation_id)
        .exclude(pk__in=person_scope(caseworker).values("pk"))
        .exclude(sensitivity=Sensitivity.PROTECTED)
        .order_by("id")
        .first()
    )
    reports = reports_visible_to(caseworker)
    pending = ReportEntry.objects.filter(report__in=reports.values("pk"), outcome="pending")
    found.pending_entry = pending.select_related("report").order_by("id").first()
    found.report = (
        reports.annotate(n=Count("entries")).order_by("-n", "id").first()
        if found.pending_entry is None
        else found.pending_entry.report
    )
    found.attachment = ReportAttachment.objects.filter(report=found.report).first()
    found.flight = (
        flights_visible_to(caseworker).annotate(n=Count("manifest")).order_by("-n", "id").first()
    )
    # The manifest picker on the fullest flight still taking passengers.
    from casework.workflow import OPEN_FLIGHT

    found.open_flight = (
        flights_visible_to(caseworker)
        .filter(status__in=OPEN_FLIGHT)
        .annotate(n=Count("manifest"))
        .order_by("-n", "id")
        .first()
    )
    # A passenger who boarded and was not yet handed over, on any of the caseworker's flights.
    found.boarded_entry = (
        ManifestEntry.objects.filter(
            flight__in=flights_visible_to(caseworker).values("pk"),
            status="boarded",
            person__in=person_scope(caseworker).values("pk"),
        )
        .filter(Q(handover__isnull=True))
        .select_related("flight")
        .order_by("id")
        .first()
    )
    found.location = DetentionLocation.objects.order_by("id").first()
    # The place with the most placements: its page lists the most persons held there now.
    found.busiest_place = (
        DetentionLocation.objects.annotate(n=Count("placements")).order_by("-n", "id").first()
    )
    found.proceeding = LegalProceeding.objects.filter(person=found.person).order_by("id").first()
    found.surname = (
        PersonName.objects.filter(person__organisation_id=caseworker.organisation_id)
        .exclude(family_name="")
        .values("family_name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("family_name", flat=True)
        .first()
    )
    found.merge = merges_visible_to(supervisor).order_by("id").first()
    write_what_the_seed_lacks(people, found, review_pairs)
    found.suggestion = (
        MatchSuggestion.objects.filter(organisation_id=supervisor.organisation_id)
        .order_by("-probability", "id")
        .first()
    )
    if found.suggestion is not None and found.suggestion.other_person_id:
        found.pair = (found.suggestion.person, found.suggestion.other_person)
    # The organisation's administration (the administrator's pages) and a shared person's
    # placement (the API).
    from casework.models import Placement, SharingAgreement, Team, User

    admin = people["admin"].user
    found.placement = Placement.objects.filter(person=found.person).order_by("id").first()
    found.account = (
        User.objects.filter(organisation_id=admin.organisation_id, role="caseworker")
        .order_by("id")
        .first()
    )
    found.team = Team.objects.filter(organisation_id=admin.organisation_id).order_by("id").first()
    found.agreement = (
        SharingAgreement.objects.filter(owner_id=admin.organisation_id).order_by("id").first()
    )
    found.partner_account = User.objects.filter(role="partner").order_by("id").first()
    return found


def write_what_the_seed_lacks(people, found: Records, review_pairs: int) -> None:
    """A break-glass access, a list import and a review queue, through the services."""
    from casework.models import BreakGlassGrant, ListImport, MatchSuggestion
    from casework.services.access import break_glass_open
    from casework.services.imports import list_import_upload
    from casework.services.matching import suggestions_find_duplicates

    caseworker = people["caseworker"].user
    supervisor = people["supervisor"].user
    if found.outside_person and not BreakGlassGrant.objects.filter(user=caseworker).exists():
        break_glass_open(
            actor=caseworker,
            person=found.outside_person,
            reason="Benchmark: the family called about her; her caseworker is away.",
        )
        found.setup["break_glass"] = 1
    if not ListImport.objects.filter(organisation_id=caseworker.organisation_id).exists():
        path = ROOT / "fixtures" / "lists" / "relatives_list_ru_cp1251.csv"
        importer = next(
            p.user for p in people.values() if _may(p.user, "import_list") and p.session_key
        )
        found.list_import = list_import_upload(
            actor=importer,
            source="Benchmark list",
            as_of=None,
            filename=path.name,
            data=path.read_bytes(),
        )
        found.setup["list_import"] = found.list_import.row_count
    else:
        found.list_import = ListImport.objects.filter(
            organisation_id=caseworker.organisation_id
        ).first()
    if not MatchSuggestion.objects.filter(organisation_id=supervisor.organisation_id).exists():
        started = time.monotonic()
        n = suggestions_find_duplicates(actor=supervisor, limit_pairs=review_pairs)
        found.setup["review_suggestions"] = n
        found.setup["find_duplicates_s"] = round(time.monotonic() - started, 1)


def _may(user, action: str) -> bool:
    from casework.permissions import Action, may

    return may(user, Action(action))


def kwargs_for(name: str, found: Records) -> dict | None:
    """The URL arguments of a page with ids, or None when there is no record for it."""

    def pid(obj):
        return None if obj is None else obj.public_id

    person_pages = {
        "person_detail",
        "person_edit",
        "person_status",
        "person_assign",
        "person_placement_new",
        "person_relative_new",
        "person_note_new",
        "person_name_new",
        "person_share",
    }
    if name in person_pages:
        return {"public_id": pid(found.person)}
    table = {
        "person_break_glass": {"public_id": pid(found.outside_person)},
        "report_detail": {"report_id": pid(found.report)},
        "report_entry_triage": {
            "report_id": pid(found.report),
            "entry_id": pid(found.pending_entry),
        },
        "report_attachment": {
            "report_id": pid(found.report),
            "attachment_id": pid(found.attachment),
        },
        "flight_detail": {"flight_id": pid(found.flight)},
        "flight_edit": {"flight_id": pid(found.flight)},
        "manifest_add": {"flight_id": pid(found.open_flight)},
        "handover_new": {
            "flight_id": pid(found.boarded_entry.flight) if found.boarded_entry else None,
            "entry_id": pid(found.boarded_entry),
        },
        "import_detail": {"public_id": pid(found.list_import)},
        "review_suggestion": {"public_id": pid(found.suggestion)},
        "review_merge_detail": {"public_id": pid(found.merge)},
        "review_merge": {
            "survivor": pid(found.pair[0]) if found.pair else None,
            "absorbed": pid(found.pair[1]) if found.pair else None,
        },
        "api-person-detail": {"id": pid(found.person)},
        "api-report-detail": {"id": pid(found.report)},
        "api-flight-detail": {"id": pid(found.flight)},
        "api-location-detail": {"id": pid(found.location)},
        "place_detail": {"place_id": pid(found.busiest_place)},
        "place_edit": {"place_id": pid(found.busiest_place)},
        "place_population_new": {"place_id": pid(found.busiest_place)},
        "place_alias_new": {"place_id": pid(found.busiest_place)},
        "person_proceeding_new": {"public_id": pid(found.person)},
        "person_task_new": {"public_id": pid(found.person)},
        "manifest_print": {"flight_id": pid(found.flight)},
        "api-placement-detail": {"id": pid(found.placement)},
        "org_user_edit": {"user_id": pid(found.account)},
        "org_team_edit": {"team_id": pid(found.team)},
        "org_agreement_edit": {"agreement_id": pid(found.agreement)},
        "org_agreement_cases": {"agreement_id": pid(found.agreement)},
        "org_token_new": {"user_id": pid(found.partner_account)},
        "person_proceeding_edit": {
            "public_id": pid(found.person),
            "proceeding_id": pid(found.proceeding),
        },
    }
    if name not in table:
        return None
    values = table[name]
    return values if all(v is not None for v in values.values()) else {}


# --- the pages ------------------------------------------------------------------------------------


@dataclass
class Target:
    label: str
    name: str
    persona: str
    path: str


def routes():
    """(name, route, argument names) of every named URL."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    yield "admin", prefix + str(pattern.pattern), ["(every admin page)"]
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif pattern.name:
                yield (
                    pattern.name,
                    prefix + str(pattern.pattern),
                    list(pattern.pattern.regex.groupindex),
                )

    yield from walk(get_resolver().url_patterns)


def plan(people: dict[str, Persona], found: Records) -> tuple[list[Target], list[tuple]]:
    from django.urls import reverse

    targets, skipped = [], []
    for name, route, args in routes():
        if name == "admin":
            skipped.append((name, route, "the Django admin (superusers): not the app's pages"))
            continue
        if name in SKIP:
            skipped.append((name, route, SKIP[name]))
            continue
        if args:
            kwargs = kwargs_for(name, found)
            if kwargs is None or not kwargs:
                probe = reverse(name, kwargs={a: uuid.uuid4() for a in args})
                if post_only(people, probe):
                    skipped.append((name, route, "POST-only (a GET answers 405)"))
                elif kwargs is None:
                    skipped.append((name, route, "no record picker in bench/pages.py: add one"))
                else:
                    skipped.append((name, route, "no such record in the database"))
                continue
        else:
            kwargs = {}
        path = reverse(name, kwargs=kwargs)
        if name.endswith("-list") or name == "api-person-changes":
            path += f"?page_size={API_PAGE_SIZE}"
        if post_only(people, path):
            skipped.append((name, route, "POST-only (a GET answers 405)"))
            continue
        who = PERSONAS.get(name) or discover_persona(people, path)
        if who and name in PERSONAS:
            # A persona listed for a page must get it: one who does not is said, not measured.
            refused = {p: people[p].client().get(path).status_code for p in who}
            for persona, status in refused.items():
                if status != 200:
                    skipped.append((name, route, f"as {persona}: {status}"))
            who = [p for p in who if refused[p] == 200]
        if who is None:
            status = people["caseworker"].client().get(path).status_code
            skipped.append((name, route, f"no staff persona gets a 200 (caseworker: {status})"))
            continue
        for persona in who:
            for suffix, query in VARIANTS.get(name, {"": ""}).items():
                full = path
                if query:
                    joiner = "&" if "?" in path else "?"
                    full = f"{path}{joiner}{query.format(surname=found.surname)}"
                label = name + (f" ({suffix})" if suffix else "")
                targets.append(Target(label, name, persona, full))
    return targets, skipped


def post_only(people: dict[str, Persona], path: str) -> bool:
    """A GET answers 405 to a staff persona allowed past the page's role check."""
    return any(people[name].client().get(path).status_code == 405 for name in STAFF_PERSONAS)


def discover_persona(people: dict[str, Persona], path: str) -> list[str] | None:
    for name in STAFF_PERSONAS:
        if people[name].client().get(path).status_code == 200:
            return [name]
    return None


# --- measuring ------------------------------------------------------------------------------------


class SqlMeter:
    """Counts the statements of a request and adds up the time each takes to execute."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(target: Target, persona: Persona, warmup: int, requests: int, budget: float) -> dict:
    """`requests` measured requests after `warmup`, or fewer (at least 5) when the page has used
    up `budget` seconds: a page of 15 s would otherwise hold the run for minutes."""
    from django.db import connection

    client = persona.client()
    page_started = time.monotonic()
    for _ in range(warmup):
        client.get(target.path)
        if time.monotonic() - page_started > budget:
            break
    samples = []
    for _ in range(requests):
        if len(samples) >= 5 and time.monotonic() - page_started > budget:
            break
        meter = SqlMeter()
        with connection.execute_wrapper(meter):
            started = time.perf_counter()
            response = client.get(target.path)
            elapsed = time.perf_counter() - started
        status = response.status_code
        samples.append((elapsed * 1000, meter.count, meter.seconds * 1000, status))
    server = [s[0] for s in samples]
    sql = [s[2] for s in samples]
    queries = [s[1] for s in samples]
    row = {
        **asdict(target),
        "status": sorted({s[3] for s in samples}),
        "requests": len(samples),
        "p50_ms": round(pct(server, 50), 1),
        "p95_ms": round(pct(server, 95), 1),
        "queries": int(statistics.median(queries)),
        "queries_min": min(queries),
        "queries_max": max(queries),
        "sql_p50_ms": round(pct(sql, 50), 1),
        "sql_p95_ms": round(pct(sql, 95), 1),
    }
    row["ratio"] = round(row["p50_ms"] / row["sql_p50_ms"], 1) if row["sql_p50_ms"] else None
    row["missed"] = missed(row)
    return row


def missed(row: dict) -> list[str]:
    out = []
    if row["status"] != [200]:
        out.append(f"status {row['status']}")
    if row["p95_ms"] > P95_MS:
        out.append(f"p95 > {P95_MS:.0f} ms")
    allowed = max(RATIO * row["sql_p95_ms"], RATIO_FLOOR_MS)
    if row["p95_ms"] > allowed:
        out.append(f"p95 > {allowed:.0f} ms (3× SQL)")
    if row["name"] == "person_detail" and row["queries_max"] > PERSON_PAGE_QUERIES:
        out.append(f"queries > {PERSON_PAGE_QUERIES}")
    return out


# --- the machine ----------------------------------------------------------------------------------


def commit() -> str:
    out = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


# --- report ---------------------------------------------------------------------------------------


def table(rows: list[dict], requested: int) -> str:
    lines = [
        "| page | as | p50 ms | p95 ms | queries | SQL p50 ms | SQL p95 ms | server/SQL | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        queries = str(r["queries"])
        if r["queries_min"] != r["queries_max"]:
            queries += f" ({r['queries_min']}–{r['queries_max']})"
        verdict = "met" if not r["missed"] else "**missed**: " + "; ".join(r["missed"])
        if r["requests"] < requested:
            verdict += f" ({r['requests']} requests: over the time budget)"
        lines.append(
            f"| {r['label']} | {r['persona']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {queries} "
            f"| {r['sql_p50_ms']:.1f} | {r['sql_p95_ms']:.1f} | {r['ratio']} | {verdict} |"
        )
    return "\n".join(lines)


def report(result: dict) -> str:
    met = sum(1 for r in result["rows"] if not r["missed"])
    parts = [
        f"`{result['command']}`",
        "",
        f"Commit {result['commit']}, database {result['database']}, {result['when']}; "
        f"{result['requests']} requests per page after {result['warmup']} warm-up; "
        f"load average {result['load_before']} before, {result['load_after']} after; "
        f"machine {result['machine_busy_pct']} % busy over {result['wall_s']} s "
        f"({os.cpu_count()} cores). Setup wrote: {result['setup'] or 'nothing'}.",
        "",
        table(result["rows"], result["requests"]),
        "",
        f"{met} of {len(result['rows'])} rows meet every target.",
        "",
        "Not measured:",
        "",
    ]
    parts += [f"- `{name}` (`{route}`): {why}" for name, route, why in result["skipped"]]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="casework_pages")
    parser.add_argument("--template", help="drop --database and copy it from this one first")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="requests per page not counted")
    parser.add_argument("--only", help="measure only the pages whose label matches this regex")
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds per page before it stops at 5 requests"
    )
    parser.add_argument("--review-pairs", type=int, default=5000, help="cap of find duplicates")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        raise SystemExit("--database: lower-case letters, digits and _ only")
    command = shlex.join([".venv/bin/python", "bench/pages.py", *sys.argv[1:]])
    print(command, flush=True)
    if args.template:
        recreate_database(args.database, args.template)
    workdir = Path(tempfile.mkdtemp(prefix="casework-pages-"))
    configure(args.database, workdir)

    people = personas()
    # As a production worker: casework/wsgi.py loads every view and settles the garbage
    # collector (what is loaded frozen, young collections less often).
    import casework.wsgi  # noqa: F401

    found = pick_records(people, args.review_pairs)
    targets, skipped = plan(people, found)
    if args.only:
        targets = [t for t in targets if re.search(args.only, t.label)]
    print(f"{len(targets)} pages to measure, {len(skipped)} routes not measured", flush=True)

    load_before = loadavg()
    busy0, total0 = machine_ticks()
    started = time.monotonic()
    rows = []
    for target in targets:
        row = measure(target, people[target.persona], args.warmup, args.requests, args.budget)
        rows.append(row)
        print(
            f"  {target.label:<34} {target.persona:<10} p50 {row['p50_ms']:>7.1f}  "
            f"p95 {row['p95_ms']:>7.1f}  q {row['queries']:>3}  sql {row['sql_p50_ms']:>6.1f}"
            f"  {'ok' if not row['missed'] else '; '.join(row['missed'])}",
            flush=True,
        )
    busy1, total1 = machine_ticks()
    result = {
        "command": command,
        "commit": commit(),
        "database": args.database,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "requests": args.requests,
        "warmup": args.warmup,
        "load_before": load_before,
        "load_after": loadavg(),
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1),
        "wall_s": round(time.monotonic() - started, 1),
        "setup": found.setup,
        "rows": rows,
        "skipped": skipped,
    }
    text = report(result)
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
