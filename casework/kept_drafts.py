"""Text a user was sending when their session ended, kept on the server until they are back.

A form posted after the idle timeout is not saved (the session is over), but what was typed in it
is not thrown away either: its text fields are kept in the server's cache under the user's id and
the page's address for a short while, and shown once to the same user on the same page after they
log in again. Never in the browser's storage: staff computers are shared.
"""

from __future__ import annotations

from django.core.cache import cache

KEPT_SECONDS = 2 * 3600
_MAX_FIELDS = 40
_MAX_CHARS = 20_000
# Fields that are the form's machinery or a secret, never worth keeping.
_NEVER_KEPT = ("csrf", "token", "password", "version", "otp", "secret")


def _key(user_id: int) -> str:
    return f"casework:kept-draft:{user_id}"


def keep(user_id: int, path: str, posted) -> None:
    """Keep the non-empty text of `posted` (a QueryDict) typed on `path`, in place of the last."""
    fields = []
    for name in list(posted.keys())[:_MAX_FIELDS]:
        if any(word in name.lower() for word in _NEVER_KEPT):
            continue
        value = posted.get(name, "")
        if isinstance(value, str) and value.strip():
            fields.append((name, value[:_MAX_CHARS]))
    if fields:
        cache.set(_key(user_id), {"path": path, "fields": fields}, KEPT_SECONDS)


def take(user_id: int, path: str) -> list[tuple[str, str]]:
    """What this user typed on `path` before their session ended, once: then it is gone."""
    kept = cache.get(_key(user_id))
    if not kept or kept.get("path") != path:
        return []
    cache.delete(_key(user_id))
    return kept["fields"]
