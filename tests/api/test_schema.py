"""casework/api/schema.py: the OpenAPI schema renders cleanly, for staff only, and describes no
field anyone reading it may not see."""

import json

import pytest
from django.core.management import call_command

from casework.classification import FIELDS, Sens

URL = "/api/v1/schema/"


@pytest.fixture
def schema(db):
    """The whole schema (what `manage.py spectacular` writes): every caller's is a part of it."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def test_it_renders_without_warnings_or_errors(db, tmp_path):
    # --fail-on-warn: a warning (an unresolvable serializer, an unknown authenticator) would
    # otherwise silently drop or blur an endpoint.
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--fail-on-warn",
        "--validate",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    assert json.loads(out.read_text())["openapi"].startswith("3.")


def test_it_lists_every_route(schema):
    paths = set(schema["paths"])
    assert paths == {
        "/api/v1/persons/",
        "/api/v1/persons/changes/",
        "/api/v1/persons/{id}/",
        "/api/v1/persons/{id}/status/",
        "/api/v1/reports/",
        "/api/v1/reports/{id}/",
        "/api/v1/locations/",
        "/api/v1/locations/{id}/",
        "/api/v1/flights/",
        "/api/v1/flights/{id}/",
        "/api/v1/imports/",
        "/api/v1/imports/{id}/",
        "/api/v1/imports/{id}/rows/",
        "/api/v1/suggestions/",
        "/api/v1/suggestions/{id}/",
        "/api/v1/suggestions/{id}/decision/",
        "/api/v1/placements/",
        "/api/v1/placements/{id}/",
        "/api/v1/reports/changes/",
    }
    assert set(schema["paths"]["/api/v1/persons/{id}/"]) == {"get", "patch"}
    assert set(schema["paths"]["/api/v1/persons/"]) == {"get", "post"}


def test_it_describes_no_restricted_field(schema):
    text = json.dumps(schema)
    restricted_person = {n for n, sens in FIELDS["Person"].items() if sens == Sens.RESTRICTED}
    assert restricted_person == {"security_notes"}
    # A legal proceeding's own words: none of them is a property anywhere in the schema.
    for name in restricted_person | {"charge", "court", "sentence", "started_on"}:
        assert f'"{name}"' not in text, name
    assert "LegalProceeding" not in text and "proceeding" not in text.lower()
    assert "secret_hash" not in text and "key_hash" not in text


def test_every_person_field_may_be_withheld(schema):
    person = schema["components"]["schemas"]["Person"]
    assert '{"withheld": true}' in person["description"]
    for name, prop in person["properties"].items():
        if name == "id":
            continue
        withheld = prop["oneOf"][1]
        assert withheld["properties"]["withheld"]["enum"] == [True], name


def test_it_names_the_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["partnerToken"]["scheme"] == "bearer"
    assert "basicAuth" not in schemes


PARTNER_PATHS = {
    "/api/v1/persons/": {"get"},
    "/api/v1/persons/{id}/": {"get"},
    "/api/v1/persons/changes/": {"get"},
    "/api/v1/reports/": {"get", "post"},
    "/api/v1/reports/{id}/": {"get"},
    "/api/v1/imports/": {"get", "post"},
    "/api/v1/imports/{id}/": {"get"},
    "/api/v1/imports/{id}/rows/": {"get"},
    "/api/v1/suggestions/": {"get"},
    "/api/v1/suggestions/{id}/": {"get"},
    "/api/v1/reports/changes/": {"get"},
    "/api/v1/placements/": {"get"},
    "/api/v1/placements/{id}/": {"get"},
    "/api/v1/locations/": {"get"},
    "/api/v1/locations/{id}/": {"get"},
    "/api/v1/flights/": {"get"},
    "/api/v1/flights/{id}/": {"get"},
}
# What a shared person's records are read under: the persons' scope.
PERSONS_SCOPE_PATHS = (
    "/api/v1/persons/",
    "/api/v1/placements/",
    "/api/v1/locations/",
    "/api/v1/flights/",
)


def _operations(schema) -> dict[str, set[str]]:
    return {path: set(ops) for path, ops in schema["paths"].items()}


def test_a_partner_gets_the_operations_it_may_call_and_no_other(world, api):
    response = api(world.partner).get(URL)
    assert response.status_code == 200
    assert _operations(response.json()) == PARTNER_PATHS


def test_a_partner_that_may_not_send_reports_is_not_shown_how(world, api):
    response = api(world.partner_without_agreement).get(URL)
    assert response.status_code == 200
    assert _operations(response.json()) == {
        **PARTNER_PATHS,
        "/api/v1/reports/": {"get"},
        "/api/v1/imports/": {"get"},
    }


def test_a_partner_whose_agreement_allows_opinions_is_shown_the_decision(world, api):
    from casework.models import SharingAgreement

    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_decide_suggestions=True)
    response = api(world.partner).get(URL)
    assert _operations(response.json()) == {
        **PARTNER_PATHS,
        "/api/v1/suggestions/{id}/decision/": {"post"},
    }


def test_a_scoped_token_is_shown_its_scopes_only(world):
    from django.test import Client

    from tests.api.conftest import issue_token

    token, value = issue_token(world.partner)
    token.scopes = ["persons:read"]
    token.save()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {value}").get(URL)
    assert _operations(response.json()) == {
        path: ops for path, ops in PARTNER_PATHS.items() if path.startswith(PERSONS_SCOPE_PATHS)
    }


def test_staff_are_shown_what_their_role_may_do(world, api):
    intake = _operations(api(world.intake).get(URL).json())
    supervisor = _operations(api(world.supervisor).get(URL).json())
    assert "/api/v1/persons/changes/" not in supervisor  # the feed is a partner's
    assert "patch" in supervisor["/api/v1/persons/{id}/"]
    assert "patch" not in intake.get("/api/v1/persons/{id}/", set())
    assert "/api/v1/locations/" in supervisor


def test_anonymous_gets_no_schema(db):
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 401
    assert "paths" not in response.json()


def test_every_operation_documents_its_errors_and_headers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "405", "429", "500", "503"} <= codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)
            names = {p["name"] for p in operation.get("parameters", [])}
            if method in ("patch",) or path.endswith("/status/"):
                assert {"412", "428"} <= codes and "If-Match" in names, (method, path)
            if method == "post":
                assert "Idempotency-Key" in names and "422" in codes, (method, path)
            if method == "get" and "{id}" in path:
                assert "If-None-Match" in names and "304" in codes, (method, path)
                assert "ETag" in operation["responses"]["200"]["headers"], path
            for code, response in operation["responses"].items():
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[1]
                    response = schema["components"]["responses"][name]
                assert "RateLimit" in response["headers"], (method, path, code)
                if code.startswith(("4", "5")):
                    assert set(response["content"]) == {"application/problem+json"}, code
    errors = schema["components"]["responses"]
    assert "Retry-After" in errors["Error429"]["headers"]
    assert "Retry-After" in errors["Error503"]["headers"]


def test_the_schema_is_truthful_and_speaks_to_its_reader(schema):
    import inspect
    import sys

    assert schema["info"]["title"] == "casework partner API"
    description = schema["info"]["description"]
    for section in ("Authentication", "Pagination", "Mirroring", "Idempotency", "Conditional"):
        assert f"## {section}" in description
    assert "Rate limits" in description and "## Errors" in description
    assert "list rows" not in json.dumps(schema)
    text = json.dumps(schema)
    for name, module in list(sys.modules.items()):
        if not name.startswith("casework.api"):
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            doc = inspect.getdoc(cls)
            if doc and cls.__module__.startswith("casework.api") and len(doc) > 40:
                assert json.dumps(doc)[1:-1] not in text, cls


def test_ordering_is_not_documented_and_a_partners_name_search_is_refused(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/persons/"]["get"]["parameters"]}
    assert "ordering" not in parameters
    assert "partner token gets 400" in parameters["q"]["description"]


def test_a_report_entry_is_typed(schema):
    entry = schema["components"]["schemas"]["ReportEntry"]
    assert {"family_name", "given_name", "birth_date", "sex"} <= set(entry["properties"])
    submission = schema["components"]["schemas"]["ReportSubmission"]
    assert submission["properties"]["entries"]["items"] == {
        "$ref": "#/components/schemas/ReportEntry"
    }
