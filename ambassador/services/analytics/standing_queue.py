"""The standings' queue: additions the publishing worker's recorder writes instead of adding them to the
standings in its own transaction (models/rollups.py StandingQueued), added by the worker within seconds.

Why: a published share adds to about 40 standings (and moves their standing counts), the largest cost of
recording it. Queued, the additions of many shares are added together, a member's shares once for all of them
(`standing_additions.add_queued`). The publishing worker adds what is queued at most every
jobs/publisher.py STANDINGS_INTERVAL_SECONDS and before its job returns, and the `add_queued_standings` job
every few seconds adds what another worker left; until then a board does not count those shares yet. Every
other event (clicks, intent shares, points awarded by hand, …) is added in its own transaction as before.

Why it stays exact (each queued row is one member's additions in one built window):
* a recorder queues for the windows it holds share locks on, as it added to them before
  (standing_additions.add, standings.built_windows); taking the queued rows, the worker takes those locks first;
* a window rebuilt from the cells (holding it exclusively: no recorder queues for it meanwhile) drops its
  queued rows, whose events the cells hold; a window dropped drops its rows (foreign key, cascade);
* a member rebuilt from the cells (`standings.refresh_member`) locks the member first, as recorders do
  (points.lock_members), then drops the member's rows;
* a member in no team any more is moved from their every-team rows (`left_without_team`), and their queued rows
  are added where their teams are when added: nothing is counted twice.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import NamedTuple, cast

import sqlalchemy as sa

from ...infra import array_rows
from ...models import StandingQueued

_QUEUE = cast(sa.Table, StandingQueued.__table__)
# Addition's fields and their SQL types (the arrays PostgreSQL takes them in: here and standing_events.py).
TYPES: array_rows.Columns = (
    ("org_id", sa.Integer), ("window", sa.String), ("membership_id", sa.Integer), ("campaign_id", sa.Integer),
    ("network", sa.String), ("points", sa.BigInteger), ("shares", sa.Integer), ("clicks", sa.Integer))
_COLUMNS = tuple(name for name, _type in TYPES)
_deferring: contextvars.ContextVar[bool] = contextvars.ContextVar("standings_deferred", default=False)


class Addition(NamedTuple):
    """What one member adds to one built window in one (campaign, network) scope (each also "all"); the
    member's teams are read when it is added."""
    org_id: int
    window: str
    membership_id: int
    campaign_id: int
    network: str
    points: int
    shares: int
    clicks: int


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within the block (in this thread), standing_additions.add() queues what events add to the standings."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def deferring() -> bool:
    return _deferring.get()


def merged(additions: Sequence[Addition]) -> list[Addition]:
    """The additions summed per member, window and scope, in key order (the order the standings are locked)."""
    sums: dict[tuple, list[int]] = {}
    for a in additions:
        total = sums.setdefault(a[:5], [0, 0, 0])
        total[0] += a.points
        total[1] += a.shares
        total[2] += a.clicks
    return [Addition(*key, *total) for key, total in sorted(sums.items())]


def put(conn: sa.Connection, additions: Sequence[Addition]) -> None:
    """Queue the additions (in the caller's transaction, which holds the windows' share locks): on PostgreSQL one
    statement with a column of values each (infra/array_rows.py): an executemany of the rows cost the recorder
    more than the rest of queueing."""
    array_rows.insert(conn, _QUEUE, TYPES, additions)


def org_ids(conn: sa.Connection) -> list[int]:
    """The organizations with something queued."""
    return list(conn.execute(sa.select(_QUEUE.c.org_id).distinct().order_by(_QUEUE.c.org_id)).scalars())


def take(conn: sa.Connection, org_ids: Sequence[int], limit: int) -> list[Addition]:
    """Remove and return up to `limit` queued rows of these organizations, oldest first. On PostgreSQL rows
    another worker is taking are skipped (SKIP LOCKED): each row is taken once."""
    columns = [_QUEUE.c[name] for name in _COLUMNS]
    chosen = (sa.select(_QUEUE.c.id).where(_QUEUE.c.org_id.in_(sorted(org_ids))).order_by(_QUEUE.c.id)
              .limit(limit))
    if conn.dialect.name == "postgresql":
        rows = conn.execute(sa.delete(_QUEUE).where(_QUEUE.c.id.in_(chosen.with_for_update(skip_locked=True)
                                                                     .scalar_subquery()))
                            .returning(*columns)).all()
        return [Addition(*row) for row in rows]
    found = conn.execute(sa.select(_QUEUE.c.id, *columns).where(_QUEUE.c.id.in_(chosen.scalar_subquery()))).all()
    conn.execute(sa.delete(_QUEUE).where(_QUEUE.c.id.in_([row.id for row in found])))
    return [Addition(*row[1:]) for row in found]


def drop_window(conn: sa.Connection, *, org_id: int, key: str) -> None:
    """The window is rebuilt from the cells, which hold what its queued rows would add."""
    conn.execute(sa.delete(_QUEUE).where(_QUEUE.c.org_id == org_id, _QUEUE.c.window == key))


def drop_member(conn: sa.Connection, membership_id: int) -> None:
    """The member's standings are rebuilt from the cells (under the member's lock), which hold what the
    member's queued rows would add."""
    conn.execute(sa.delete(_QUEUE).where(_QUEUE.c.membership_id == membership_id))
