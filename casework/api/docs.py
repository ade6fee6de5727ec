"""The documentation page of the API (`/api/v1/docs/`): a page holding no data at all, which
loads the caller's own schema (`/api/v1/schema/`, filtered to what that caller may call) with the
token typed into it, or with the staff member's session, and shows it with the vendored Swagger
UI (static/vendor/swagger-ui). No script or style inline (strict CSP)."""

from django.views.generic import TemplateView


class ApiDocsView(TemplateView):
    template_name = "api/docs.html"
    http_method_names = ["get", "head"]
