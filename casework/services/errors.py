"""Errors services raise, for each surface to translate (form error, JSON 4xx, import row)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext


class ServiceError(ValidationError):
    """Bad input or a forbidden move: nothing was changed."""


class Conflict(Exception):
    """Someone else changed the record since it was read: nothing was changed."""

    def __init__(self, obj, expected_version: int):
        self.obj = obj
        self.expected_version = expected_version
        super().__init__(
            gettext(
                "This record was changed by someone else (version %(current)s, you edited "
                "version %(edited)s). Reload it and apply your change again."
            )
            % {"current": obj.version, "edited": expected_version}
        )
