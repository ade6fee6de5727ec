"""API errors beyond DRF's own, each rendered as a problem by `casework.api.errors`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = _("Send If-Match with the ETag of the version you edited.")


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = _(
        "This record was changed by someone else since you read it. "
        "Read it again and apply your change to the new version."
    )


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is too large.")


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with another request.")


class InvalidParameters(ValidationError):
    """Query parameters refused: `{parameter name: [messages]}`."""

    default_code = "invalid_parameters"


class InvalidHeader(ValidationError):
    """A request header refused: `{header name: [messages]}`."""

    default_code = "invalid_header"


class InvalidCursor(InvalidParameters):
    default_code = "invalid_cursor"

    def __init__(self):
        super().__init__(
            {"cursor": [_("Invalid cursor: pass back a `next` or `previous` link unchanged.")]}
        )
