"""Boards kept in each process's memory while the organization's rollup stamp (services/analytics/stamps.py)
stays the same: a board read again is one statement instead of six or seven.

Kept per (organization, days of the window and of the period before, scope, limit, movement asked or not): the
top rows with their previous ranks, how many members are ranked, the standings windows they were read from and,
once a viewer outside the top asks, the scope's standing counts in both windows (members per points total, a few
hundred rows). Reading a kept board is one statement — the stamp and the viewer's own figures (member, teams,
standings in both windows) together — and the viewer's rank and previous rank are summed from the kept counts
in memory, by the rules board_standings.ranks_of() follows. When the stamp moved on, or nothing is kept, the
board is computed afresh and kept under the stamp read before computing it.

Not kept: boards summed from the cells (a custom range the worker has not built yet: it builds it within
minutes), and anything computed by a transaction that changed what boards read and has not committed yet (its
own changes are not under any stamp yet; they may still roll back).
"""
from __future__ import annotations

import functools
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, MemberStatus, Standing, StandingCount, Team, User
from ...models.organization import membership_team
from . import stamps, standing_counts
from .boards import Board, BoardRow, Scope, display_name

Span = tuple[date | None, date | None]
KEPT_BOARDS = 512  # the least recently read go first


@dataclass
class Histogram:
    """Members per points total of one window and scope: competition ranks summed in memory."""

    points: list[int]  # ascending
    at_most: list[int]  # members with points <= points[i]
    total: int  # every ranked member of the scope (those without a standing are at 0)

    def rank(self, value: int) -> int:
        """1 + members with more points (members without a standing, at 0, count above a negative total)."""
        counted = self.at_most[-1] if self.at_most else 0
        i = bisect_right(self.points, value)
        above = counted - (self.at_most[i - 1] if i else 0)
        return 1 + above + (self.total - counted if value < 0 else 0)


@dataclass
class Kept:
    stamp: int
    keys: tuple[str, str | None]  # the standings windows of the board and of the period before (None: no movement)
    rows: list[BoardRow]
    total: int
    compared: bool
    histograms: dict[str, Histogram] = field(default_factory=dict)


@dataclass(frozen=True)
class Fresh:
    """A board computed afresh, and the standings windows it was read from (None: summed from the cells)."""

    board: Board
    keys: tuple[str | None, str | None]


_kept: OrderedDict[tuple, Kept] = OrderedDict()
_lock = threading.Lock()


def forget() -> None:
    with _lock:
        _kept.clear()


def _get(key: tuple) -> Kept | None:
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
        return found


def _put(key: tuple, kept: Kept) -> None:
    with _lock:
        _kept[key] = kept
        _kept.move_to_end(key)
        while len(_kept) > KEPT_BOARDS:
            _kept.popitem(last=False)


def writing() -> bool:
    """This transaction changed what boards read (not committed yet): compute, do not keep (stamps.py)."""
    return stamps.pending()


def _histogram(org_id: int, key: str, scope: Scope, total: int) -> Histogram:
    rows = db.session.execute(
        sa.select(StandingCount.points, sa.func.sum(StandingCount.members))
        .where(*standing_counts.in_scope(org_id, key, scope))
        .group_by(StandingCount.points).order_by(StandingCount.points)).all()
    at_most: list[int] = []
    for _points, members in rows:
        at_most.append((at_most[-1] if at_most else 0) + int(members or 0))
    return Histogram(points=[int(points) for points, _members in rows], at_most=at_most, total=total)


def _kept_histogram(org_id: int, kept: Kept, key: str, scope: Scope) -> Histogram:
    found = kept.histograms.get(key)
    if found is None:
        found = kept.histograms[key] = _histogram(org_id, key, scope, kept.total)
    return found


def _mine(org_id: int, kept: Kept, scope: Scope, me_id: int) -> tuple[int, list]:
    """(the stamp, rows of the viewer: member, one team, one standing in the board's or the previous window)."""
    rows = list(db.session.execute(_mine_statement(), {
        "org_id": org_id, "windows": [key for key in kept.keys if key is not None], "campaign_id": scope.campaign_key,
        "network": scope.network_key, "team_id": scope.team_key, "me_id": me_id}))
    if not rows:
        return stamps.current(org_id), []
    return int(rows[0].stamp or 0), rows


@functools.cache
def _mine_statement() -> sa.Select:
    """Built once (its cache key too): every view of a kept board runs it, and building it took longer than
    running it."""
    org_id = sa.bindparam("org_id", type_=sa.Integer)
    standing = sa.and_(Standing.org_id == org_id, Standing.window.in_(sa.bindparam("windows", expanding=True)),
                       Standing.campaign_id == sa.bindparam("campaign_id", type_=sa.Integer),
                       Standing.network == sa.bindparam("network", type_=sa.String),
                       Standing.team_id == sa.bindparam("team_id", type_=sa.Integer),
                       Standing.membership_id == Membership.id)
    return (sa.select(stamps.column(org_id).label("stamp"), Membership.status, Membership.kind, User.name, User.email,
                      Standing.window, Standing.points, Standing.shares, Standing.clicks, Team.id.label("team_id"),
                      Team.name.label("team"))
            .join(User, User.id == Membership.user_id).outerjoin(Standing, standing)
            .outerjoin(membership_team, membership_team.c.membership_id == Membership.id)
            .outerjoin(Team, sa.and_(Team.id == membership_team.c.team_id, Team.org_id == org_id))
            .where(Membership.id == sa.bindparam("me_id", type_=sa.Integer), Membership.org_id == org_id))


def _my_row(org_id: int, kept: Kept, scope: Scope, me_id: int, rows: list) -> BoardRow | None:
    """The viewer's row outside the top, from their rows (_mine) and the kept counts; None when not ranked."""
    first = rows[0]
    teams = {row.team_id: row.team for row in rows if row.team_id is not None}
    if first.status != MemberStatus.ACTIVE or (scope.kind and first.kind != scope.kind) or (
            scope.team_id is not None and scope.team_id not in teams):
        return None
    totals = {row.window: (int(row.points), int(row.shares), int(row.clicks)) for row in rows
              if row.window is not None}
    points, shares, clicks = totals.get(kept.keys[0], (0, 0, 0))
    rank = _kept_histogram(org_id, kept, kept.keys[0], scope).rank(points)
    row = BoardRow(membership_id=me_id, rank=rank, position=rank, name=display_name(first.name, first.email),
                   kind=first.kind, teams=sorted(teams.values(), key=str.lower), points=points, shares=shares,
                   clicks=clicks)
    before = kept.keys[1]
    if kept.compared and before is not None and any(totals.get(before, (0, 0, 0))):
        row.previous_rank = _kept_histogram(org_id, kept, before, scope).rank(totals[before][0])
    return row


def _view(org_id: int, kept: Kept, scope: Scope, me_id: int | None, mine: list) -> Board:
    result = Board(rows=[replace(row, teams=list(row.teams)) for row in kept.rows], total=kept.total,
                   compared=kept.compared)
    if me_id is not None:
        result.me = next((row for row in result.rows if row.membership_id == me_id), None)
        if result.me is None and mine:
            result.me = _my_row(org_id, kept, scope, me_id, mine)
    return result


def board(*, org_id: int, spans: tuple[Span, ...], scope: Scope, limit: int, me_id: int | None, compare: bool,
          fresh: Callable[[], Fresh]) -> Board:
    """The kept board when the stamp has not moved, else `fresh()` (kept when read from the standings, the
    period before included when movement is asked for)."""
    key = (org_id, spans, scope, limit, compare)
    kept = _get(key)
    if kept is not None:
        if me_id is not None:
            stamp, mine = _mine(org_id, kept, scope, me_id)
        else:
            stamp, mine = stamps.seen(org_id), []
        if stamp == kept.stamp and not writing():  # (the statement flushed what was pending: marks are set)
            return _view(org_id, kept, scope, me_id, mine)
    else:
        stamp = stamps.seen(org_id)
    computed = fresh()
    current, before = computed.keys
    if stamp and current is not None and (before is not None or not compare) and not writing():
        _put(key, Kept(stamp=stamp, keys=(current, before if compare else None),
                       rows=[replace(row, teams=list(row.teams)) for row in computed.board.rows],
                       total=computed.board.total, compared=computed.board.compared))
    return computed.board
