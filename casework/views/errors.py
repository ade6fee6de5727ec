"""What a request that failed answers: a 503 with `Retry-After` when the database is out of reach,
a 500 otherwise; under /api/ a problem (RFC 9457, `application/problem+json`) like every API
error, a page in the app's frame elsewhere. A 404 and a refused form (CSRF) answer in the frame the
user was in, too.

This is the project's `handler500`, so it answers whatever failed: a view, a DRF view (the API's
exception handler leaves unknown exceptions to Django) or a middleware reading the session. It
renders without the request's context processors, which would ask the database again.
"""

from __future__ import annotations

import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound, JsonResponse
from django.template import loader
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy

from casework.permissions import may_break_glass_at_all

# Every failure to reach or keep a connection, and everything the server refuses for its own state
# (shutting down, starting up, out of connections, a statement timeout): worth trying again.
# Django wraps psycopg's errors in its own; psycopg's are listed for those that escape the wrapper.
DATABASE_FAULTS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
RETRY_AFTER_SECONDS = 30
_CAUSES_LOOKED_AT = 5

_API_ERRORS = {
    503: (
        "database_unavailable",
        gettext_lazy("Service unavailable."),
        gettext_lazy("The service cannot reach its database. Try again shortly."),
    ),
    500: (
        "server_error",
        gettext_lazy("Server error."),
        gettext_lazy("The request failed on the server."),
    ),
}


def is_database_fault(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from or while handling, is the database out
    of reach."""
    for _ in range(_CAUSES_LOOKED_AT):
        if exc is None:
            return False
        if isinstance(exc, DATABASE_FAULTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request):
    # Django calls the handler while it handles the exception, which it does not pass on.
    status = 503 if is_database_fault(sys.exc_info()[1]) else 500
    request_id = getattr(request, "request_id", "")
    if request.path.startswith("/api/"):
        code, title, detail = _API_ERRORS[status]
        # The shape of casework.api.errors.problem (the API answers through this handler too).
        body = {
            "type": f"/api/v1/docs/#problem-{code}",
            "title": str(title),
            "status": status,
            "detail": str(detail),
            "code": code,
        }
        response = JsonResponse(body, status=status, content_type="application/problem+json")
    else:
        page = loader.render_to_string(f"{status}.html", {"request_id": request_id})
        response = HttpResponse(page, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A passing fault: no cache between the user and casework keeps it.
    add_never_cache_headers(response)
    return response


def page_not_found(request, exception):
    """The framed 404. On a person's address it offers break-glass to those who may use it: the
    offer depends only on the address and the user, so a hidden person's page and a missing
    one's are the same, and the form behind it tells no more (`casework.views.break_glass`)."""
    context = {}
    person_id = _person_id_in(request.path)
    user = getattr(request, "user", None)
    if person_id and user is not None and user.is_authenticated and may_break_glass_at_all(user):
        context["break_glass_url"] = reverse("person_break_glass", args=[person_id])
    return HttpResponseNotFound(loader.render_to_string("404.html", context))


def _person_id_in(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    # Not on the break-glass form itself: what it refused, it refuses alike for any id.
    if (
        match.url_name
        and match.url_name.startswith("person_")
        and match.url_name != "person_break_glass"
    ):
        return match.kwargs.get("public_id")
    return None


def csrf_failure(request, reason=""):
    """A form refused because its token did not come back: the family's form in its own quiet
    frame, every staff form in the app's."""
    public = request.path.startswith("/report/")
    template = "403_csrf.html" if public else "403_csrf_staff.html"
    return HttpResponseForbidden(loader.render_to_string(template))
