"""What every API view shares: JSON whatever the client asks for, records addressed by UUID (a
malformed one is simply not found), partner tokens held to their scopes, every refusal in the
audit trail, and the `Idempotency-Key` on writes.

Refusals: a 403 raised anywhere in a view (the role checks of `initial()`, a permission class, a
`PermissionDenied` of the view) is a `denied` event unless the gate that raised it already wrote
one (`require`); a record id the read gate does not return is a `denied` event too
(`permissions.visible_or_404`), answered with the same 404 whether the record is hidden or missing.
A malformed id is no event: it names no record at all."""

from __future__ import annotations

import json
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, permissions, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import audit
from casework.api.authentication import check_token_scope, required_scope, token_allows
from casework.api.conditional import conditional_response, etag_for
from casework.api.errors import PROBLEM_CONTENT_TYPE
from casework.api.exceptions import IdempotencyKeyReused as KeyReusedError
from casework.api.exceptions import InvalidHeader
from casework.api.throttling import announce
from casework.models import PartnerToken
from casework.permissions import visible_or_404
from casework.services.idempotency import (
    IdempotencyKeyError,
    IdempotencyKeyReused,
    idempotency_run,
)

IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"


class JSONOnly(BaseContentNegotiation):
    """JSON for every client: no browsable API; `Accept: text/html` is no reason for a 406."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


def parse_uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        # A malformed id is as unknown as a missing one: the same 404.
        raise Http404 from None


def jsonable(data):
    """The response data as plain JSON values (what a replayed response returns)."""
    return json.loads(JSONRenderer().render(data))


class ApiViewSet(viewsets.GenericViewSet):
    content_negotiation_class = JSONOnly
    # No OPTIONS self-description: the schema (staff only) is the one place the API describes
    # itself.
    metadata_class = None
    http_method_names = ["get", "post", "patch", "head"]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Authenticated by now: a partner token reaches only the routes of its scopes.
        check_token_scope(request, self)

    def may_call(self, request) -> bool:
        """Whether this caller may call this operation at all (what the schema and the docs page
        show them): its token's scopes, then the view's own `offered_to`."""
        token = request.auth
        if isinstance(token, PartnerToken) and not token_allows(
            token, required_scope(self, request)
        ):
            return False
        return self.offered_to(request.user)

    def offered_to(self, user) -> bool:
        """Whether the user's role and agreements allow `self.action` on anything at all."""
        return True

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        announce(request, response)
        return response

    def _route(self) -> dict:
        """What was asked, for a denial event: the route's name and the method, no values."""
        match = getattr(self.request, "resolver_match", None)
        return {"route": getattr(match, "view_name", "") or "", "method": self.request.method}

    def get_object(self):
        public_id = parse_uuid(self.kwargs[self.lookup_url_kwarg])
        route = self._route()
        obj = visible_or_404(
            self.request.user,
            self.get_queryset(),
            public_id,
            attempted=route["route"] or f"{self.basename}:{self.action}",
            detail={"method": route["method"]},
        )
        self.check_object_permissions(self.request, obj)
        return obj

    def handle_exception(self, exc):
        refused = isinstance(exc, PermissionDenied | exceptions.PermissionDenied)
        if refused and not getattr(exc, "audited", False):
            route = self._route()
            audit.record_denial(
                self.request.user,
                route["route"] or f"{self.basename}:{self.action}",
                None,
                hidden=False,
                exc=exc,
                detail={"method": route["method"]},
            )
        return super().handle_exception(exc)

    def idempotent(self, request, perform, payload=None) -> Response:
        """Run `perform` (→ (status, data, headers)) once per `Idempotency-Key`: a retry with the
        same key and body gets the first response again, with another body a 422. `payload`: what
        stands for the body when it is not JSON (an upload: its fields and its file's digest)."""
        key = request.META.get(IDEMPOTENCY_HEADER)
        if key is None:
            status, data, headers = perform()
            return _answer(data, status, headers)

        def run():
            status, data, headers = perform()
            return status, jsonable(data), headers

        try:
            status, data, headers, replayed = idempotency_run(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                payload=request.data if payload is None else payload,
                perform=run,
            )
        except IdempotencyKeyError as exc:
            raise InvalidHeader({"Idempotency-Key": [str(exc)]}) from None
        except IdempotencyKeyReused:
            raise KeyReusedError() from None
        headers = dict(headers or {})
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return _answer(data, status, headers)


def _answer(data, status: int, headers) -> Response:
    """A write's answer; a refusal it returns (not raises), such as a 409, is a problem too."""
    content_type = PROBLEM_CONTENT_TYPE if status >= 400 else None
    return Response(data, status=status, headers=headers, content_type=content_type)


class ConditionalRetrieveMixin:
    """A record read with its `ETag`, a 304 when the caller holds it already."""

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return conditional_response(request, data, etag_for(data))


class NotFoundView(APIView):
    """Any other path under /api/: a JSON 404 in the API's error shape, whoever asks."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    content_negotiation_class = JSONOnly
    metadata_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise Http404
