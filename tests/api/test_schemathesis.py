"""The API fuzzed against its own schema (schemathesis, in-process through the WSGI app), as a
partner with its token and as a caseworker with a verified session: each caller's own schema (only
what it may call), positive and negative data, a few examples an operation so that it stays well
under a minute. Every answer: no 5xx, a documented status, content type and headers, a body of the
documented shape, and negative data rejected."""

import uuid

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import issue_token
from tests.conftest import verified_client

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 4
CSRF = "S" * 32


@pytest.fixture
def app(settings, monkeypatch):
    # schemathesis sends made-up tokens too: past 20 a minute every token from the test's address
    # would be a 429 (casework.api.throttling), and the rest of the run would test only that.
    from casework.api.throttling import RefusedTokenThrottle

    monkeypatch.setattr(RefusedTokenThrottle, "rate", "100000/minute", raising=False)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # The raw WSGI handler closes the database connection after each request, as a server does;
    # the test's own transaction lives on that connection (on PostgreSQL it would be gone after
    # the first request). Django's test client keeps it open the same way, but reconnects the
    # closing signal after each of its own requests: the connection itself is told to stay.
    for alias in connections:
        monkeypatch.setattr(connections[alias], "close_if_unusable_or_obsolete", lambda: None)
    return WSGIHandler()


def _run(strategy, checks, headers, cookies, statuses) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call_and_validate(headers=headers, cookies=cookies, checks=checks)
        statuses.append(response.status_code)

    run()


def _fuzz(schema, world, headers, cookies=None) -> list[int]:
    """Every operation of `schema`, positive and negative; the statuses answered."""
    statuses = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # Half of the time an id the caller sees, so that the records themselves are reached.
        fixed = {"id": str(world.case_a.public_id)} if "/persons/{id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            checks = CHECKS + ([negative_data_rejection] if mode.is_negative else [])
            for path_parameters in (None, fixed) if fixed else (None,):
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )
                try:
                    _run(strategy, checks, headers, cookies, statuses)
                except Unsatisfiable:
                    # Nothing of this operation can be made invalid and still be sent (an id
                    # is any text without a slash, and a slash would be another path): there
                    # is no negative case, which is not a failure. Positive cases always exist.
                    assert mode.is_negative, operation.path
    return statuses


def _reached_the_records(statuses) -> None:
    """The fuzzing got past authentication and reached records, not just refusals."""
    assert len(statuses) > 20
    # (A 401 is right when schemathesis itself sends a made-up session or token.)
    assert statuses.count(401) < len(statuses) / 4, statuses
    assert statuses.count(200) >= 5, statuses


def test_the_partner_api_conforms_to_its_schema(world, app):
    _token, value = issue_token(world.partner)
    headers = {"Authorization": f"Bearer {value}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, headers=headers)
    paths = {operation.ok().path for operation in schema.get_all_operations()}
    assert "/api/v1/persons/changes/" in paths and "/api/v1/placements/" in paths
    assert "/api/v1/persons/{id}/status/" not in paths
    _reached_the_records(_fuzz(schema, world, headers))


def test_the_staff_api_conforms_to_its_schema(world, app):
    client = verified_client(world.caseworker)
    # The caseworker's own schema, read through their session like any other API answer; without
    # its security schemes, or schemathesis would send made-up partner tokens in place of the
    # session (each rightly a 401) and test little else.
    raw = client.get("/api/v1/schema/").json()
    raw["components"].pop("securitySchemes")
    for operations in raw["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    paths = {operation.ok().path for operation in schema.get_all_operations()}
    assert "/api/v1/persons/{id}/status/" in paths
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    headers = {"X-CSRFToken": CSRF}
    _reached_the_records(_fuzz(schema, world, headers, cookies))
    # And a write that is valid beyond what a schema can say goes through, conforming too.
    create = schema["/api/v1/persons/"]["POST"]
    body = {"names": [{"family_name": "Testova", "given_name": "Zarema"}], "confirm_new": True}
    written = []
    # One key of its own (the fuzzing's keys may have been used with other bodies: a 422).
    key = {"Idempotency-Key": str(uuid.uuid4())}
    _run(create.as_strategy(body=body, headers=key), CHECKS, headers, cookies, written)
    assert set(written) == {201}


def test_one_partner_cannot_reach_anothers_records_whatever_it_sends(world, app):
    """Object-level authorisation with two partners' tokens: partner B (the "stranger"
    organisation, given its own agreement) shares case_b; partner A is fuzzed with B's person as
    the id of every person operation, and with filters naming what only B may see. Custom check:
    no answer to A ever carries B's person, and every record of theirs is a 404."""
    import datetime as dt

    from casework.models import (
        ManifestEntry,
        MatchSuggestion,
        Person,
        Placement,
        SharedCase,
        SharingAgreement,
    )
    from tests.factories import FlightFactory, LocationFactory, ReportFactory

    Person.objects.filter(pk=world.case_b.pk).update(birthplace="Testograd")
    theirs = SharingAgreement.objects.create(
        owner=world.north,
        partner=world.partner_without_agreement.organisation,
        title="North shares with the stranger",
        shared_fields=["display_name", "sex", "status", "birthplace"],
        valid_from=dt.date(2025, 1, 1),
    )
    SharedCase.objects.create(agreement=theirs, person=world.case_b)
    # B's placements, places and flights too, each shared with B (and A's with A).
    records = ["relationships", "whereabouts", "placements", "flights"]
    for agreement in (theirs, world.agreement):
        agreement.shared_fields = [*agreement.shared_fields, *records]
        agreement.save()
    their_report = ReportFactory(
        organisation=world.north, channel="partner", source_partner=theirs.partner
    )
    secret_ids = {"persons": str(world.case_b.public_id), "reports": str(their_report.public_id)}
    for person, place in ((world.case_b, "Testograd Camp"), (world.case_a, "Our Camp")):
        placement = Placement.objects.create(
            person=person,
            location=LocationFactory(name=place),
            start_date=dt.date(2024, 1, 1),
            source="visit",
            reliability="confirmed",
        )
        flight = FlightFactory(organisation=world.north)
        ManifestEntry.objects.create(flight=flight, person=person)
        if person == world.case_b:
            secret_ids |= {
                "placements": str(placement.public_id),
                "locations": str(placement.location.public_id),
                "flights": str(flight.public_id),
            }
    _token, value_b = issue_token(world.partner_without_agreement)
    b_client = Client(HTTP_AUTHORIZATION=f"Bearer {value_b}")
    b_sees = b_client.get(f"/api/v1/persons/{world.case_b.public_id}/")
    assert b_sees.status_code == 200  # the record exists for B
    # B's own list, and a suggestion between its row and its shared person.
    SharingAgreement.objects.filter(pk=theirs.pk).update(
        may_submit_list_rows=True, may_decide_suggestions=True
    )
    sent = b_client.post(
        "/api/v1/imports/",
        {"source": "B's registry", "rows": [{"family_name": "Testova", "given_name": "Bakhti"}]},
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    their_list = world.north.list_imports.get(public_id=sent.json()["id"])
    their_suggestion = MatchSuggestion.objects.create(
        organisation=world.north,
        kind="row_person",
        person=world.case_b,
        list_row=their_list.rows.get(),
        probability=0.9,
        explanation={},
    )
    assert b_client.get(f"/api/v1/suggestions/{their_suggestion.public_id}/").status_code == 200
    secret_ids |= {
        "imports": str(their_list.public_id),
        "suggestions": str(their_suggestion.public_id),
    }

    secrets = set(secret_ids.values())

    def never_anothers_record(ctx, response, case):
        text = response.content.decode(errors="replace") if response.content else ""
        if any(secret in text for secret in secrets) or "Testograd" in text:
            raise AssertionError(f"partner B's record reached partner A: {case.method} {case.path}")
        asked_for_it = (case.path_parameters or {}).get("id") in secrets
        if asked_for_it and response.status_code < 400:
            raise AssertionError(f"{response.status_code} for B's record")

    _token, value_a = issue_token(world.partner)
    headers = {"Authorization": f"Bearer {value_a}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, headers=headers)
    statuses = []
    for result in schema.get_all_operations():
        operation = result.ok()
        family = operation.path.split("/")[3]
        fixed = {"id": secret_ids[family]} if "{id}" in operation.path else None
        query = {
            "/api/v1/persons/": {"birthplace": "Testograd"},
            "/api/v1/placements/": {"person": secret_ids["persons"]},
        }.get(operation.path)
        strategy = operation.as_strategy(path_parameters=fixed, query=query)
        _run(strategy, [*CHECKS, never_anothers_record], headers, None, statuses)
    assert 404 in statuses and 200 in statuses


def test_the_partners_lists_and_suggestions_conform_to_their_schema(world, app):
    """The partner's lists and suggestions, with an agreement that takes its opinions (so that the
    decision is in its schema too), reaching a list it sent and a suggestion it may read."""
    from casework.models import MatchSuggestion, SharedCase, SharingAgreement
    from casework.services.partner_lists import list_import_submit
    from tests.factories import PersonFactory

    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_decide_suggestions=True)
    other = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Ra")
    SharedCase.objects.create(agreement=world.agreement, person=other)
    low, high = sorted((world.case_a, other), key=lambda p: p.pk)
    suggestion = MatchSuggestion.objects.create(
        organisation=world.north, kind="person_person", person=low, other_person=high,
        probability=0.9, explanation={"probability": 0.9, "fields": []},
    )  # fmt: skip
    sent = list_import_submit(actor=world.partner, source="Fuzzed", rows=[{"family_name": "T"}])
    _token, value = issue_token(world.partner)
    headers = {"Authorization": f"Bearer {value}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, headers=headers)
    ids = {
        "/api/v1/imports/": str(sent.public_id),
        "/api/v1/suggestions/": str(suggestion.public_id),
    }
    statuses = []
    for result in schema.get_all_operations():
        operation = result.ok()
        prefix = next((p for p in ids if operation.path.startswith(p)), None)
        if prefix is None:
            continue
        fixed = {"id": ids[prefix]} if "{id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            checks = CHECKS + ([negative_data_rejection] if mode.is_negative else [])
            for path_parameters in (None, fixed) if fixed else (None,):
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )
                try:
                    _run(strategy, checks, headers, None, statuses)
                except Unsatisfiable:
                    assert mode.is_negative, operation.path
    assert 200 in statuses and 404 in statuses, statuses
