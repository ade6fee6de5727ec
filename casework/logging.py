"""Log records never carry names, contacts or places.

Personal data reaches logs through three doors: message arguments, the request object Django
attaches to its error records, and exception messages (a ValidationError quoting a value). This
filter closes all three: arguments are dropped (the format string stays, so the event is still
recognisable), requests are reduced to method and path (paths carry UUIDs only), and exceptions keep
their type and traceback but lose their message.
"""

import logging
import traceback

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
            exc_type, _exc, tb = record.exc_info
            record.exc_text = (
                "Traceback (most recent call last):\n"
                + "".join(traceback.format_tb(tb))
                + f"{exc_type.__module__}.{exc_type.__qualname__} [message withheld]"
            )
            record.exc_info = None
        return True


def _path(request) -> str:
    return getattr(request, "path", "")
