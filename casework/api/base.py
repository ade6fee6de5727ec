"""What every API view shares: JSON whatever the client asks for, records addressed by UUID (a
malformed one is simply not found), and the `Idempotency-Key` on writes."""

from __future__ import annotations

import json
import uuid

from django.http import Http404
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api.exceptions import IdempotencyKeyReused as KeyReusedError
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

    def get_object(self):
        public_id = parse_uuid(self.kwargs[self.lookup_url_kwarg])
        obj = self.get_queryset().filter(public_id=public_id).first()
        if obj is None:
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj

    def idempotent(self, request, perform) -> Response:
        """Run `perform` (→ (status, data, headers)) once per `Idempotency-Key`: a retry with the
        same key and body gets the first response again, with another body a 422."""
        key = request.META.get(IDEMPOTENCY_HEADER)
        if key is None:
            status, data, headers = perform()
            return Response(data, status=status, headers=headers)

        def run():
            status, data, headers = perform()
            return status, jsonable(data), headers

        try:
            status, data, headers, replayed = idempotency_run(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                payload=request.data,
                perform=run,
            )
        except IdempotencyKeyError as exc:
            raise ValidationError({"idempotency_key": [str(exc)]}) from None
        except IdempotencyKeyReused:
            raise KeyReusedError() from None
        headers = dict(headers or {})
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(data, status=status, headers=headers)


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
