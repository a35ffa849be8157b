"""Rows written as tuples for the worker's hot path: outcomes and attempt logs.

The ORM's bulk_create builds a model instance and runs every field's `get_db_prep_save` for every
value (a third of the worker's time in a profile of 10,000 deliveries). Here each column's conversion
is chosen once per statement: only datetimes and JSON need one; integers, text and booleans go to the
driver as they are. Only column names from the model go into the SQL text; every value is a parameter.

SQLite runs one prepared statement per row (`executemany`, in the worker's own process). PostgreSQL
gets one statement for the whole batch: a row per statement cost the server a parse, a plan and, for
an UPDATE, a run of the counting trigger (0019) each time, on the cores the worker needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)
    if isinstance(field, models.JSONField):
        empty = field.get_db_prep_save([], connection)  # most outcomes' validation errors and events
        return lambda value: empty if value == [] else field.get_db_prep_save(value, connection)
    if isinstance(field, models.UUIDField):
        return lambda value: field.get_db_prep_save(value, connection)
    if field.choices:  # a TextChoices member goes as its plain value
        return lambda value: None if value is None else str(value)
    return None


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return [by_attname[name] for name in names]


def converted(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> list[list]:
    """`rows` (values in the order of `names`, attribute names such as `delivery_id`) as the database
    takes them."""
    fields = _fields(model, names)
    steps = [(at, convert) for at, field in enumerate(fields) if (convert := _converter(field))]
    out = []
    for row in rows:
        row = list(row)
        for at, convert in steps:
            row[at] = convert(row[at])
        out.append(row)
    return out


def returned(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> list[list]:
    """Rows the database gave back (a RETURNING of the columns of `names`) as the ORM would read them:
    each value through its field's converters (SQLite's text times, UUIDs, JSON)."""
    compiler = model._default_manager.values_list(*names).query.get_compiler(connection=connection)
    compiler.setup_query()
    converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
    return list(compiler.apply_converters(rows, converters)) if converters else [list(row) for row in rows]


def columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(field.column) for field in _fields(model, names)]


def insert(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT every row (values in the order of `names`) with one prepared statement."""
    rows = converted(model, names, rows)
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({', '.join(columns(model, names))}) VALUES "  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql + ", ".join([f"({marks})"] * len(rows)), [value for row in rows for value in row])
        else:
            cursor.executemany(f"{sql}({marks})", rows)


def update(model: type[models.Model], names: Sequence[str], where: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UPDATE one row per tuple: the values of `names`, then those of the `where` columns (equality)."""
    rows = converted(model, [*names, *where], rows)
    if not rows:
        return
    if connection.vendor == "postgresql":
        _update_from_values(model, names, where, rows)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{column} = %s" for column in columns(model, names))
    condition = " AND ".join(f"{column} = %s" for column in columns(model, where))
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {condition}", rows)  # noqa: S608


def _update_from_values(model, names: Sequence[str], where: Sequence[str], rows: list[list]) -> None:
    """`UPDATE ... FROM (VALUES ...)`: every row in one statement. Each value is cast to its column's
    type (a column that is NULL in every row would otherwise be text); the values' columns are named
    by position, since a column may be both set and matched (a status guard)."""
    table = connection.ops.quote_name(model._meta.db_table)
    every = [*names, *where]
    casts = [f"%s::{field.cast_db_type(connection)}" for field in _fields(model, every)]
    values = ", ".join([f"({', '.join(casts)})"] * len(rows))
    named = ", ".join(f"v{at}" for at in range(len(every)))
    cols = columns(model, every)
    sets = ", ".join(f"{column} = v.v{at}" for at, column in enumerate(cols[: len(names)]))
    condition = " AND ".join(f"{table}.{column} = v.v{at}" for at, column in enumerate(cols) if at >= len(names))
    sql = f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v ({named}) WHERE {condition}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
