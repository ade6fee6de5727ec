"""Running one matrix line for every persona: one world, one client per persona, and each persona's
run inside a savepoint rolled back afterwards, with the whole domain compared before and after: a
fingerprint of each table (row count and a digest of its rows, one query for all), and the rows of
only the tables whose fingerprint moved, to say exactly what changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import traceback
from contextlib import contextmanager

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from tests.matrix import ALLOWED, DENIED, HIDDEN, INVALID, LOGIN, PERSONAS, Call, Surface

# Tables a read may write, or that only say who did what: never part of the compared domain. (A
# read of the change feed first tells it of agreements the calendar started or ended.)
_NOT_DOMAIN = {
    "AuditEvent",
    "AuditEventSubject",
    "IdempotencyRecord",
    "ChangeOutbox",
    "AgreementFeedState",
}
# Fields a read or a login moves on.
_MOVING_FIELDS = {"User": {"last_login"}, "PartnerToken": {"last_used_at", "updated_at"}}


def _state_models():
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    models = [
        m for m in apps.get_app_config("casework").get_models() if m.__name__ not in _NOT_DOMAIN
    ]
    return [*models, TOTPDevice, StaticDevice, StaticToken]


def _compared_columns(model) -> list[str]:
    """The primary key, then every column a write may change (not those a read or a login moves)."""
    moving = _MOVING_FIELDS.get(model.__name__, set())
    if model.__module__.startswith("django_otp"):
        # A device's counters move whenever it is checked; who owns it and whether it is confirmed
        # is what a write changes.
        moving = {"last_t", "drift", "throttling_failure_timestamp", "throttling_failure_count",
                  "last_used_at", "last_generated_timestamp"}  # fmt: skip
    pk = model._meta.pk.column
    return [pk] + [
        f.column for f in model._meta.concrete_fields if f.name not in moving and f.column != pk
    ]


_ROWS: dict[str, str] = {}
_FINGERPRINTS: dict[str, str] = {}


def _rows_sql() -> dict[str, str]:
    """Per table, the SELECT of its compared columns ordered by primary key, built once."""
    if not _ROWS:
        quote = connection.ops.quote_name
        for model in _state_models():
            columns = ", ".join(quote(c) for c in _compared_columns(model))
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            # Names from the models' own metadata, quoted: nothing from outside.
            _ROWS[model.__name__] = f"SELECT {columns} FROM {table} ORDER BY {pk}"  # noqa: S608
    return _ROWS


def _fingerprint_sql() -> str:
    """One statement giving, per table, its name, its row count and a digest of every row's
    compared columns: a change to one column of one row changes the digest."""
    vendor = connection.vendor
    if vendor not in _FINGERPRINTS:
        quote = connection.ops.quote_name
        parts = []
        for model in _state_models():
            columns = ", ".join(quote(c) for c in _compared_columns(model))
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            if vendor == "postgresql":
                digest = f"md5(string_agg(md5(ROW({columns})::text), '' ORDER BY {pk}))"
            else:
                digest = f"{_SQLITE_DIGEST}({columns})"
            # Names from the models' own metadata, quoted: nothing from outside.
            parts.append(
                f"SELECT '{model.__name__}', COUNT(*), {digest} FROM {table}"  # noqa: S608
            )
        _FINGERPRINTS[vendor] = " UNION ALL ".join(parts)
    return _FINGERPRINTS[vendor]


_SQLITE_DIGEST = "casework_matrix_rows_digest"


class _RowsDigest:
    """SQLite has no digest function: this aggregate sums a 64-bit digest of each row, so the
    order in which SQLite hands the rows over does not matter."""

    def __init__(self):
        self.total = 0

    def step(self, *values):
        row = hashlib.blake2b(repr(values).encode(), digest_size=8).digest()
        self.total = (self.total + int.from_bytes(row, "big")) % 2**64

    def finalize(self):
        return f"{self.total:016x}"


def fingerprint() -> dict[str, tuple]:
    """Per domain table (see `_NOT_DOMAIN`): (row count, digest of its rows), in one query."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(_SQLITE_DIGEST, -1, _RowsDigest)
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def changed_tables(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    return sorted(table for table in before if before[table] != after[table])


def domain_rows(tables) -> dict[str, list[tuple]]:
    """Every row of `tables`, as compared, read in plain SQL."""
    sql = _rows_sql()
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(sql[table])
            rows[table] = cursor.fetchall()
    return rows


def state_diff(before: dict, after: dict) -> dict[str, str]:
    """Per changed table: which rows were added, removed or changed (by primary key)."""
    out = {}
    for table in before:
        if before[table] == after[table]:
            continue
        old = {row[0]: row for row in before[table]}
        new = {row[0]: row for row in after[table]}
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(pk for pk in set(old) & set(new) if old[pk] != new[pk])
        out[table] = f"added {added}, removed {removed}, changed {changed}"
    return out


class Watch:
    """What a persona's run changes in the domain: the tables' fingerprints before, and a
    savepoint to go back to, so that when a fingerprint moves the rows before and after can be
    compared to say exactly what changed."""

    def __init__(self):
        self.before = fingerprint()
        self.savepoint = transaction.savepoint()

    def changed(self) -> list[str]:
        return changed_tables(self.before, fingerprint())

    def describe(self, tables) -> dict[str, str]:
        """Rolls back to before the run (the caller is done with its state) to read the rows."""
        after = domain_rows(tables)
        transaction.savepoint_rollback(self.savepoint)
        return state_diff(domain_rows(tables), after)


# --- Clients -----------------------------------------------------------------------------------


def clients_for(world) -> dict[str, Client]:
    """One client per persona, for the whole line: staff with a verified session, partners with
    their API token, anonymous with none."""
    from casework.models import PartnerToken
    from casework.tokens import hash_token_secret, new_token_parts
    from tests.conftest import verified_client

    clients = {}
    for persona, user in world.personas().items():
        if user is None:
            clients[persona] = Client()
        elif user.role == "partner":
            prefix, secret = new_token_parts()
            PartnerToken.objects.create(
                user=user,
                name="matrix",
                prefix=prefix,
                key_hash=hash_token_secret(secret),
                expires_at=timezone.now() + dt.timedelta(days=1),
            )
            clients[persona] = Client(HTTP_AUTHORIZATION=f"Bearer {prefix}.{secret}")
        else:
            clients[persona] = verified_client(user)
    return clients


def user_of(world, persona):
    user = world.personas()[persona]
    return AnonymousUser() if user is None else user


# --- Isolation ---------------------------------------------------------------------------------


@contextmanager
def isolated(world):
    """Run the body in a savepoint that is rolled back; afterwards the world is as before (records
    built inside are dropped from it; the records it holds get back the state they had in
    memory, which is the database's again once the savepoint is rolled back)."""
    kept = dict(vars(world))
    memory = {
        id(value): (value, dict(value.__dict__), dict(value._state.fields_cache))
        for value in kept.values()
        if isinstance(value, Model)
    }
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        for name in list(vars(world)):
            if name not in kept:
                delattr(world, name)
        for name, value in kept.items():
            setattr(world, name, value)
        for value, attributes, fields_cache in memory.values():
            value.__dict__.clear()
            value.__dict__.update(attributes)
            value._state.fields_cache = fields_cache
            value.__dict__.pop("_prefetched_objects_cache", None)


def _trace() -> str:
    """The current exception, with only the frames of the project (not Django's)."""
    import sys

    exc = sys.exc_info()[1]
    frames = [
        f"{frame.filename.split('/work/main/')[-1]}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if "/site-packages/" not in frame.filename and "/lib/python" not in frame.filename
    ]
    return f"{type(exc).__name__}: {exc} [{' > '.join(frames[-6:])}]"


def _arity(func) -> int:
    """How many arguments `func` needs (one taking a default is not asked for)."""
    return sum(
        1
        for p in inspect.signature(func).parameters.values()
        if p.default is inspect.Parameter.empty
    )


def call_with(func, world, persona):
    return func(world, persona) if _arity(func) >= 2 else func(world)


def _effect_errors(line, world, persona, watch: Watch, wrote_expected, run_ok) -> list[str]:
    if not run_ok:
        return []
    changed = watch.changed()
    if wrote_expected:
        if not changed:
            return [f"{persona}: expected a write, the domain did not change"]
        try:
            if line.wrote is not None:
                line.wrote(world, persona)
        except AssertionError as exc:
            return [f"{persona}: the write is not the expected one: {str(exc) or _trace()}"]
        return []
    if changed:
        return [f"{persona}: expected no change, but {watch.describe(changed)}"]
    return []


# --- A URL surface -----------------------------------------------------------------------------


def _request(surface: Surface, world, persona, client):
    path = surface.path(world)
    kwargs = {}
    if surface.data is not None:
        data = call_with(surface.data, world, persona)
        kwargs = (
            {"data": data, "content_type": "application/json"} if surface.json else {"data": data}
        )
    if surface.headers is not None:
        kwargs["headers"] = call_with(surface.headers, world, persona)
    return getattr(client, surface.method.lower())(path, **kwargs)


def _status_errors(surface, persona, response) -> list[str]:
    expected = surface.expect[persona]
    if expected == LOGIN:
        if response.status_code != 302 or not response["Location"].startswith("/account/login/"):
            where = response.get("Location", "")
            return [f"{persona}: got {response.status_code} {where}, expected the login redirect"]
        return []
    if response.status_code != expected:
        return [f"{persona}: got {response.status_code}, expected {expected}"]
    return []


def run_surface(surface: Surface, world) -> None:
    path = surface.path(world)
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        raise AssertionError(f"{surface.id}: {path} resolves to no URL pattern") from None
    assert match.view_name in (surface.name, *surface.also_covers), (
        f"{surface.id}: {path} is {match.view_name}, not {surface.name}"
    )
    if surface.setup is not None:
        surface.setup(world)
    clients = clients_for(world)
    errors = []
    for persona in PERSONAS:
        if persona in surface.left_out:
            continue
        with isolated(world):
            watch = Watch()
            try:
                response = _request(surface, world, persona, clients[persona])
            except Exception:  # noqa: BLE001 - reported with the persona, then the next one
                errors.append(f"{persona}: the request raised {_trace()}")
                continue
            problems = _status_errors(surface, persona, response)
            if not problems and surface.check is not None and response.status_code < 300:
                try:
                    surface.check(world, persona, response)
                except AssertionError as exc:
                    detail = str(exc) or _trace()
                    problems.append(f"{persona}: wrong content: {detail}")
            # A served file is closed by hand: `response.close()` would send request_finished,
            # whose handler closes the database connection mid-test on PostgreSQL.
            for closer in getattr(response, "_resource_closers", ()):
                closer()
            problems += _effect_errors(
                surface, world, persona, watch, persona in surface.writes, not problems
            )
            errors += problems
    assert not errors, f"{surface.id}:\n  " + "\n  ".join(errors)


# --- A selector or a service -------------------------------------------------------------------


def _shown(value):
    return value if isinstance(value, bool) else sorted(value)


def _outcome(call: Call, world, user):
    from casework.permissions import Denied, Hidden
    from casework.services.errors import ServiceError

    try:
        # The service's own savepoint: a refusal raised inside it must leave ours usable.
        with transaction.atomic():
            result = call.run(world, user)
    except Hidden:
        return HIDDEN, None
    except Denied:
        return DENIED, None
    except ServiceError as exc:
        return INVALID, exc
    return ALLOWED, result


def run_call(call: Call, world) -> None:
    if call.setup is not None:
        call.setup(world)
    errors = []
    for persona in PERSONAS:
        if persona in call.left_out:
            continue
        with isolated(world):
            watch = Watch()
            user = user_of(world, persona)
            expected = call.expect[persona]
            problems = []
            if call.kind in ("selector", "gate"):
                try:
                    got = call.run(world, user)
                except Exception:  # noqa: BLE001
                    errors.append(f"{persona}: raised {_trace()}")
                    continue
                got = bool(got) if isinstance(expected, bool) else frozenset(got)
                if got != expected:
                    problems.append(f"{persona}: got {_shown(got)}, expected {_shown(expected)}")
                problems += _effect_errors(call, world, persona, watch, False, not problems)
            else:
                try:
                    outcome, result = _outcome(call, world, user)
                except Exception:  # noqa: BLE001
                    errors.append(f"{persona}: raised {_trace()}")
                    continue
                if outcome != expected:
                    extra = (
                        f" ({result.message_dict if hasattr(result, 'message_dict') else result})"
                        if outcome == INVALID
                        else ""
                    )
                    problems.append(f"{persona}: {outcome}{extra}, expected {expected}")
                elif outcome == ALLOWED and call.check is not None:
                    try:
                        call.check(world, persona, result)
                    except AssertionError as exc:
                        problems.append(f"{persona}: wrong result: {str(exc) or _trace()}")
                writes = call.writes and outcome == ALLOWED
                problems += _effect_errors(call, world, persona, watch, writes, not problems)
            errors += problems
    assert not errors, f"{call.id}:\n  " + "\n  ".join(errors)
