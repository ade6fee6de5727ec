"""casework/api/schema.py: the OpenAPI schema renders cleanly, for staff only, and describes no
field anyone reading it may not see."""

import json

import pytest
from django.core.management import call_command

from casework.classification import FIELDS, Sens

URL = "/api/v1/schema/"


@pytest.fixture
def schema(world, api):
    response = api(world.intake)
    response = response.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


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


@pytest.mark.parametrize("persona", ["partner", "partner_without_agreement"])
def test_partners_do_not_get_the_schema(world, api, persona):
    response = api(getattr(world, persona)).get(URL)
    assert response.status_code == 403
    assert "paths" not in response.json()
    from casework.models import AuditEvent

    refusal = AuditEvent.objects.get(action="denied", actor=getattr(world, persona))
    assert refusal.changes["attempted"] == "api_schema"
    assert refusal.changes["answered"] == "403"
