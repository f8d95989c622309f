"""Bulk inserts through the database driver, for the paths that write tens of thousands of rows.

`insert_rows(Model, columns, rows)` is what `bulk_create` does, minus the model instances,
the per-statement SQL building and the per-value conversion through every field, which cost
more than the database's own work at 35,000 rows (intake, screening, the audit chain): the
caller hands plain tuples of Python values; PostgreSQL takes them by COPY, SQLite by one
prepared `executemany` of the driver. Fields the caller leaves out get what Django would
give them: the time for `auto_now`/`auto_now_add`, a fresh UUID per row for a UUID field
with a callable default (a primary key, an identity cluster), the field's default otherwise
(computed once: the other defaults in this project are constants).

It runs in the caller's transaction and sends no signals (no model here has receivers).
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

from ikaze.core import clock

Converter = Callable[[Any], Any] | None


# Byte tables setting the version (4) and variant (RFC 4122) bits of a random UUID.
_UUID_VERSION = bytes((b & 0x0F) | 0x40 for b in range(256))
_UUID_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))


def _random_uuid_bytes(n: int) -> bytearray:
    """n random version-4 UUIDs, 16 bytes each, from one read of the system's random source."""
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = raw[6::16].translate(_UUID_VERSION)
    raw[8::16] = raw[8::16].translate(_UUID_VARIANT)
    return raw


def new_uuids(n: int) -> list[uuid.UUID]:
    """n random (version 4) UUIDs in ascending order: a batch's keys then go into a
    primary-key index in key order (the pages it touches are touched once), which random
    order would not do (on SQLite, a fifth of the insert time)."""
    raw = bytes(_random_uuid_bytes(n))
    out = [uuid.UUID(bytes=raw[i : i + 16]) for i in range(0, 16 * n, 16)]
    out.sort()
    return out


def new_uuid_hexes(n: int) -> list[str]:
    """`new_uuids` as 32 hex digits each (the form SQLite stores; PostgreSQL's COPY reads it
    too), in ascending order, without a `UUID` object per key."""
    text = _random_uuid_bytes(n).hex()
    return sorted(text[i : i + 32] for i in range(0, 32 * n, 32))


def _uuid_hex(v: Any) -> str:
    return v.hex if isinstance(v, uuid.UUID) else uuid.UUID(str(v)).hex


def _bool_int(v: Any) -> int:
    return 1 if v else 0


def _date_iso(v: Any) -> str:
    return v.isoformat()


def converter(field: models.Field[Any, Any]) -> Converter:
    """From the field's Python value to what the driver stores (None: the value as is)."""
    kind = field.get_internal_type()
    if kind in ("ForeignKey", "OneToOneField"):
        kind = field.target_field.get_internal_type()  # type: ignore[attr-defined]
    if kind == "JSONField":
        return json.dumps
    if connection.vendor == "postgresql":
        return None  # psycopg adapts UUIDs, dates, datetimes and booleans itself
    if kind == "UUIDField":
        return _uuid_hex  # Django stores a UUID on SQLite as 32 hex digits
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value  # naive UTC text
    if kind == "DateField":
        return _date_iso
    if kind == "BooleanField":
        return _bool_int
    return None


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    json_text: bool = False,
) -> int:
    """INSERT `rows` (Python values in the order of `columns`, which are attnames) into the
    model's table; return how many rows were written. `json_text`: the JSON columns' values
    are already encoded (text), as the audit chain stores exactly what it hashed."""
    if not rows:
        return 0
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    unknown = [c for c in columns if c not in by_attname]
    if unknown:
        raise ValueError(f"{meta.label} has no column {', '.join(unknown)}")
    named = [by_attname[c] for c in columns]
    rest = [f for f in meta.concrete_fields if f.attname not in set(columns)]
    now = clock.now()
    n = len(rows)
    fresh: list[models.Field[Any, Any]] = []  # a new UUID per row (uuid4 defaults)
    constants: list[Any] = []
    rest_fields: list[models.Field[Any, Any]] = []
    for f in rest:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constants.append(now)
        elif isinstance(f, models.UUIDField) and callable(f.default):
            fresh.append(f)
            continue
        else:
            default = f.get_default()  # "" for a text field without one, as Django gives
            if default is None and not f.null:
                raise ValueError(f"{meta.label}.{f.attname} has no default: give its value")
            constants.append(default)
        rest_fields.append(f)
    fields = fresh + named + rest_fields
    convs = [
        None if json_text and f.get_internal_type() == "JSONField" else converter(f) for f in named
    ]
    # Column by column: one conversion function mapped over a column costs far less than a
    # generator per row.
    data: list[Sequence[Any]] = list(zip(*rows, strict=True)) if named else []
    if len(data) != len(named):
        raise ValueError(f"{meta.label}: rows do not have {len(named)} values")
    for i, conv in enumerate(convs):
        if conv is not None:
            data[i] = [None if v is None else conv(v) for v in data[i]]
    heads: list[Sequence[Any]] = []
    for f in fresh:
        to_db = converter(f)
        ids = new_uuids(n)
        heads.append([to_db(u) for u in ids] if to_db else ids)
    data = heads + data
    for f, value in zip(rest_fields, constants, strict=True):
        conv = converter(f)
        data.append([value if value is None or conv is None else conv(value)] * n)
    values = list(zip(*data, strict=True))
    insert_values(meta.db_table, [f.column for f in fields], values)
    return len(values)


def insert_values(table: str, columns: Sequence[str], values: Iterable[Sequence[Any]]) -> int:
    """INSERT rows already in the driver's terms (see `converter`) into `table`'s `columns`;
    return how many were written. Table and column names must come from a model, never from
    input. Database errors are raised as Django's (`IntegrityError`, `DataError`, ...).

    PostgreSQL: one COPY, fed as `values` yields the rows, so a generator that makes them
    (evaluates, converts) runs while the server takes in the ones before. SQLite: one
    prepared `executemany` of the driver (Django's wrapper would rewrite every parameter);
    SQLite works in this process, so an iterator is made into a list first (making all rows
    and then inserting them keeps each in the CPU's caches; interleaved, the insert takes
    half as long again)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        rows = iter(values)
        first = next(rows, _NONE)
        if first is _NONE:
            return 0
        _check_width(table, columns, first)
        n = 1
        sql = f"COPY {quote(table)} ({names}) FROM STDIN"
        with (
            connection.wrap_database_errors,
            connection.cursor() as cur,
            cur.cursor.copy(sql) as copy,
        ):
            write = copy.write_row
            write(first)
            for row in rows:
                write(row)
                n += 1
        return n
    batch = values if isinstance(values, Sequence) else list(values)
    if not batch:
        return 0
    _check_width(table, columns, batch[0])
    marks = ", ".join(["?"] * len(columns))
    with connection.wrap_database_errors, connection.cursor():
        connection.connection.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
            batch,
        )
    return len(batch)


_NONE: Any = object()


def _check_width(table: str, columns: Sequence[str], row: Sequence[Any]) -> None:
    # The first row only: the others are made by the same code (and the database refuses a
    # row of the wrong width, with the whole insert, either way).
    if len(row) != len(columns):
        raise ValueError(f"{table}: a row has {len(row)} values for {len(columns)} columns")


def in_chunks(values: Sequence[Any], size: int = 10_000) -> Iterable[Sequence[Any]]:
    """`values` in slices small enough for one `IN (...)` each (old SQLite builds allow only
    999 parameters)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        size = max(1, min(size, limit - 10))
    for i in range(0, len(values), size):
        yield values[i : i + size]
