"""The click sink: the redirect's clicks go into an inbox table; the worker counts them.

Web side (`append`): the click buffer (infra/click_buffer.py) hands each flushed batch to one
statement into `click_inbox` (PostgreSQL: a COPY) — no reads, no locks, no counting rules. That is the web
process's whole share of a counted click: a keyed hash, an append to a deque, and its part of one
statement per batch.

Worker side (`drain_batch`, run by the `drain_clicks` job every CLICK_DRAIN_INTERVAL_SECONDS):
takes the oldest rows (DELETE … RETURNING), applies the counting rules (clicks.write_clicks: bots
were never queued; dedupe per visitor per link per hour; daily cap), stores the counted `Click`
rows, awards their points and updates the rollups — all in the caller's transaction, together with
the deletion of the rows it took. A batch is therefore counted exactly once: a transaction that
fails or a worker killed mid-batch rolls the deletion back with the counting, and the rows are
taken again by the next run. Applying the same clicks twice (should they ever be queued twice)
counts nothing twice either: a click within the hour of a stored one is a repeat.

One drain at a time: on PostgreSQL a transaction-scoped advisory lock (a second worker finds it
taken and leaves the inbox to the first, so the daily cap's ranking never races); on SQLite the
DELETE takes the database's write lock.

What can be lost: a web process killed with SIGKILL loses the clicks still in its buffer — those it
accepted since its last flush, normally at most CLICK_FLUSH_INTERVAL seconds' worth (more only while
the database is unreachable; the buffer then holds up to click_buffer.MAX_PENDING). A graceful stop
(SIGTERM) flushes them (gunicorn's worker_exit). A worker killed at any moment loses nothing.
Leaderboards and click counts lag the redirect by up to CLICK_FLUSH_INTERVAL plus
CLICK_DRAIN_INTERVAL_SECONDS (1 s + 2 s by default).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, cast

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...infra.click_buffer import ClickBuffer, shutdown_click_buffers  # noqa: F401  (re-exported)
from ...models import ClickInbox
from .clicks import PendingClick, write_clicks

INBOX = cast(sa.Table, ClickInbox.__table__)
# Any fixed 64-bit number, the same in every process: the lock "one drain at a time" (PostgreSQL).
DRAIN_LOCK_KEY = 0x616D62_636C6B  # "amb" "clk"
DRAIN_ALL = 10_000  # rows per batch when counting at once (CLICK_BUFFER_SYNC)


class Drained(NamedTuple):
    taken: int  # inbox rows taken (and deleted)
    stored: int  # counted clicks stored


_COLUMNS = ("org_id", "tracked_link_id", "membership_id", "network", "visitor_hash", "referrer_host", "created_at")
_COPY = f"COPY click_inbox ({', '.join(_COLUMNS)}) FROM STDIN"


def append(pending: Sequence[PendingClick]) -> int:
    """Queue clicks in the inbox with one statement (in the caller's transaction); returns how many.

    PostgreSQL: one COPY (3 µs of the web process's CPU per click; a multi-row INSERT costs it 17–22 µs
    in parameter handling). SQLite: one prepared INSERT run over the rows (5 µs a click).
    """
    if not pending:
        return 0
    rows = [(c.org_id, c.link_id, c.membership_id, c.network, c.visitor_hash, c.referrer_host, c.at) for c in pending]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection  # psycopg's, inside the session's transaction
        assert driver is not None
        try:
            with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
        except connection.dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy would raise it: the buffer retries
            raise sa.exc.OperationalError(_COPY, None, exc) from exc
    else:
        db.session.execute(sa.insert(INBOX), [dict(zip(_COLUMNS, row, strict=True)) for row in rows])
    return len(rows)


def _drain_lock() -> bool:
    """PostgreSQL: True when this transaction holds the drain lock (released at commit or rollback)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(DRAIN_LOCK_KEY))))


def drain_limit() -> int:
    """Inbox rows per drained batch (CLICK_DRAIN_BATCH)."""
    return max(1, int(current_app.config.get("CLICK_DRAIN_BATCH", 1000)))


def drain_batch(limit: int | None = None) -> Drained | None:
    """Take up to `limit` (CLICK_DRAIN_BATCH) of the oldest inbox rows and count them (the caller commits:
    both or neither). None when another process is draining (PostgreSQL); Drained(0, 0) when the inbox is empty.
    """
    limit = drain_limit() if limit is None else limit
    if not _drain_lock():
        return None
    oldest = sa.select(INBOX.c.id).order_by(INBOX.c.id).limit(limit).scalar_subquery()
    rows = db.session.execute(sa.delete(INBOX).where(INBOX.c.id.in_(oldest)).returning(
        INBOX.c.org_id, INBOX.c.tracked_link_id, INBOX.c.membership_id, INBOX.c.network, INBOX.c.visitor_hash,
        INBOX.c.referrer_host, INBOX.c.created_at)).all()
    if not rows:
        return Drained(0, 0)
    stored = write_clicks([PendingClick(link_id=r.tracked_link_id, org_id=r.org_id, membership_id=r.membership_id,
                                        network=r.network, visitor_hash=r.visitor_hash, referrer_host=r.referrer_host,
                                        at=r.created_at) for r in rows])
    return Drained(len(rows), stored)


def waiting() -> int:
    """Clicks in the inbox not counted yet."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(INBOX)) or 0


def count_now(pending: Sequence[PendingClick]) -> int:
    """CLICK_BUFFER_SYNC (tests, one process): queue and drain at once in the caller's session; returns
    the clicks stored. The same two steps as production, without the wait."""
    append(pending)
    stored = 0
    while (drained := drain_batch(DRAIN_ALL)) is not None and drained.taken:
        stored += drained.stored
    return stored


def submit(app, click: PendingClick) -> bool:
    """Hand a click to the app's buffer; True when it was counted in this request's session (caller commits)."""
    return click_buffer(app).submit(click)


def click_buffer(app) -> ClickBuffer:
    return app.extensions["click_buffer"]


def install_click_buffer(app) -> None:
    """One buffer per app (per process), flushed into the inbox in batches and on shutdown."""
    app.extensions["click_buffer"] = ClickBuffer(app, write=append, write_sync=count_now)
