"""Writing many demo rows fast: COPY on PostgreSQL, `bulk_create` elsewhere.

`bulk_create` spends most of its time preparing each value in Python; at 100,000 persons (about
two million rows) that alone would take minutes. COPY takes the same rows as plain tuples. The
database still checks every constraint and foreign key.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

BATCH = 2000


def insert(
    model: type[models.Model], objs: list, *, need_ids: bool = False, keep_dates: bool = False
) -> None:
    """Insert `objs`; with `need_ids` each object gets its primary key (for rows pointing to it).

    Fields dated automatically (`auto_now`, `auto_now_add`) get the current time, unless
    `keep_dates`: then each object keeps the time it was given (an invented past)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        if keep_dates:
            _insert_as_given(model, objs)
        else:
            model.objects.bulk_create(objs, batch_size=BATCH)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if need_ids:
        _reserve_ids(model, objs)
        fields.insert(0, meta.pk)
    now = timezone.now()
    stamped = [
        f
        for f in fields
        if not keep_dates and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    relations = [f for f in fields if f.is_relation]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    for obj in objs:
        for field in stamped:
            setattr(obj, field.attname, now)
        for field in relations:
            # A relation given as an object saved after it was assigned: take its key now.
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = getattr(obj, field.name)
                setattr(obj, field.attname, related.pk if related is not None else None)
    attnames = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row(
                [
                    Jsonb(value) if name in json_fields and value is not None else value
                    for name, value in ((n, getattr(obj, n)) for n in attnames)
                ]
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def _reserve_ids(model: type[models.Model], objs: list) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, sorted(ids), strict=True):
        obj.pk = pk


def _insert_as_given(model: type[models.Model], objs: list) -> None:
    """Plain INSERTs of the values as they are: `bulk_create` would date them now."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(meta.db_table)
    # Names from the model's own metadata, values as parameters.
    statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 # nosec B608
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            cursor.executemany(
                statement,
                [
                    [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
                    for obj in objs[start : start + BATCH]
                ],
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"
