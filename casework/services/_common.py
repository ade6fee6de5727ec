"""Checks shared by the services of the persons area."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from casework import text
from casework.models import Person
from casework.permissions import Hidden
from casework.services.errors import ServiceError

MAX_TEXT = 10_000  # a note or a free-text field longer than this is a paste gone wrong


def recheck_scope(actor, person: Person) -> None:
    # A write must leave the record inside the actor's scope, or it rolls back with its audit row.
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise Hidden()


def clean_text(
    field: str, value: str, *, max_length: int, required: bool = False, multiline: bool = False
) -> str:
    """The text through the one text cleaner (`casework.text`: NFC; no control, bidi-override or
    zero-width characters; line breaks kept only in multi-line text), or a ServiceError naming
    the field: NUL bytes, over-long, missing."""
    value = value or ""
    if "\x00" in value:
        raise ServiceError({field: [gettext("This text contains a NUL byte; remove it.")]})
    value = text.clean_text(value) if multiline else text.clean_line(value)
    if len(value) > max_length:
        raise ServiceError(
            {
                field: [
                    gettext("This text is %(length)s characters long; at most %(limit)s.")
                    % {"length": len(value), "limit": max_length}
                ]
            }
        )
    if required and not value:
        raise ServiceError({field: [gettext("This is required.")]})
    return value


def not_in_future(field: str, day) -> None:
    if day is not None and day > timezone.localdate():
        raise ServiceError({field: [gettext("This date is in the future.")]})
