"""Many rows written in one statement, with one array parameter per column.

Django's ``bulk_update`` writes a ``CASE WHEN pk = … THEN … END`` per field over
every row: for the sweeper's batch (500 requests × 40 columns) it spends seconds
building that SQL in Python, and PostgreSQL then scans each CASE linearly for
every row, so the cost per row grows with the batch. ``bulk_create`` binds rows ×
columns parameters, which psycopg's client-side binding (Django's default) parses
in Python. One array per column, unnested, costs the same per row at any batch
size, and the statement stays a few hundred characters long.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router


def update_rows(model: Any, objs: Sequence[Any], field_names: Sequence[str]) -> int:
    """Write ``field_names`` of every object in ``objs`` (saved rows of ``model``)
    in one statement and return how many rows changed. Like ``bulk_update``: no
    signals, no ``pre_save`` (``auto_now`` fields are the caller's)."""
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":  # the demo's SQLite: Django's own way
        return int(model.objects.bulk_update(objs, list(field_names)))
    meta = model._meta
    quote = connection.ops.quote_name
    pk = meta.pk
    fields = [meta.get_field(name) for name in dict.fromkeys(field_names)]
    columns = [pk, *fields]
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
            f"FROM {_unnest(columns, connection)} "
            f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",
            _arrays(columns, objs, connection, add=False),
        )
        return int(cursor.rowcount)


def insert_rows(model: Any, objs: Sequence[Any]) -> None:
    """Insert new rows (primary keys already set) in one statement. Like
    ``bulk_create`` without conflict handling; ``pre_save`` runs as on creation."""
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":  # the demo's SQLite: Django's own way
        model.objects.using(alias).bulk_create(objs)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = list(meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} "
            f"({', '.join(quote(field.column) for field in columns)}) "
            f"SELECT * FROM {_unnest(columns, connection)}",
            _arrays(columns, objs, connection, add=True),
        )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def _unnest(columns: Sequence[Any], connection: Any) -> str:
    """``unnest(%s::type[], …) AS v (column, …)``: typed, because an array of
    NULLs or of bare strings does not tell PostgreSQL its column's type."""
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    return f"unnest({arrays}) AS v ({names})"


def _arrays(
    columns: Sequence[Any], objs: Sequence[Any], connection: Any, *, add: bool
) -> list[list[Any]]:
    if add:
        return [
            [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs]
            for field in columns
        ]
    return [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs]
        for field in columns
    ]
