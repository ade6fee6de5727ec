"""Who is asking, from where, under which request id: read by the audit trail.

Set by middleware for web requests; management commands and imports run without one, and their
audit events then carry the acting user alone.
"""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


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
