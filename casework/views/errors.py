"""What a request that failed answers: a 503 with `Retry-After` when the database is out of reach,
a 500 otherwise; under /api/ a problem (RFC 9457, `application/problem+json`) like every API
error, a page in the app's frame elsewhere.

This is the project's `handler500`, so it answers whatever failed: a view, a DRF view (the API's
exception handler leaves unknown exceptions to Django) or a middleware reading the session. It
renders without the request's context processors, which would ask the database again.
"""

from __future__ import annotations

import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy

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
