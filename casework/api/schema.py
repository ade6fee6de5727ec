"""The OpenAPI schema, for every API caller (a partner token or a staff session), showing only the
operations that caller may call (`ApiViewSet.may_call`: its token's scopes, its role, its
agreements). It can describe no restricted field: those are not part of any API serializer (see
`casework.api.persons`).

`document_api` (a drf-spectacular postprocessing hook) adds what the views' own descriptions do
not: the guide (`guide.md`) as `info.description`, every error as a problem with its status, the
headers (`ETag`, `If-None-Match`, `Idempotency-Key`, the rate limits), and explicit descriptions
in place of the code's docstrings."""

from __future__ import annotations

import inspect
import sys
from functools import cache
from pathlib import Path

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer

from casework.api.base import JSONOnly
from casework.api.errors import PROBLEM_CONTENT_TYPE
from casework.api.throttling import announce

GUIDE = Path(__file__).with_name("guide.md")
TITLE = "casework partner API"

OPERATION_DESCRIPTIONS = {
    "persons_list": (
        "Every person you may see, oldest first, by cursor. A person merged into another one "
        'you see is a tombstone, `{"id", "tombstone": true, "merged_into"}`, as in the change '
        "feed; one merged into a person you do not see is not listed."
    ),
    "persons_retrieve": "One person as you may see them, with the `ETag` of that version.",
    "persons_create": None,  # the view's own (the duplicate check)
    "persons_partial_update": (
        "Edit a person's details. Requires `If-Match` with the `ETag` you read."
    ),
    "persons_status_create": (
        "Move a person along the workflow, with a reason. Requires `If-Match` with the `ETag` "
        "you read; a move the workflow does not allow is a 400 on `/status`."
    ),
    "persons_changes_retrieve": None,  # the view's own (the feed)
    "reports_list": "The family reports you sent (partners) or may read (staff).",
    "reports_retrieve": "One family report, with the `ETag` of that version.",
    "reports_create": (
        "Send a family report. Each entry is one person the report describes; the entries are "
        "matched against the known persons by the receiving organisation's staff. Send an "
        "`Idempotency-Key` to retry safely."
    ),
    "locations_list": (
        "Detention locations: every one for staff; for a partner, the places its shared persons "
        "are or were at, as far as its agreements share their placements or whereabouts. "
        'Access notes are `{"withheld": true}` unless you record placements.'
    ),
    "locations_retrieve": "One detention location, with the `ETag` of that version.",
    "flights_list": (
        "Repatriation flights with their manifests: the flights staff plan; for a partner, "
        "the flights on which a person shared with it under an agreement that shares flights "
        "is a passenger, with those persons' manifest rows only (`other_passengers` counts the "
        "rest)."
    ),
    "flights_retrieve": "One repatriation flight with its manifest, as the list shows it.",
}

# What a partner reads of its shared persons beyond their fields (issue 10).
OPERATION_DESCRIPTIONS |= {
    "placements_list": (
        "Placements and sightings of the persons whose placements you may see, oldest record "
        "first, by cursor. A partner: those of persons its agreements share placements of, and "
        "the current whereabouts alone of those whose agreements share only whereabouts. A "
        "date is as precise as `start_precision` says."
    ),
    "placements_retrieve": "One placement or sighting, with the `ETag` of that version.",
    "reports_changes_retrieve": None,  # the view's own (the feed)
    "imports_list": "The lists you sent, oldest first, each with its status and counts.",
    "imports_retrieve": (
        "One list you sent: `in_review` while a row waits for the receiving organisation's "
        "staff, then `done`; the counts of its rows' outcomes."
    ),
    "imports_create": (
        "Send a list (where your agreement allows lists): rows as JSON, or a CSV or XLSX file as "
        "`multipart/form-data` with the same fields and `file`. It is matched into the "
        "receiving organisation's review queue, written onto no one. An invalid row refuses the "
        "whole list (400, each problem at `/rows/<index>/<field>`, or `/file/<row>/<field>` for "
        "a file) unless `reject_invalid` keeps it as refused. Send an `Idempotency-Key` to retry "
        "safely."
    ),
    "imports_rows_list": None,  # the view's own (what a row's outcome tells)
    "suggestions_list": (
        "Match suggestions on persons shared with you (or between a shared person and a row of "
        "your list or an entry of your report), each explained field by field in words."
    ),
    "suggestions_retrieve": "One match suggestion, with the `ETag` of that version.",
    "suggestions_decision_create": (
        "Give your opinion on a suggestion (where your agreement allows): `same`, `not_same` or "
        "`needs_more_information`, with a note. The receiving organisation's staff read it and "
        "decide; it merges nothing. Requires `If-Match` with the `ETag` you read."
    ),
}

COMPONENT_DESCRIPTIONS = {
    "PersonTombstone": (
        "A person who is no longer a record to you: merged into another one you see "
        "(`merged_into`, in the list and the change feed alike) or, in the change feed, gone "
        "from your view (`deleted`: unshared, deleted, agreement ended, merged into one you do "
        "not see)."
    ),
    "Problem": "An error (RFC 9457), the same shape for every status.",
    "PossibleDuplicates": "The 409 of a create: a problem with the candidates to look at first.",
    "ReportSubmission": (
        "A family report: who it is for (partners with several agreements name the "
        "organisation), the consents given and the persons it describes."
    ),
    "ReportEntry": (
        "One person a report describes: at least one of `family_name`, `given_name`, "
        "`full_name` or `aliases`."
    ),
}

COMPONENT_DESCRIPTIONS |= {
    "Whereabouts": (
        "Where the person is now: the current placement (the latest confirmed one, not a "
        "sighting), its place and since when, at `since_precision`. Null when none is known."
    ),
    "Relationship": (
        "A family link: `from_person` is the `kind` of `to_person`. Only links whose both ends "
        "you see are listed; a partner's, only between persons shared with it under agreements "
        "that share relationships."
    ),
    "Placement": "A person held at a place over a period, or seen there once (`is_sighting`).",
    "ReportEntryRead": (
        "One person a report describes, read back: `sent` holds the members given, as they "
        "were stored; `processed` says whether it was triaged. A partner is not told the "
        'outcome (`{"withheld": true}`).'
    ),
    "Flight": (
        "A repatriation flight and the manifest rows you may see; `other_passengers` counts the "
        "passengers whose rows you may not see."
    ),
}

ERRORS = {
    400: "The request is invalid: see `errors` (body members by JSON Pointer, parameters).",
    401: "No token, or one that is unknown, malformed, expired or revoked.",
    403: "Your token's scopes, your role or your agreements do not allow this.",
    404: "No such record, or one you may not see (the same answer).",
    405: "The method is not allowed on this path.",
    409: "The person may already be known: see `candidates` (send `confirm_new` to go on).",
    412: "`If-Match` names an older version: read the record again.",
    413: "The request body is too large.",
    415: "The body is not `application/json`.",
    422: "This `Idempotency-Key` was used with another request.",
    428: "`If-Match` is required for this change.",
    429: "Too many requests: wait `Retry-After` seconds.",
    500: "The request failed on the server.",
    503: "The service cannot reach its database: try again after `Retry-After` seconds.",
}

HEADERS = {
    "RateLimit": {
        "description": 'Your standing: `"<policy>";r=<requests left>;t=<seconds until reset>`.',
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The limit: `"<policy>";q=<requests>;w=<window in seconds>`.',
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    },
    "ETag": {
        "description": "The tag of this version of the record, as you see it.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the key.",
        "schema": {"type": "string"},
    },
}

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Up to 200 printable ASCII characters without spaces (a UUID will do): a retry with the "
        "same key and body is done once and answered as the first time; with another body, a "
        "422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}

IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "The `ETag` you hold: 304 without a body when it is still current.",
    "schema": {"type": "string"},
}

PROBLEM = {
    "type": "object",
    "description": COMPONENT_DESCRIPTIONS["Problem"],
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "The guide's section on this error."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable name for the error, for programs."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["detail"],
                "properties": {
                    "detail": {"type": "string"},
                    "pointer": {"type": "string", "description": "JSON Pointer into the body."},
                    "parameter": {"type": "string", "description": "A query parameter."},
                    "header": {"type": "string", "description": "A request header."},
                },
            },
        },
    },
}


def _header_refs(*names) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _error_codes(method: str, path: str, operation: dict) -> list[int]:
    codes = [400, 401, 403, 405, 429, 500, 503]
    if "{id}" in path:
        codes.append(404)
    if method in ("post", "patch", "put"):
        codes += [413, 415]
    if method == "post":
        codes.append(422)
    names = {p["name"] for p in operation.get("parameters", [])}
    if "If-Match" in names:
        codes += [412, 428]
    return sorted(codes)


@cache
def _docstrings() -> frozenset[str]:
    """The docstrings of casework's API classes: never a description a caller reads."""
    found = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("casework.api") or module is None:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            doc = inspect.getdoc(cls)
            if doc and cls.__module__.startswith("casework."):
                found.add(doc.strip())
    return frozenset(found)


def _strip_docstrings(node) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("description"), str) and node["description"].strip() in (
            _docstrings()
        ):
            del node["description"]
        for value in node.values():
            _strip_docstrings(value)
    elif isinstance(node, list):
        for value in node:
            _strip_docstrings(value)


def _document_operation(method: str, path: str, operation: dict) -> None:
    description = OPERATION_DESCRIPTIONS.get(operation.get("operationId"))
    if description is not None:
        operation["description"] = description
    parameters = operation.setdefault("parameters", [])
    if method == "post":
        parameters.append(IDEMPOTENCY_KEY)
    responses = operation["responses"]
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers.update(_header_refs("RateLimit", "RateLimit-Policy"))
        if method == "get" and "{id}" in path and status == "200":
            headers.update(_header_refs("ETag"))
        if method in ("post", "patch") and "{id}" in path and status == "200":
            headers.update(_header_refs("ETag"))
        if method == "post" and status.startswith("2"):
            headers.update(_header_refs("Idempotent-Replayed"))
        if method == "post" and status == "409":
            response["content"] = {
                PROBLEM_CONTENT_TYPE: response.pop("content")["application/json"]
            }
    if method == "get" and "{id}" in path:
        parameters.append(IF_NONE_MATCH)
        responses["304"] = {
            "description": "Not modified: the `ETag` you sent is current.",
            "headers": _header_refs("ETag", "RateLimit", "RateLimit-Policy"),
        }
    for code in _error_codes(method, path, operation):
        responses.setdefault(str(code), {"$ref": f"#/components/responses/Error{code}"})


def _without_ordering(operation: dict) -> None:
    parameters = [p for p in operation.get("parameters", []) if p["name"] != "ordering"]
    for parameter in parameters:
        if parameter["name"] == "q":
            parameter["description"] = (
                "Name search, ranked by likeness (staff only: a partner token gets 400, as a "
                "name search would look at names no agreement shares)."
            )
    operation["parameters"] = parameters


def _strict_components() -> set[str]:
    """The components of the request bodies that refuse keys they do not know."""
    from casework.api.persons import StrictSerializer

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set()
    for cls in subclasses(StrictSerializer):
        name = cls.__name__.removesuffix("Serializer")
        names |= {name, f"Patched{name}"}
    return names


def _strict_bodies(schemas: dict) -> None:
    """What the serializers check, said in the schema: no unknown member; a list that may not be
    empty has at least one item."""
    for name in _strict_components() & set(schemas):
        component = schemas[name]
        component["additionalProperties"] = False
    for name, member in (("PersonCreate", "names"), ("ReportSubmission", "entries")):
        if name in schemas:
            schemas[name]["properties"][member]["minItems"] = 1


def document_api(result, generator, request, public):
    """The drf-spectacular postprocessing hook (see the module's docstring)."""
    result["info"] = {
        "title": TITLE,
        "version": "1",
        "description": GUIDE.read_text(encoding="utf-8"),
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _without_ordering(operation)
            _document_operation(method, path, operation)
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    _strict_bodies(schemas)
    for name, description in COMPONENT_DESCRIPTIONS.items():
        if name in schemas:
            schemas[name]["description"] = description
    components["headers"] = HEADERS
    components["responses"] = {
        f"Error{code}": {
            "description": description,
            "headers": _header_refs(
                "RateLimit", "RateLimit-Policy", *(["Retry-After"] if code in (429, 503) else [])
            ),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code, description in ERRORS.items()
        if code != 409
    }
    _strip_docstrings(result)
    return result


class CallerSchemaGenerator(SchemaGenerator):
    """Only the operations the caller may call (`ApiViewSet.may_call`)."""

    def has_view_permissions(self, path, method, view):
        may_call = getattr(view, "may_call", None)
        return may_call is not None and may_call(view.request)


class SchemaView(SpectacularAPIView):
    content_negotiation_class = JSONOnly
    # Plain JSON like every other API answer (errors included).
    renderer_classes = [JSONRenderer]
    generator_class = CallerSchemaGenerator
    serve_public = False

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        announce(request, response)
        return response


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "casework.api.authentication.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner token `<prefix>.<secret>`, in the Authorization header only.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "casework.api.authentication.VerifiedSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A staff browser session that passed the second factor (with CSRF).",
        }
