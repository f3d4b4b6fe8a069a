"""Rollup stamps: a number per organization (table rollup_stamp) that changes in every transaction changing what
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

The members stamp (`members_version`, same row) moves with it, but only in transactions that may change who a
board ranks or the names it lists them by — members joined or left, or changed status, kind, role or teams;
people renamed or given another email; a team added, renamed or deleted (`members_changed()`, marked by the
rollup listeners). Figures about the members alone (how many a board ranks: a count over up to 100,000 of them;
the first members of a scope by name) are kept under it, so they outlive the events that move the stamp every
few seconds.
"""
from __future__ import annotations

import functools
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...extensions import db
from ...infra import compiled
from ...models import RollupStamp

_STAMP = cast(sa.Table, RollupStamp.__table__)
_MARKS = "rollup_stamp_orgs"
_MEMBER_MARKS = "rollup_stamp_member_orgs"
_SEEN = "rollup_stamps_seen"
KEPT_FIGURES = 512  # figures kept by kept(), the least recently read go first
T = TypeVar("T")
_figures: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
_figures_lock = threading.Lock()


def changed(org_ids: Iterable[int], session: Session | None = None) -> None:
    """The transaction of `session` (the app's by default) changes what these organizations' boards read."""
    (session or db.session).info.setdefault(_MARKS, set()).update(int(org_id) for org_id in org_ids)


def members_changed(org_ids: Iterable[int], session: Session | None = None) -> None:
    """The transaction may change who these organizations' boards rank: both stamps move on at commit."""
    ids = {int(org_id) for org_id in org_ids}
    changed(ids, session)
    (session or db.session).info.setdefault(_MEMBER_MARKS, set()).update(ids)


def pending(session: Session | None = None) -> bool:
    """This transaction changed what boards read and has not committed yet."""
    return bool((session or db.session).info.get(_MARKS))


def members_pending(session: Session | None = None) -> bool:
    """This transaction may have changed who boards rank and has not committed yet."""
    return bool((session or db.session).info.get(_MEMBER_MARKS))


def _new() -> int:
    return secrets.randbits(62) + 1


def bump(conn: sa.Connection, org_ids: Iterable[int], *, members: Iterable[int] = ()) -> None:
    """Move the organizations' stamps on, and the members stamps of `members` (a row is written the first time).
    A new stamp is a random number, not the old one + 1: a stamp seen before never comes back, even when the
    database is restored from a backup or an organization's id is used again (SQLite), so a figure kept under it
    is never taken for a current one. One statement, in org id order (one lock order for every writer)."""
    members = set(members)
    rows = [{"org_id": org_id, "version": _new(), "members_version": _new() if org_id in members else None}
            for org_id in sorted(set(org_ids) | members)]
    compiled.execute(conn, _bump_statement(conn.dialect.name), rows,
                     column_keys=("org_id", "version", "members_version"))


@functools.cache
def _bump_statement(dialect: str) -> sa.Insert:
    insert = postgresql.insert(_STAMP) if dialect == "postgresql" else sqlite.insert(_STAMP)
    return insert.on_conflict_do_update(index_elements=["org_id"], set_={
        "version": insert.excluded.version,
        # NULL: keep the members stamp as it is.
        "members_version": sa.func.coalesce(insert.excluded.members_version, _STAMP.c.members_version)})


def _read(org_id: int) -> tuple[int, int]:
    row = db.session.execute(sa.select(_STAMP.c.version, _STAMP.c.members_version)
                             .where(_STAMP.c.org_id == org_id)).first()
    return (int(row.version or 0), int(row.members_version or 0)) if row is not None else (0, 0)


def current(org_id: int) -> int:
    """The organization's stamp (0 before its first change: nothing is kept under 0, an organization created
    before the stamps, or not committed yet, is read afresh until its next change)."""
    return _read(org_id)[0]


def _seen(org_id: int) -> tuple[int, int]:
    stamps = db.session.info.setdefault(_SEEN, {})
    if org_id not in stamps:
        stamps[org_id] = _read(org_id)
    return stamps[org_id]


def saw(org_id: int, version: int | None, members_version: int | None) -> None:
    """The stamps were read (as columns of another statement: `column()`, `members_column()`): the first read
    of the transaction is the one `seen()` and `members_seen()` answer."""
    db.session.info.setdefault(_SEEN, {}).setdefault(org_id, (int(version or 0), int(members_version or 0)))


def seen(org_id: int) -> int:
    """The organization's stamp as this transaction first read it (one read per transaction: what is computed
    after that read is at least as new as the stamp)."""
    return _seen(org_id)[0]


def members_seen(org_id: int) -> int:
    """The organization's members stamp as this transaction first read it (with the stamp: one read); 0 when it
    has none yet (nothing is kept under 0)."""
    return _seen(org_id)[1]


def kept(org_id: int, key: Hashable, compute: Callable[[], T]) -> T:
    """A figure read from the organization's rollups, kept by this process while its stamp stays the same (a
    transaction that changed them and has not committed computes afresh and keeps nothing). The figure must not
    be changed by its readers."""
    stamp = seen(org_id)
    if not stamp or pending():
        return compute()
    full_key = (org_id, key)
    with _figures_lock:
        found = _figures.get(full_key)
        if found is not None and found[0] == stamp:
            _figures.move_to_end(full_key)
            return found[1]
    value = compute()
    if not pending():
        with _figures_lock:
            _figures[full_key] = (stamp, value)
            _figures.move_to_end(full_key)
            while len(_figures) > KEPT_FIGURES:
                _figures.popitem(last=False)
    return value


def forget() -> None:
    with _figures_lock:
        _figures.clear()


def column(org_id: int | sa.BindParameter[int]) -> sa.ScalarSelect:
    """The stamp as a scalar subquery, to read it in the same statement as something else (NULL = 0)."""
    return sa.select(_STAMP.c.version).where(_STAMP.c.org_id == org_id).scalar_subquery()


def members_column(org_id: int | sa.BindParameter[int]) -> sa.ScalarSelect:
    """The members stamp as a scalar subquery (NULL = 0)."""
    return sa.select(_STAMP.c.members_version).where(_STAMP.c.org_id == org_id).scalar_subquery()


def _before_commit(session: Session) -> None:
    # Session.commit() calls this before flushing what is pending: flush first, its listeners mark too.
    session.flush()
    session.info.pop(_SEEN, None)
    orgs = session.info.pop(_MARKS, None)
    members = session.info.pop(_MEMBER_MARKS, None)
    if orgs or members:
        bump(session.connection(), orgs or (), members=members or ())


def _after_soft_rollback(session: Session, _previous: object) -> None:
    if not session.in_transaction():  # the whole transaction rolled back (not a savepoint): its changes are gone
        session.info.pop(_MARKS, None)
        session.info.pop(_MEMBER_MARKS, None)
        session.info.pop(_SEEN, None)


def install() -> None:
    """Listen to every Flask-SQLAlchemy session (installed by the app factory with the rollup listeners)."""
    if not sa.event.contains(AppSession, "before_commit", _before_commit):
        sa.event.listen(AppSession, "before_commit", _before_commit)
        sa.event.listen(AppSession, "after_soft_rollback", _after_soft_rollback)
