"""Every list page costs the same number of queries for 5 rows or 30: no query per row.

Each case builds rows the persona may see, reads the page (the first request of a session also
writes the session, so it is read once before counting), then adds 25 rows and reads it again.
The rows counted on the page prove that the second reading did show 30 of them.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import models
from casework.audit import AuditAction
from tests.factories import FlightFactory, LocationFactory, PersonFactory, ReportFactory

FEW, MANY = 5, 30
_serial = itertools.count()


def _person(world, team=None):
    n = next(_serial)
    return PersonFactory(
        organisation=world.north, team=team or world.team_a, display_name=f"Listova Amina {n}"
    )


def add_persons(world, n):
    for _ in range(n):
        _person(world)


def add_reports(world, n):
    """Reports of every kind the caseworker keeps: waiting, and triaged about their own case."""
    for i in range(n):
        report = ReportFactory(
            organisation=world.north,
            status="triaged" if i % 2 else "new",
            received_at=timezone.now(),
        )
        models.ReportEntry.objects.create(
            report=report, position=1, family_name="Listova", given_name="Zarema"
        )
        if i % 2:
            models.ReportEntry.objects.create(
                report=report,
                position=2,
                family_name="Listova",
                given_name="Amina",
                outcome="linked",
                person=_person(world),
            )


def add_partner_reports(world, n):
    """Reports the partner sent, some already linked to a person (their coarse status reads it)."""
    for i in range(n):
        report = ReportFactory(
            organisation=world.north, channel="partner", source_partner=world.partner_org
        )
        models.ReportEntry.objects.create(
            report=report,
            position=1,
            family_name="Listova",
            given_name="Zarema",
            **({"outcome": "linked", "person": _person(world)} if i % 2 else {}),
        )


def add_events(world, n):
    for _ in range(n):
        models.AuditEvent.objects.create(
            organisation=world.north,
            actor=world.caseworker,
            actor_label="caseworker",
            action=AuditAction.READ_SENSITIVE,
            object_type="Person",
            object_id=world.case_a.public_id,
            person_id=world.case_a.public_id,
            fields=["birth_date"],
            changes={"level": "sensitive"},
        )


def add_grants(world, n):
    for _ in range(n):
        models.BreakGlassGrant.objects.create(
            user=world.caseworker,
            person=_person(world, world.team_b),
            reason="The family called; her caseworker is away.",
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )


def add_flights(world, n):
    for _ in range(n):
        flight = FlightFactory(organisation=world.north)
        models.ManifestEntry.objects.create(flight=flight, person=_person(world))
        models.ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Listov Adam")


def add_imports(world, n):
    for _ in range(n):
        i = next(_serial)
        models.ListImport.objects.create(
            organisation=world.north, source=f"Camp list {i}", sha256=f"{i:064d}"
        )


def add_import_rows(world, n):
    if not hasattr(world, "list_import"):
        world.list_import = models.ListImport.objects.create(
            organisation=world.north, source="Camp list", sha256="1" * 64, status="committed"
        )
    list_import = world.list_import
    start = list_import.rows.count()
    for row_number in range(start + 1, start + n + 1):
        models.ListImportRow.objects.create(
            list_import=list_import,
            row_number=row_number,
            data={"fields": {"family_name": "Listova"}},
            outcome="created",
            person=_person(world),
        )


def add_suggestions(world, n):
    for _ in range(n):
        models.MatchSuggestion.objects.create(
            organisation=world.north,
            kind="person_person",
            person=_person(world),
            other_person=_person(world),
            probability=0.9,
            explanation={"fields": []},
        )


def add_locations(world, n):
    for _ in range(n):
        LocationFactory()


def add_accounts(world, n):
    """North's accounts, each in a team, half with a second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for i in range(n):
        user = models.User.objects.create(
            username=f"listova.{next(_serial)}", organisation=world.north, role="caseworker"
        )
        models.Membership.objects.create(user=user, team=world.team_a if i % 2 else world.team_b)
        if i % 2:
            TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def add_teams(world, n):
    for _ in range(n):
        models.Team.objects.create(organisation=world.north, name=f"Team {next(_serial)}")


def add_agreements(world, n):
    for _ in range(n):
        models.SharingAgreement.objects.create(
            owner=world.north,
            partner=world.stranger_org,
            title=f"Agreement {next(_serial)}",
            valid_from=dt.date(2025, 1, 1),
        )


def add_partner_tokens(world, n):
    from casework.services.accounts import partner_token_issue

    for _ in range(n):
        partner_token_issue(actor=world.admin, user=world.partner, name=f"Server {next(_serial)}")


def add_jobs(world, n):
    for _ in range(n):
        models.BackgroundJob.objects.create(
            kind="export", action="export_pseudonymised", organisation=world.north,
            requested_by=world.caseworker, private=True, state="done",
            progress_done=10, progress_total=10,
        )  # fmt: skip


def _import_path(world):
    return f"/imports/{world.list_import.public_id}/"


# (label, persona, path or a function of the world, add rows, rows on the page)
CASES = [
    ("persons", "caseworker", "/persons/", add_persons, lambda r: len(r.context["page"])),
    ("reports", "caseworker", "/reports/", add_reports, lambda r: len(r.context["page"])),
    ("reports, intake", "intake", "/reports/", add_reports, lambda r: len(r.context["page"])),
    ("audit trail", "dpo", "/audit/", add_events, lambda r: len(r.context["page"])),
    (
        "break-glass grants",
        "dpo",
        "/audit/break-glass/",
        add_grants,
        lambda r: len(r.context["page"]),
    ),
    ("flights", "caseworker", "/flights/", add_flights, lambda r: len(r.context["page"])),
    ("list imports", "caseworker", "/imports/", add_imports, lambda r: len(r.context["page"])),
    (
        "list import rows",
        "caseworker",
        _import_path,
        add_import_rows,
        lambda r: len(r.context["page"]),
    ),
    # 20 to a page: the rows counted prove the 30 are there, the page is full both times.
    (
        "review queue",
        "supervisor",
        "/review/",
        add_suggestions,
        lambda r: r.context["page"].paginator.count,
    ),
    # 20 to a page, as the review queue.
    (
        "background jobs",
        "caseworker",
        "/jobs/",
        add_jobs,
        lambda r: r.context["page"].paginator.count,
    ),
    (
        "API persons",
        "caseworker",
        "/api/v1/persons/",
        add_persons,
        lambda r: len(r.json()["results"]),
    ),
    (
        "API reports",
        "caseworker",
        "/api/v1/reports/",
        add_reports,
        lambda r: len(r.json()["results"]),
    ),
    (
        "API reports, partner",
        "partner",
        "/api/v1/reports/",
        add_partner_reports,
        lambda r: len(r.json()["results"]),
    ),
    (
        "API flights",
        "caseworker",
        "/api/v1/flights/",
        add_flights,
        lambda r: len(r.json()["results"]),
    ),
    (
        "API locations",
        "caseworker",
        "/api/v1/locations/",
        add_locations,
        lambda r: len(r.json()["results"]),
    ),
    ("accounts", "admin", "/organisation/", add_accounts, lambda r: len(r.context["page"])),
    (
        "teams",
        "admin",
        "/organisation/teams/",
        add_teams,
        lambda r: len(r.context["teams"]),
    ),
    (
        "sharing agreements",
        "admin",
        "/organisation/agreements/",
        add_agreements,
        lambda r: len(r.context["agreements"]),
    ),
    (
        "partner tokens",
        "admin",
        "/organisation/tokens/",
        add_partner_tokens,
        lambda r: r.content.decode().count('class="token"'),
    ),
]


def _client(world, login, persona):
    user = getattr(world, persona)
    if persona != "partner":
        return login(user)
    from casework.services.accounts import CommandLine, partner_token_issue

    issued = partner_token_issue(actor=CommandLine("test"), user=user, name="test", days=1)
    from django.test import Client

    return Client(headers={"Authorization": f"Bearer {issued.key}"})


def _read(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(queries), response


@pytest.mark.parametrize(
    ("persona", "path", "add", "rows_of"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_list_page_makes_as_many_queries_for_30_rows_as_for_5(
    world, login, persona, path, add, rows_of
):
    add(world, FEW)
    client = _client(world, login, persona)
    url = path(world) if callable(path) else path
    client.get(url)
    few, response = _read(client, url)
    shown_few = rows_of(response)
    add(world, MANY - FEW)
    many, response = _read(client, url)
    assert rows_of(response) - shown_few == MANY - FEW
    assert many == few
