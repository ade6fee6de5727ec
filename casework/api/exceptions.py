"""API errors beyond DRF's own, each rendered in the shape of `casework.api.errors`."""

from rest_framework import status
from rest_framework.exceptions import APIException


class PreconditionRequired(APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = "Send If-Match with the ETag of the version you edited."


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = (
        "This record was changed by someone else since you read it. "
        "Read it again and apply your change to the new version."
    )


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with another request."


class InvalidCursor(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_cursor"
    default_detail = "Invalid cursor."
