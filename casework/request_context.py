"""Who is asking, from where, under which request id: read by the audit trail.

Set by middleware for web requests; management commands and imports run without one, and their
audit events then carry the acting user alone.
"""

import contextvars
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""
    # Facts read once per request (a user's teams and grants): asked for many times by one page,
    # never kept beyond the request that read them. None outside a request: nothing is kept.
    memo: dict | None = field(default=None, compare=False)


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "casework_request", default=_EMPTY
)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> contextvars.Token:
    return _current.set(context)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def remembered(key: Hashable, read: Callable[[], Any]) -> Any:
    """`read()`, once per request for each key; outside a request, every time."""
    memo = current().memo
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def forget(key: Hashable) -> None:
    memo = current().memo
    if memo is not None:
        memo.pop(key, None)
