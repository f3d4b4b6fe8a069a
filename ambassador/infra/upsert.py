"""INSERT … ON CONFLICT DO UPDATE that adds to counters, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from . import compiled

_CHUNK = 400  # rows per statement: well under SQLite's bound-parameter limit


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict], *, keys: Sequence[str],
           adds: Sequence[str], nullable_adds: Sequence[str] = (), sets: Sequence[str] = ()) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE adding `adds` (and `nullable_adds`, where NULL means unknown).

    In key order (one lock order: no deadlocks). On PostgreSQL rows with the same key are merged first, as if
    written one after another (one statement may not touch a row twice: added columns summed, `sets` the last
    row's, any other column the first row's, the one inserted), and all go out as one statement whatever their
    number: INSERT … SELECT unnest(<one array per column>) (a statement per row costs the database and the
    driver a round of work each; a multi-row VALUES would be a new statement to compile for every row count).
    SQLite (in the process, no round trips) runs the one statement per row. Either is compiled once per shape
    (infra/compiled.py: SQLAlchemy does not cache INSERT … ON CONFLICT)."""
    if not rows:
        return
    keys, adds, nullable_adds, sets = tuple(keys), tuple(adds), tuple(nullable_adds), tuple(sets)
    columns = tuple(rows[0])
    same_shape = all(tuple(row) == columns for row in rows)
    if conn.dialect.name == "postgresql" and same_shape:
        merged = [row for _key, row in sorted(_merged(rows, keys, adds, nullable_adds, sets).items())]
        compiled.execute(conn, _unnest_statement(table, columns, keys, adds, nullable_adds, sets),
                         {f"c{i}": [row[name] for row in merged] for i, name in enumerate(columns)})
        return
    stmt = _statement(conn.dialect.name, table, keys, adds, nullable_adds, sets)
    rows = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    for start in range(0, len(rows), _CHUNK):
        if same_shape:
            compiled.execute(conn, stmt, rows[start:start + _CHUNK], column_keys=columns)
        else:
            conn.execute(stmt, rows[start:start + _CHUNK])


def _merged(rows: list[dict], keys: tuple[str, ...], adds: tuple[str, ...], nullable_adds: tuple[str, ...],
            sets: tuple[str, ...]) -> dict[tuple, dict]:
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        kept = merged.get(key)
        if kept is None:
            merged[key] = dict(row)
            continue
        for name in adds:
            kept[name] += row[name]
        for name in nullable_adds:
            if row[name] is not None:
                kept[name] = row[name] if kept[name] is None else kept[name] + row[name]
        for name in sets:
            kept[name] = row[name]
    return merged


def _on_conflict(stmt, table: sa.Table, keys: tuple[str, ...], adds: tuple[str, ...],
                 nullable_adds: tuple[str, ...], sets: tuple[str, ...]):
    values: dict[str, Any] = {name: table.c[name] + stmt.excluded[name] for name in adds}
    for name in nullable_adds:
        values[name] = sa.case((stmt.excluded[name].is_(None), table.c[name]),
                               else_=sa.func.coalesce(table.c[name], 0) + stmt.excluded[name])
    values.update({name: stmt.excluded[name] for name in sets})
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=values)


@functools.cache
def _statement(dialect: str, table: sa.Table, keys: tuple[str, ...], adds: tuple[str, ...],
               nullable_adds: tuple[str, ...], sets: tuple[str, ...]) -> sa.Insert:
    """Built once per table and shape (its cache key too): the rollups run it for every batch of events."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return _on_conflict(insert(table), table, keys, adds, nullable_adds, sets)


@functools.cache
def _unnest_statement(table: sa.Table, columns: tuple[str, ...], keys: tuple[str, ...], adds: tuple[str, ...],
                      nullable_adds: tuple[str, ...], sets: tuple[str, ...]) -> sa.Insert:
    """PostgreSQL: INSERT INTO table (columns) SELECT unnest(:c0), unnest(:c1)… ON CONFLICT …, built once per
    table and shape; the set-returning functions of one select list run in step, so row i takes element i of
    every array."""
    arrays = [sa.func.unnest(sa.bindparam(f"c{i}", type_=postgresql.ARRAY(table.c[name].type)))
              for i, name in enumerate(columns)]
    return _on_conflict(postgresql.insert(table).from_select(list(columns), sa.select(*arrays)),
                        table, keys, adds, nullable_adds, sets)


def insert_ignoring_duplicates(model, values: dict, *, keys: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING through the session; True when the row was inserted."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = model.__table__
    inserted = db.session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
                                  .returning(table.c[keys[0]])).first()
    return inserted is not None
