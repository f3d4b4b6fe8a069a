"""Many rows in one statement whose SQL does not depend on how many there are (PostgreSQL), for the worker's batches.

An executemany of N rows is N statements for the server (psycopg pipelines them, but each is bound, run and
answered on its own), and SQLAlchemy's multi-row VALUES is new SQL for each batch size. On PostgreSQL the rows go
out instead as one array per column, `unnest`ed by the statement, which is built and compiled once
(infra/compiled.py) and prepared once by the server. Elsewhere (SQLite) they go out as an executemany.

* `insert(conn, table, columns, rows)`: INSERT INTO table (columns) SELECT … FROM unnest(…);
* `update(conn, table, key, columns, rows, values)`: UPDATE table SET column = the row's value for each of
  `columns` (and the constant `values`) FROM unnest(…) WHERE table.key = the row's key.

`columns` are (name, SQL type) pairs; a row is a tuple in their order.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from . import compiled

Columns = tuple[tuple[str, Any], ...]


def _unnest(columns: Columns) -> Any:
    return (sa.func.unnest(*(sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(type_)) for name, type_ in columns))
            .table_valued(*(sa.column(name, type_) for name, type_ in columns)).render_derived(name="r"))


def _arrays(columns: Columns, rows: Sequence[Sequence[Any]]) -> dict[str, list[Any]]:
    return {f"a_{name}": [row[i] for row in rows] for i, (name, _type) in enumerate(columns)}


def insert(conn: sa.Connection, table: sa.Table, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        compiled.execute(conn, _insert_statement(table, columns), _arrays(columns, rows))
    else:
        conn.execute(sa.insert(table), [dict(zip((name for name, _t in columns), row, strict=True)) for row in rows])


@functools.cache
def _insert_statement(table: sa.Table, columns: Columns) -> sa.Insert:
    rows = _unnest(columns)
    return sa.insert(table).from_select([name for name, _t in columns], sa.select(*(rows.c[n] for n, _t in columns)))


def update(conn: sa.Connection, table: sa.Table, key: str, columns: Columns, rows: Sequence[Sequence[Any]],
           values: tuple[tuple[str, Any], ...] = ()) -> None:
    """`columns[0]` is the key's (name, type); `values` are constants set on every row, as (column, value) pairs
    whose values must not change from call to call on PostgreSQL (they are part of the compiled statement) — pass
    what changes as a column instead."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        compiled.execute(conn, _update_statement(table, key, columns, values), _arrays(columns, rows))
        return
    names = [name for name, _t in columns]
    statement = (sa.update(table).where(table.c[key] == sa.bindparam(f"b_{names[0]}"))
                 .values({**{name: sa.bindparam(f"b_{name}") for name in names[1:]}, **dict(values)}))
    conn.execute(statement, [{f"b_{name}": value for name, value in zip(names, row, strict=True)} for row in rows])


@functools.cache
def _update_statement(table: sa.Table, key: str, columns: Columns, values: tuple[tuple[str, Any], ...]) -> sa.Update:
    rows = _unnest(columns)
    return (sa.update(table).where(table.c[key] == rows.c[columns[0][0]])
            .values({**{name: rows.c[name] for name, _t in columns[1:]}, **dict(values)}))
