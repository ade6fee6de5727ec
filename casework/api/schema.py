"""The OpenAPI schema, for staff only. It can describe no restricted field: those are not part of
any API serializer (see `casework.api.persons`)."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer

from casework import audit
from casework.api.base import JSONOnly
from casework.api.throttling import announce
from casework.permissions import is_staff_member


class SchemaView(SpectacularAPIView):
    content_negotiation_class = JSONOnly
    # Plain JSON like every other API answer (errors included).
    renderer_classes = [JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        announce(request, response)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not is_staff_member(request.user):
            exc = PermissionDenied()
            # A refusal here is on the trail like every other one (the schema tells the shape of
            # the data, if not the data).
            audit.record_denial(
                request.user, "api_schema", None, hidden=False, exc=exc, detail={"method": "GET"}
            )
            raise exc


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
