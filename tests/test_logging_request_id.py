"""Every log line of a request carries its id (the answer's X-Request-ID), and a scrubbed error
keeps its class and what caused it (whether the database refused, dropped or shut a connection),
never its message."""

import io
import logging
import sys

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client

from casework import request_context
from casework.logging import RequestIdFilter, ScrubPersonalDataFilter
from tests.database_faults import DROPPED, database_unreachable

CANARY = "Canaryeva Zulfiya"


@pytest.fixture
def console():
    """What the configured console handler (casework/settings.py LOGGING) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def _record(msg="something happened", **extra) -> logging.LogRecord:
    record = logging.LogRecord("casework.test", logging.WARNING, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


def test_a_record_written_during_a_request_carries_its_id():
    token = request_context.bind(request_context.RequestContext(request_id="abc123"))
    try:
        record = _record()
        RequestIdFilter().filter(record)
    finally:
        request_context.reset(token)
    assert record.request_id == "abc123"


def test_a_record_handed_the_request_after_the_middleware_returned_carries_its_id():
    class Request:
        request_id = "def456"

    record = _record(request=Request())
    RequestIdFilter().filter(record)
    assert record.request_id == "def456"


def test_a_record_outside_any_request_says_so():
    record = _record()
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_the_log_line_of_a_failed_request_names_its_request_id_and_error_class(
    world, login, console
):
    client = login(world.caseworker)
    client.raise_request_exception = False
    with database_unreachable():
        response = client.get(f"/persons/{world.case_a.public_id}/")
    assert response.status_code == 503
    lines = [line for line in console.getvalue().splitlines() if "Service Unavailable" in line]
    assert lines, console.getvalue()
    assert f"[{response['X-Request-ID']}]" in lines[0]
    text = console.getvalue()
    assert "django.db.utils.OperationalError [message withheld]" in text
    assert DROPPED not in text


def test_an_answer_logged_after_the_middleware_returned_names_its_request_id(db, console):
    with database_unreachable():
        response = Client().get("/health/")
    assert response.status_code == 503
    line = next(x for x in console.getvalue().splitlines() if "Service Unavailable" in x)
    assert f"[{response['X-Request-ID']}]" in line


def test_the_scrubber_keeps_the_class_and_sqlstate_of_what_caused_the_error():
    try:
        try:
            raise psycopg.errors.AdminShutdown(f"terminating connection of {CANARY}")
        except psycopg.Error as exc:
            raise OperationalError(f"lost {CANARY}") from exc
    except OperationalError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    ScrubPersonalDataFilter().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert "django.db.utils.OperationalError [message withheld]" in text
    assert "raised from psycopg.errors.AdminShutdown (SQLSTATE 57P01)" in text
    assert CANARY not in text


def test_a_refused_connection_is_told_from_a_shutdown_one():
    try:
        try:
            raise psycopg.OperationalError(f"connection refused for {CANARY}")
        except psycopg.Error as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError:
        record = logging.LogRecord("casework", logging.ERROR, __file__, 1, "x", (), sys.exc_info())
    ScrubPersonalDataFilter().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert "raised from psycopg.OperationalError" in text and "SQLSTATE" not in text
    assert CANARY not in text
