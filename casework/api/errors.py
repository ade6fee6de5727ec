"""One error shape for every API failure: {"error": {"status", "code", "message", "fields"}}."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from casework.api.exceptions import PayloadTooLarge, PreconditionFailed
from casework.audit import write_deferred
from casework.services.errors import Conflict


def _service_error_fields(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    write_deferred(exc)
    if isinstance(exc, Http404):
        # Hidden and missing are the same answer, word for word.
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied("You may not do this.")
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Conflict):
        # The service refused a stale edit: nothing was written.
        exc = PreconditionFailed()
    elif isinstance(exc, DjangoValidationError):
        # A service refused the input (ServiceError): per-field messages, nothing was written.
        exc = exceptions.ValidationError(_service_error_fields(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields = None
    if isinstance(exc, exceptions.ValidationError):
        message = "The request has invalid fields."
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
    elif isinstance(data, dict) and "detail" in data:
        message = str(data["detail"])
    else:
        message = str(data)
    code = getattr(exc, "default_code", "error")
    body = {"error": {"status": response.status_code, "code": code, "message": message}}
    if fields is not None:
        body["error"]["fields"] = fields
    response.data = body
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = "Bearer"
    return response
