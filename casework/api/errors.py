"""Every API failure as an RFC 9457 problem (`application/problem+json`):

    {"type", "title", "status", "detail", "code", "errors"?}

`type` points at the error's section of the guide (`/api/v1/docs/#problem-<code>`), `code` is the
same name for a program to branch on. An invalid request lists what is wrong in `errors`, each
`{"detail", ...}` with one of: `pointer`, the JSON Pointer (RFC 6901) of the body member ("" for
the body as a whole, `/names/0/kind`, `/entries/2/birth_date`); `parameter`, a query parameter;
`header`, a request header. One style for every field, whichever layer refused it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

from casework.api.exceptions import (
    InvalidHeader,
    InvalidParameters,
    PayloadTooLarge,
    PreconditionFailed,
)
from casework.audit import write_deferred
from casework.services.errors import Conflict

PROBLEM_CONTENT_TYPE = "application/problem+json"
DOCS_PATH = "/api/v1/docs/"
NON_FIELD_KEYS = ("non_field_errors", "__all__")


class ProblemFieldErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    pointer = serializers.CharField(
        required=False, help_text='JSON Pointer (RFC 6901) of the body member; "" the body.'
    )
    parameter = serializers.CharField(required=False, help_text="A query parameter's name.")
    header = serializers.CharField(required=False, help_text="A request header's name.")


class ProblemSerializer(serializers.Serializer):
    """A problem (RFC 9457): what went wrong, in the same shape for every error."""

    type = serializers.CharField(help_text="The guide's section on this error (a URI reference).")
    title = serializers.CharField(help_text="The status in words.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong with this request.")
    code = serializers.CharField(help_text="A stable name for the error, for programs.")
    errors = ProblemFieldErrorSerializer(
        many=True, required=False, help_text="For an invalid request: each thing wrong with it."
    )


def problem_type(code: str) -> str:
    return f"{DOCS_PATH}#problem-{code}"


def problem(status_code: int, code: str, title: str, detail: str, **extra) -> dict:
    """The body of one problem (extension members in `extra`)."""
    return {
        "type": problem_type(code),
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
        **extra,
    }


def _escape(segment) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def json_pointer(path) -> str:
    return "".join(f"/{_escape(segment)}" for segment in path)


def _flatten(detail, path: tuple) -> list[tuple[tuple, str]]:
    """DRF's nested error detail (dicts of fields, lists of items, lists of messages) as
    (path, message) pairs."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            inner = path if key in NON_FIELD_KEYS else (*path, key)
            found.extend(_flatten(value, inner))
        return found
    if isinstance(detail, list | tuple):
        if all(isinstance(item, str) for item in detail):
            return [(path, str(item)) for item in detail]
        found = []
        for index, item in enumerate(detail):
            found.extend(_flatten(item, path if isinstance(item, str) else (*path, index)))
        return found
    return [(path, str(detail))]


def _service_path(key: str) -> tuple:
    """A service's error key (`entries-0-birth_date`, `__all__`) as a path in the body."""
    path = []
    for part in key.split("-"):
        if part in NON_FIELD_KEYS:
            continue
        path.append(int(part) if part.isdigit() else part)
    return tuple(path)


def _service_errors(exc: DjangoValidationError) -> list[dict]:
    if not hasattr(exc, "error_dict"):
        return [{"pointer": "", "detail": str(m)} for m in exc.messages]
    return [
        {"pointer": json_pointer(_service_path(key)), "detail": str(message)}
        for key, messages in exc.message_dict.items()
        for message in messages
    ]


def _validation_errors(exc: exceptions.ValidationError) -> list[dict]:
    if isinstance(exc, InvalidParameters | InvalidHeader):
        member = "parameter" if isinstance(exc, InvalidParameters) else "header"
        return [
            {member: path[0] if path else "", "detail": message}
            for path, message in _flatten(exc.detail, ())
        ]
    return [
        {"pointer": json_pointer(path), "detail": message}
        for path, message in _flatten(exc.detail, ())
    ]


def _titles() -> dict[int, str]:
    return {
        400: gettext("The request is invalid."),
        401: gettext("Authentication required."),
        403: gettext("Forbidden."),
        404: gettext("Not found."),
        405: gettext("Method not allowed."),
        406: gettext("Not acceptable."),
        409: gettext("Conflict."),
        412: gettext("Precondition failed."),
        413: gettext("Request body too large."),
        415: gettext("Unsupported media type."),
        422: gettext("Unprocessable request."),
        428: gettext("Precondition required."),
        429: gettext("Too many requests."),
        500: gettext("Server error."),
        503: gettext("Service unavailable."),
    }


def title_of(status_code: int) -> str:
    return _titles().get(status_code, gettext("Error."))


def exception_handler(exc, context):
    write_deferred(exc)
    errors = None
    if isinstance(exc, Http404):
        # Hidden and missing are the same answer, word for word.
        exc = exceptions.NotFound(gettext("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(gettext("You may not do this."))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Conflict):
        # The service refused a stale edit: nothing was written.
        exc = PreconditionFailed()
    elif isinstance(exc, DjangoValidationError):
        # A service refused the input (ServiceError): per-field messages, nothing was written.
        errors = _service_errors(exc)
        exc = exceptions.ValidationError(gettext("The request has invalid fields."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = gettext("The request has invalid fields.")
        if errors is None:
            errors = _validation_errors(exc)
        if isinstance(exc, InvalidParameters | InvalidHeader):
            code = exc.default_code
            detail = gettext("The request has invalid parameters.")
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = str(response.data["detail"])
    else:
        detail = str(response.data)
    extra = {"errors": errors} if errors is not None else {}
    response.data = problem(
        response.status_code, code, title_of(response.status_code), detail, **extra
    )
    response.content_type = PROBLEM_CONTENT_TYPE
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = "Bearer"
    return response
