"""INSERT … ON CONFLICT DO UPDATE that adds to counters, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db

_CHUNK = 400  # rows per statement: well under SQLite's bound-parameter limit


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict], *, keys: Sequence[str],
           adds: Sequence[str], nullable_adds: Sequence[str] = (), sets: Sequence[str] = ()) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE adding `adds` (and `nullable_adds`, where NULL means unknown)."""
    if not rows:
        return
    stmt = _statement(conn.dialect.name, table, tuple(keys), tuple(adds), tuple(nullable_adds), tuple(sets))
    rows = sorted(rows, key=lambda row: tuple(row[k] for k in keys))  # one lock order: no deadlocks
    for start in range(0, len(rows), _CHUNK):
        conn.execute(stmt, rows[start:start + _CHUNK])


@functools.cache
def _statement(dialect: str, table: sa.Table, keys: tuple[str, ...], adds: tuple[str, ...],
               nullable_adds: tuple[str, ...], sets: tuple[str, ...]) -> sa.Insert:
    """Built once per table and shape (its cache key too): the rollups run it for every batch of events."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    values: dict[str, Any] = {name: table.c[name] + stmt.excluded[name] for name in adds}
    for name in nullable_adds:
        values[name] = sa.case((stmt.excluded[name].is_(None), table.c[name]),
                               else_=sa.func.coalesce(table.c[name], 0) + stmt.excluded[name])
    values.update({name: stmt.excluded[name] for name in sets})
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=values)


def insert_ignoring_duplicates(model, values: dict, *, keys: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING through the session; True when the row was inserted."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = model.__table__
    inserted = db.session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
                                  .returning(table.c[keys[0]])).first()
    return inserted is not None
