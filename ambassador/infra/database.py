"""Engine-level settings, and the write-first transaction that SQLite needs under parallel writers."""
from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine

from ..extensions import db
from ..models import Share


def enable_sqlite_pragmas(engine: Engine) -> None:
    """WAL lets readers work while a writer commits; foreign keys are off by default in SQLite.

    pysqlite's own transaction handling breaks SAVEPOINT and delays BEGIN; SQLAlchemy's
    documented fix is to turn it off and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


def begin_write() -> None:
    """End the current transaction and, on SQLite, open the next one with a write.

    SQLite: a transaction that reads and then writes fails at once ("database is locked") when
    another connection wrote in between; one that starts with a write waits its turn (busy_timeout).
    A write that matches no row takes the lock and changes nothing. Call with nothing pending.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Share).where(sa.false()).values(attempts=Share.attempts)
                           .execution_options(synchronize_session=False))


def changed_rows(statement: sa.Executable) -> int:
    """Run an UPDATE or DELETE in the session; how many rows it changed (a conditional UPDATE's "did I win")."""
    result = cast(CursorResult, db.session.execute(statement))
    return result.rowcount


def vacuum(table: str) -> None:
    """PostgreSQL: VACUUM ANALYZE `table` now (outside any transaction), so index-only scans work on rows just
    written in bulk without waiting for autovacuum. Nothing to do on SQLite."""
    engine = db.engine.engine  # the Engine itself, also where the app is bound to one connection (tests)
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table}"')
