"""Engine-level settings, the write-first transaction that SQLite needs under parallel writers, and how a
transaction that only read ends."""
from __future__ import annotations

import logging
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, scoped_session

from ..extensions import db
from ..models import Share

log = logging.getLogger(__name__)


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


# psycopg converts a query's placeholders (%(name)s → $1) on each execution, and keeps the conversion (an LRU of 128
# queries) only for a query of at most 4096 bytes and 50 parameters: longer ones are, it says, usually an ORM's
# INSERT … VALUES of varying length that would not be reused. Ours are built once and run as compiled
# (infra/compiled.py), the same text every time: a kept board's read (4,506 bytes with its read-ahead) spent
# 0.2 ms of its 1.7 ms converting its text again on every view. Bulk writes go as arrays (infra/array_rows.py),
# one text whatever the number of rows, so the texts that pass 4096 bytes are few and always the same.
PSYCOPG_CACHED_QUERY_BYTES = 32_768


def cache_long_queries() -> None:
    """Let psycopg keep the conversion of queries up to PSYCOPG_CACHED_QUERY_BYTES (its module-level limit;
    tests/infra/test_query_cache.py checks that a long query is converted once)."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, PSYCOPG_CACHED_QUERY_BYTES)


def _int_dumpers() -> tuple[type, type]:
    """psycopg's dumpers of Python ints (text, binary), but sending those that fit a smallint as an integer (see
    postgresql_settings); the values go through psycopg's own int4/int8 dumpers (in C with psycopg-binary).

    Both formats are replaced: psycopg keys a list's dumper by its items' key, taken in the format asked for,
    but dumps the items in the list dumper's own format. With the binary dumper alone, a list of small ids was
    keyed as a list of integers and dumped as a smallint[] with the text one, and the next list of ids under
    the same key, [32, 99317], went as a smallint[] the server refused."""
    import psycopg
    from psycopg.adapt import PyFormat
    from psycopg.types import numeric

    def at_least_int4(dispatcher: type, fmt: PyFormat) -> type:
        int4 = psycopg.adapters.get_dumper(numeric.Int4, fmt)(numeric.Int4)
        int8 = psycopg.adapters.get_dumper(numeric.Int8, fmt)(numeric.Int8)
        return type(f"{dispatcher.__name__}AtLeastInt4", (dispatcher,),
                    {"_int2_dumper": int4, "_int4_dumper": int4, "_int8_dumper": int8})

    return at_least_int4(numeric.IntDumper, PyFormat.TEXT), at_least_int4(numeric.IntBinaryDumper, PyFormat.BINARY)


def postgresql_settings(engine: Engine) -> None:
    """PostgreSQL: psycopg keeps the conversion of our long queries too (cache_long_queries); each new
    connection turns JIT compilation off for its session and sends Python ints of up to 32,767 as integers.

    psycopg sends an int as the smallest type that holds it (smallint, integer, bigint) and keys the statements
    it prepares by their parameters' types, so a statement given member 5 and then member 50,000 was prepared
    twice, and planned afresh on every execution until both were (about 30 views of a board, at 1 ms more
    each). SQLAlchemy casts every parameter to its column's type, so the wider type changes nothing else.

    PostgreSQL compiles a statement with LLVM when its estimated cost passes `jit_above_cost`, which the
    sums over the rollup cells (a board of a custom date range, an export) and the naive ledger queries do:
    compiling took 0.72 s of a 1.45 s statement, on every execution (nothing keeps the compiled code), to
    save milliseconds. The app runs no query long enough to pay that back."""
    cache_long_queries()
    int_dumpers = _int_dumpers()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        for dumper in int_dumpers:
            dbapi_connection.adapters.register_dumper(int, dumper)
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


# A pooled connection unused for longer than this is pinged (a round trip) before it is handed out again.
PING_AFTER_IDLE_SECONDS = 30.0
_CHECKED_IN = "checked_in_at"


def _server_wrote(dbapi_connection: Any) -> bool:
    """A PostgreSQL connection resting in the pool has something to read — what a server that closes it sends
    (a restart, a terminated backend: an error message, then end of file) — or is closed or broken. Looks at the
    socket without waiting; False for other drivers (SQLite: nothing to look at)."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return False
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except Exception:  # noqa: BLE001 - a socket that cannot be looked at is not one to hand out
        return True
    return bool(readable)


def check_on_checkout(engine: Engine, *, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """What `pool_pre_ping` does, without its round trip on every checkout (on a busy pool, one per request and
    per transaction: 0.1-0.2 ms each on loopback). A PostgreSQL connection is pinged when it rested in the pool
    for more than `idle_seconds` (a firewall or load balancer may have dropped it silently), or when the server
    wrote to it while it rested (it is closing it); otherwise it is handed out as it is. A ping that fails raises
    DisconnectionError: the pool drops that connection and hands out a new one, as with pool_pre_ping. A
    connection that dies between its last use and the next, less than `idle_seconds` apart, without the server
    saying so (a network cut), fails its next statement instead (and the pool is invalidated then). SQLite
    connections are handed out as they are."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        rested = time.monotonic() - record.info.get(_CHECKED_IN, 0.0)
        if rested <= idle_seconds and not _server_wrote(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.DisconnectionError(f"ping failed: {exc}") from exc


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


def generic_plans() -> None:
    """PostgreSQL: the prepared statements run in the rest of this transaction use their generic plan, planned
    once per connection, instead of a plan made for each execution's values (SET LOCAL plan_cache_mode).

    For a statement whose plan does not depend on its values but whose generic plan PostgreSQL estimates dearer
    than the custom ones, so that it never settles on it: the worker's load of a claimed batch, eight joins and
    two subqueries over an array of ids, took 3-5 ms to plan and under 1 ms to run, on every batch. Not for a
    statement whose best plan does depend on its values (the claim's queue head, whose generic plan ran 20x
    slower). Nothing to do on SQLite."""
    _plan_cache_mode("force_generic_plan")


def custom_plans() -> None:
    """PostgreSQL: the statements run in the rest of this transaction are planned for their values each time
    (SET LOCAL plan_cache_mode), as they are before psycopg prepares them (at the 6th execution on a connection)
    and PostgreSQL, five executions later, may switch to a generic plan it estimates no dearer.

    For statements whose best plan depends on their values: a page's top ambassadors (a window's dates, the ranks
    kept) ran in 24 ms with their own plan and 62 ms with the generic one, on every view from the 11th on a
    connection (the bench's 100,000-member post page). Nothing to do on SQLite."""
    _plan_cache_mode("force_custom_plan")


def _plan_cache_mode(mode: str) -> None:
    """SET LOCAL plan_cache_mode (PostgreSQL; SQLite plans every statement anew and has no such setting)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL plan_cache_mode = {mode}"))


WORK_MEMORY = "32MB"


@contextmanager
def work_memory() -> Iterator[None]:
    """PostgreSQL: the statements run inside get WORK_MEMORY for each sort and hash (work_mem, 4 MB by default),
    then the setting goes back to its default for the connection. For a statement summing a whole organization
    (a board of days no standing holds: 190,000 rollup cells grouped per member, 100,000 members), whose sorts
    and hashes spilled to disk with the default. Nothing to do on SQLite."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEMORY}'"))
    yield  # (after an error the transaction rolls back, and the setting with it)
    db.session.execute(sa.text("SET LOCAL work_mem TO DEFAULT"))


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


# --- a transaction that only read ends in a commit ------------------------------------------------------------
#
# Ending a transaction that only read with COMMIT or with ROLLBACK is the same to the database, but not to
# psycopg: on ROLLBACK it forgets every statement it prepared on that connection (and deallocates them), so with
# every request ending in a rollback (Flask-SQLAlchemy closes its session at teardown) nothing stayed prepared
# and PostgreSQL planned every statement on every execution — for the boards, planning took longer than running.
# `finish()` commits a transaction that ran nothing but reads; anything else still ends in a rollback.

_WROTE = "ambassador_transaction_wrote"
_READS = ("select", "show", "begin")  # BEGIN: how SQLite's transactions start (enable_sqlite_pragmas)


def track_writes(engine: Engine) -> None:
    """Note on each connection whether its transaction ran anything but a read (a SELECT, a SHOW); savepoints
    do not reset it (a transaction that wrote before one still wrote)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement: str, _parameters, context, _executemany) -> None:
        if conn.info.get(_WROTE):
            return
        writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if writes or not statement.lstrip()[:6].lower().startswith(_READS):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "begin")
    def _begun(conn) -> None:
        conn.info[_WROTE] = False

    def _ended(conn, *_args: Any) -> None:
        conn.info.pop(_WROTE, None)  # (unknown until the next begins: taken as written)

    for name in ("commit", "rollback"):
        event.listen(engine, name, _ended)


def finish(session: Session | scoped_session | None = None) -> None:
    """End the session's transaction: a commit when it only read and holds no changes (the same to the
    database as a rollback, and psycopg keeps its prepared statements), else a rollback."""
    current = (session or db.session)
    current = current() if isinstance(current, scoped_session) else current
    if not current.in_transaction():
        return
    if current.new or current.dirty or current.deleted or current.connection().info.get(_WROTE, True):
        current.rollback()
        return
    try:
        current.commit()
    except Exception:
        current.rollback()
        raise


def finish_on_teardown(error: BaseException | None) -> None:
    """Flask teardown, run before Flask-SQLAlchemy's closes the session: after an error, leave it to roll back.
    A commit that fails (the connection dropped) is logged, not raised: the transaction only read, nothing is
    lost, and the response already made is still sent."""
    if error is None:
        try:
            finish()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("ending a read-only transaction failed (%s); it was rolled back", exc.__class__.__name__)
