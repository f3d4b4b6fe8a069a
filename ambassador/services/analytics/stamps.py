"""Rollup stamps: a number per organization (table rollup_stamp) that moves on in every transaction changing what
its boards read — standings and their counts, rollup cells, members (joined, left, status, kind, teams, role),
people's names and emails, teams — so a board kept in a process's memory (services/analytics/board_cache.py) is
known to be valid with one cheap read: its stamp is still the one in the database.

Writers mark the organizations they change (`changed()`, in the session's `info`); a session `before_commit`
listener moves their stamps on as the last statements of the transaction. So the stamp changes atomically with
the data (a rolled-back change moves nothing), and on PostgreSQL the stamp row is locked only between that
statement and the commit right after it: writers of one organization queue on it for the length of a commit,
never while holding it and waiting for another lock (no deadlock). Every writer of these tables runs through
the Flask-SQLAlchemy session (`db.session.connection()`), which this relies on.

Why readers can trust it: a reader reads the stamp first, then computes from snapshots taken after that read
(READ COMMITTED: each statement sees what was committed before it started). A board kept under stamp s is
therefore never older than the data stamp s stood for; a change committed later moves the stamp on, and the
next reader that sees the new stamp computes again. A transaction that rolls back drops its marks.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy.orm import Session

from ...extensions import db
from ...infra.upsert import upsert
from ...models import RollupStamp

_STAMP = cast(sa.Table, RollupStamp.__table__)
_MARKS = "rollup_stamp_orgs"


def changed(org_ids: Iterable[int], session: Session | None = None) -> None:
    """The transaction of `session` (the app's by default) changes what these organizations' boards read."""
    (session or db.session).info.setdefault(_MARKS, set()).update(int(org_id) for org_id in org_ids)


def pending(session: Session | None = None) -> bool:
    """This transaction changed what boards read and has not committed yet."""
    return bool((session or db.session).info.get(_MARKS))


def bump(conn: sa.Connection, org_ids: Iterable[int]) -> None:
    """Move the organizations' stamps on (a row is written the first time)."""
    upsert(conn, _STAMP, [{"org_id": org_id, "version": 1} for org_id in sorted(set(org_ids))],
           keys=("org_id",), adds=("version",))


def current(org_id: int) -> int:
    """The organization's stamp (0 before its first change)."""
    return int(db.session.scalar(sa.select(_STAMP.c.version).where(_STAMP.c.org_id == org_id)) or 0)


def column(org_id: int) -> sa.ScalarSelect:
    """The stamp as a scalar subquery, to read it in the same statement as something else (NULL = 0)."""
    return sa.select(_STAMP.c.version).where(_STAMP.c.org_id == org_id).scalar_subquery()


def _before_commit(session: Session) -> None:
    # Session.commit() calls this before flushing what is pending: flush first, its listeners mark too.
    session.flush()
    orgs = session.info.pop(_MARKS, None)
    if orgs:
        bump(session.connection(), orgs)


def _after_soft_rollback(session: Session, _previous: object) -> None:
    if not session.in_transaction():  # the whole transaction rolled back (not a savepoint): its changes are gone
        session.info.pop(_MARKS, None)


def install() -> None:
    """Listen to every Flask-SQLAlchemy session (installed by the app factory with the rollup listeners)."""
    if not sa.event.contains(AppSession, "before_commit", _before_commit):
        sa.event.listen(AppSession, "before_commit", _before_commit)
        sa.event.listen(AppSession, "after_soft_rollback", _after_soft_rollback)
