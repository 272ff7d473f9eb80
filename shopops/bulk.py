"""Set-based row writes for the sync's hot path: INSERT … [ON CONFLICT DO UPDATE] … RETURNING, built once per
batch from plain dicts.

``bulk_create(update_conflicts=True)`` writes the same statement, but builds a model instance per row and
prepares every value through six layers of ``Field`` methods; at 100 orders a page that bookkeeping was most of
the sync's database-side CPU (bench/sync.py). Here only the values the database driver cannot take as they are
(JSON, dates, decimals, UUIDs) go through their field; the rest are passed through.

Rows are dicts keyed by ``Field.attname`` (``shop_id``, not ``shop``) holding values of the column's Python type,
as shopops.sync.parse produces them. A column a row leaves out gets the field's default; a required one
(no default, not null) is refused before anything is written.
"""

import sqlite3
from collections.abc import Iterable, Sequence

import psycopg
from django.db import connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict

# Internal types whose values the drivers (sqlite3, psycopg) need converted by the field.
PREPARED_TYPES = {"JSONField", "DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField", "DurationField"}
BATCH = 500


def max_params(connection) -> int:
    """The most parameters one statement may carry: SQLite's compiled-in limit (32,766 since 3.32; Django assumes
    the old 999, which split a page of orders into four statements), PostgreSQL's 65,535 (rows_write binds arrays
    there, one per column, so it does not need this)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65_535


def rows_write(
    model: type[Model],
    rows: Sequence[dict],
    *,
    unique_fields: Iterable[str] = (),
    update_fields: Iterable[str] = (),
    returning: Iterable[str] = (),
) -> list[tuple]:
    """Insert ``rows``; with ``unique_fields``, a row that collides updates ``update_fields`` of the existing
    one instead. Returns the ``returning`` columns of every row written (inserted or updated), when asked."""
    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    defaults = {f.attname: f.get_default() for f in fields}  # as a model instance gets them ("" for text)
    missing = [f.attname for f in fields if f.attname not in rows[0] and defaults[f.attname] is None and not f.null]
    if missing:
        raise ValueError(f"{meta.label} rows lack {', '.join(missing)} (no default)")
    prepared = [f for f in fields if f.get_internal_type() in PREPARED_TYPES]

    suffix = ""
    if unique_fields:
        suffix = connection.ops.on_conflict_suffix_sql(
            fields,
            OnConflict.UPDATE,
            [meta.get_field(name).column for name in update_fields],
            [meta.get_field(name).column for name in unique_fields],
        )
    returning = [meta.get_field(name).column for name in returning]
    if returning:
        suffix += " RETURNING " + ", ".join(quote(column) for column in returning)

    table, columns = quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        # One array per column, bound server-side in binary (%b): a short statement that psycopg parses once, and
        # values its C adapters dump. With Django's client-side binding, psycopg re-parses a multi-row VALUES of
        # thousands of placeholders and quotes every value in Python, on every call.
        arrays = ", ".join(f"%b::{f.cast_db_type(connection)}[]" for f in fields)
        statement = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) {suffix}"
        size = BATCH
    else:
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = max(1, min(BATCH, max_params(connection) // len(fields)))

    written = []
    for start in range(0, len(rows), size):
        batch = [{**defaults, **row} for row in rows[start : start + size]]
        for row in batch:
            for field in prepared:
                if row[field.attname] is not None:  # None is SQL NULL, as with bulk_create
                    row[field.attname] = field.get_db_prep_save(row[field.attname], connection)
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
                # Not prepared server-side: safe behind a transaction-pooling PgBouncer, as Django's own cursors.
                cursor.execute(statement, [[row[f.attname] for row in batch] for f in fields], prepare=False)
                written += cursor.fetchall() if returning else []
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(batch))} {suffix}",
                    [row[f.attname] for row in batch for f in fields],
                )
                written += cursor.fetchall() if returning else []
    return written
