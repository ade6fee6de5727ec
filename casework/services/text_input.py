"""Text as every service stores it, whichever way it came in: a staff form, the API, a list
import or the families' form.

Each text goes through the one text cleaner (`casework.text`): names and short fields through
`clean_line` (NFC; control, bidi-override, isolate and zero-width characters gone), long free text
(a family's account, a note) through `clean_text` (it keeps its characters and lines: it is always
rendered escaped and `dir="auto"`). Its limits are checked on what would be stored. What cannot be
stored at all (a NUL byte, half of a surrogate pair) is refused rather than silently changed, the
same way a list import refuses it.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.translation import gettext

from casework import text
from casework.services.errors import ServiceError

MAX_TEXT = 10_000  # a note, a reason or a free-text field longer than this is a paste gone wrong
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_input(
    field: str,
    value,
    *,
    max_length: int,
    multiline: bool = False,
    required: bool | str = False,
    errors: dict[str, list[str]] | None = None,
) -> str:
    """`value` as it is stored, or a refusal naming `field`: not text, a NUL byte or a lone
    surrogate, longer than `max_length` once cleaned, or empty when `required` (True, or the
    message to give).

    With `errors`, a refusal is added to it and "" returned, so that a service can name every bad
    field of a submission at once; without, it raises ServiceError."""
    if value is None:
        value = ""
    problem = _unstorable(value) if isinstance(value, str) else gettext("Expected text.")
    cleaned = ""
    if problem is None:
        cleaned = text.clean_text(value) if multiline else text.clean_line(value)
        if len(cleaned) > max_length:
            problem = gettext("Keep this to at most %(limit)s characters (it has %(count)s).") % {
                "limit": number_format(max_length, force_grouping=True),
                "count": number_format(len(cleaned), force_grouping=True),
            }
        elif required and not cleaned:
            problem = required if isinstance(required, str) else gettext("This is required.")
    if problem is None:
        return cleaned
    if errors is None:
        raise ServiceError({field: [problem]})
    errors.setdefault(field, []).append(problem)
    return ""


def _unstorable(value: str) -> str | None:
    if "\x00" in value:
        return gettext(
            "This text contains a NUL character (\\0), which cannot be stored: remove it."
        )
    if _SURROGATE.search(value):
        return gettext("This text contains a broken character (a lone surrogate): retype it.")
    return None
