"""What an import says about a list's rows, kept in English and shown in the reader's language.

A row's problems are shown at once (preview, dry run, a refused commit), and the outcome of every
committed row is kept with a reason ("no known person matches", or the problems of a row kept
as rejected) that people read later, each in their own language. We keep the English and
translate it when it is shown, through the very msgid it was made from: a stored reason stays
plain text, readable wherever it is read raw (the admin, a database copy), the reasons stored
before this change are translated too, and nothing about how rows are stored changes. (A code
and parameters instead would need a column of their own or JSON inside a text field, and would
leave every reason already stored untranslated.)
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

from casework.imports.columns import FIELDS
from casework.kept_text import match


class Message(str):
    """A message in the active language (the string itself) that also knows its English, which
    is what is kept."""

    english: str

    @classmethod
    def of(cls, shown: str, english: str) -> Message:
        message = cls(shown)
        message.english = english
        return message


def message(msgid: str, **values) -> Message:
    """`msgid` with `values`, in the active language and in English."""
    if not values:
        return Message.of(gettext(msgid), msgid)
    return Message.of(gettext(msgid) % values, msgid % values)


# --- What a row's check says ----------------------------------------------------------------

ROW_PROBLEM = gettext_noop("Row %(row)s, %(field)s: %(message)s")
NUL_BYTE = gettext_noop("contains a NUL byte.")
LONE_SURROGATE = gettext_noop("contains a broken character (a lone surrogate).")
CONTROL_CHARACTERS = gettext_noop("contains control characters.")
TOO_LONG = gettext_noop("is %(length)s characters long; at most %(limit)s.")
NAMES_NO_ONE = gettext_noop("the row names no one (no name or alias).")
NOT_A_SEX = gettext_noop("“%(value)s” is not a sex (F, M, Ж, М).")
NOT_A_DATE = gettext_noop("“%(value)s” is not a date (write 2015-08-25, 2015-08 or 2015).")
NO_SUCH_DATE = gettext_noop("“%(value)s” is not a date that exists.")
NOT_AN_AGE = gettext_noop("“%(value)s” is not an age in years.")
IMPOSSIBLE_AGE = gettext_noop("An age of %(value)s is not possible (0 to 120).")
# Written by the person checks (services.persons.validate_birth) and kept with a row.
AGE_CONTRADICTS_BIRTH = gettext_noop(
    "An age of %(age)s on %(on)s contradicts the birth date %(date)s."
)

# --- Why a row became what it became (services.imports, services.matching) -------------------

NO_KNOWN_PERSON = gettext_noop("no known person matches")
SAME_AS_ROW = gettext_noop("the same person as row %(row)s of this list (p=%(p)s)")
MAYBE_SAME_AS_ROW = gettext_noop("may be the same person as row %(row)s of this list")
POSSIBLE_MATCHES = gettext_noop("possible matches: %(count)s, the best p=%(p)s")
POSSIBLE_MATCHES_OUTSIDE = gettext_noop(
    "possible matches: %(count)s; the best may be a person known outside your cases: it waits "
    "in the review queue for their team or a supervisor"
)
NEW_CANDIDATE_FROM_PARTNER = gettext_noop(
    "sent by a partner; no known person matches: it waits for staff to record the person"
)
NEW_CANDIDATE_RECORDED = gettext_noop("sent by a partner; recorded as a new person by staff")
ALL_CANDIDATES_REJECTED = gettext_noop("every candidate was rejected by a reviewer")
CONFIRMED_BY_REVIEWER = gettext_noop("confirmed by a reviewer")

# Every message with values that a kept reason may hold.
_WITH_VALUES = [
    ROW_PROBLEM,
    TOO_LONG,
    NOT_A_SEX,
    NOT_A_DATE,
    NO_SUCH_DATE,
    NOT_AN_AGE,
    IMPOSSIBLE_AGE,
    AGE_CONTRADICTS_BIRTH,
    SAME_AS_ROW,
    MAYBE_SAME_AS_ROW,
    POSSIBLE_MATCHES,
    POSSIBLE_MATCHES_OUTSIDE,
]
_MORE_ROWS = re.compile(r"; (?=Row \d+, )")


def _from_template(text: str) -> str | None:
    found = match(text, _WITH_VALUES)
    if found is None:
        return None
    msgid, values = found
    if "message" in values:
        values["message"] = translated(values["message"])
    if values.get("field") in FIELDS:
        values["field"] = str(FIELDS[values["field"]])
    return gettext(msgid) % values


def translated(kept: str) -> str:
    """A kept English reason in the active language: the problems of a rejected row, joined by
    "; ", one by one; a message with values matched against the msgids it may have been made
    from and made again from the translated msgid; one without values is its own msgid. A text
    that no msgid made (a reason cut at its length, a message of an older release) stays as kept."""
    if not kept:
        return kept
    parts = _MORE_ROWS.split(kept)
    if len(parts) > 1:
        return "; ".join(translated(part) for part in parts)
    found = _from_template(kept)
    return gettext(kept) if found is None else found
