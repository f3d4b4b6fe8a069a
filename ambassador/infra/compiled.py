"""Statements SQLAlchemy does not cache, compiled once and run as compiled.

SQLAlchemy 2.0 gives INSERT … ON CONFLICT (PostgreSQL and SQLite) no cache key, so a statement built once
(functools.cache) was still compiled again on every execution: on the publishing worker, compiling its counter
upserts took a fifth of the interpreter's time. `execute()` compiles such a statement once per database
dialect and runs the compiled form (bound parameters and result columns processed as usual); `read()` does so
for a query on the session's connection, after the session's autoflush as `Session.execute` would.
"""
from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Compiled, CursorResult, Dialect
from sqlalchemy.orm import Session, scoped_session


def execute(conn: sa.Connection, statement: sa.Executable, params: dict[str, Any] | list[dict[str, Any]], *,
            column_keys: tuple[str, ...] | None = None) -> CursorResult[Any]:
    """conn.execute(statement, params) with the statement compiled once for this connection's dialect.

    Only for statements that never change (built once, module level): the compiled form is kept for good.
    Parameters must be plain values (no expanding IN lists: their SQL depends on the values). An INSERT whose
    values come from the parameters names them in `column_keys` (the columns it then inserts)."""
    return conn.execute(_compiled(statement, conn.dialect, column_keys), params)  # type: ignore[call-overload]


def read(session: Session | scoped_session, statement: sa.Executable, params: dict[str, Any]) -> CursorResult[Any]:
    """execute() on the session's connection, after flushing what the session holds when it autoflushes (as
    its own queries do: the query sees the session's changes, and their flush listeners run first)."""
    current = session() if isinstance(session, scoped_session) else session
    current._autoflush()  # what Session.execute() runs first: a flush unless no_autoflush or already flushing
    return execute(current.connection(), statement, params)


@functools.lru_cache(maxsize=256)
def _compiled(statement: sa.Executable, dialect: Dialect, column_keys: tuple[str, ...] | None) -> Compiled:
    return statement.compile(dialect=dialect, column_keys=column_keys)  # type: ignore[attr-defined]
