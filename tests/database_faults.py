"""The database out of reach, inside a test: every query (or the ones `when` picks) fails as a
stopped or restarted PostgreSQL makes it fail, while the test's own transaction stays usable."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.db import OperationalError, connection

# The savepoints around each test and each service keep working, so that what a failed request
# left behind can be looked at afterwards.
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
# What psycopg says when PostgreSQL goes away under a query.
DROPPED = "server closed the connection unexpectedly"


def every_query(sql: str) -> bool:
    return True


def inserts_into(table: str) -> Callable[[str], bool]:
    return lambda sql: sql.lstrip().upper().startswith(f'INSERT INTO "{table.upper()}"')


@contextlib.contextmanager
def database_unreachable(when: Callable[[str], bool] = every_query, *, calls: list | None = None):
    """Queries for which `when(sql)` is true raise OperationalError; `calls` collects them."""

    def refuse(execute, sql, params, many, context):
        if when(sql) and not sql.lstrip().upper().startswith(_SAVEPOINTS):
            if calls is not None:
                calls.append(sql)
            raise OperationalError(DROPPED)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield
