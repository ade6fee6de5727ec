"""Text the system wrote in English and kept (a reason on an event, the outcome of a list row),
shown in the reader's language through the msgid it was made from.

The kept text is matched against the msgids it may have been made from: one without values is
itself; one with values ("From report %(reference)s, entry %(number)s") is a pattern whose values
are taken back out of the text, and the translated msgid is filled with them again. Text that no
msgid made is no match, and the caller shows it as it was kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from django.utils.translation import gettext

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _pattern(msgid: str) -> re.Pattern:
    """The texts `msgid` makes, each value captured by its name."""
    parts = _PLACEHOLDER.split(msgid)
    regex = "".join(
        f"(?P<{part}>.+?)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


def match(text: str, msgids: Iterable[str]) -> tuple[str, dict[str, str]] | None:
    """The first of `msgids` that made `text`, and the values it was filled with."""
    for msgid in msgids:
        found = _pattern(msgid).fullmatch(text)
        if found is not None:
            return msgid, found.groupdict()
    return None


def translated(text: str, msgids: Iterable[str]) -> str | None:
    """`text` in the active language when one of `msgids` made it; None otherwise."""
    found = match(text, msgids)
    if found is None:
        return None
    msgid, values = found
    return gettext(msgid) % values if values else gettext(msgid)
