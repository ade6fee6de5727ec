"""Log records never carry names, contacts or places.

Personal data reaches logs through three doors: message arguments, the request object Django
attaches to its error records, and exception messages (a ValidationError quoting a value). This
filter closes all three: arguments are dropped (the format string stays, so the event is still
recognisable), requests are reduced to method and path (paths carry UUIDs only), and exceptions keep
their type and traceback but lose their message. The exceptions behind one (raised from, or raised
while handling) keep their class and SQLSTATE (a code, never a value): whether the database refused
a connection, dropped one or was shutting down is still in the log.

Every record also carries the id of the request it was written in (`X-Request-ID`), so the answer a
user saw leads to its log lines.
"""

import logging
import traceback

from casework import request_context

# Loggers whose arguments are only reason phrases, status codes, paths (UUIDs, never names) and
# timings.
_SAFE_ARGUMENT_LOGGERS = {"django.server", "django.request"}


class ScrubPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None:
            record.request = f"<request {getattr(request, 'method', '')} {_path(request)}>"
        if record.args and record.name not in _SAFE_ARGUMENT_LOGGERS:
            record.msg = f"{record.msg} [arguments withheld]"
            record.args = ()
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, exc, tb = record.exc_info
            record.exc_text = (
                "Traceback (most recent call last):\n"
                + "".join(traceback.format_tb(tb))
                + f"{_described(exc_type, exc)} [message withheld]"
                + "".join(
                    f"\n{how} {_described(type(cause), cause)}" for how, cause in _causes(exc)
                )
            )
            record.exc_info = None
        return True


class RequestIdFilter(logging.Filter):
    """`record.request_id`: the request's id, or "-" for a record written outside any request.

    Django logs a request's 4xx and 5xx answers after the middleware that binds the id has
    returned, but hands them the request, which still carries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = (
            getattr(request, "request_id", "") or request_context.current().request_id or "-"
        )
        return True


def _path(request) -> str:
    return getattr(request, "path", "")


def _described(kind: type, exc) -> str:
    """The exception's class, and psycopg's SQLSTATE when the database sent one."""
    sqlstate = getattr(exc, "sqlstate", None)
    name = f"{kind.__module__}.{kind.__qualname__}"
    return f"{name} (SQLSTATE {sqlstate})" if sqlstate else name


_MAX_CAUSES = 5


def _causes(exc) -> list[tuple[str, BaseException]]:
    """The exceptions behind `exc`, nearest first, each with how Python's traceback links it: the
    one it was raised from, or the one being handled when it was raised."""
    found = []
    while exc is not None and len(found) < _MAX_CAUSES:
        if exc.__cause__ is not None:
            link, exc = "raised from", exc.__cause__
        elif exc.__context__ is not None and not exc.__suppress_context__:
            link, exc = "while handling", exc.__context__
        else:
            break
        found.append((link, exc))
    return found


def syslog_handler(address: str) -> logging.Handler:
    """The audit copy's syslog handler: `/dev/log` (a local socket) or `host:port` (UDP)."""
    import logging.handlers

    if address.startswith("/"):
        return logging.handlers.SysLogHandler(address=address)
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"AUDIT_COPY_SYSLOG must be /path/to/socket or host:port, not {address!r}")
    return logging.handlers.SysLogHandler(address=(host, int(port)))
