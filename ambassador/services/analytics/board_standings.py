"""Boards read from the standings (services/analytics/standings.py): an index range of the top rows on
(scope, points), and a rank summed from the scope's standing counts (services/analytics/standing_counts.py: members
per points total), whatever the number of members.

Members without a standing in the scope have 0 points; they rank after every positive total and before
every negative one, listed by name (rules: services/analytics/boards.py).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, MemberStatus, Standing, StandingCount, Team, User
from ...models.organization import membership_team
from . import stamps, standing_counts
from .boards import Board, BoardRow, Scope, competition_ranks, display_name, sort_name, team_names


def _in_scope(org_id: int, key: str, scope: Scope) -> list:
    conditions = [Standing.org_id == org_id, Standing.window == key, Standing.campaign_id == scope.campaign_key,
                  Standing.network == scope.network_key, Standing.team_id == scope.team_key]
    if scope.kind:
        conditions.append(Standing.kind == scope.kind)
    return conditions


def _ranked_members(org_id: int, scope: Scope) -> list:
    conditions = [Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE]
    if scope.kind:
        conditions.append(Membership.kind == scope.kind)
    if scope.team_id is not None:
        conditions.append(Membership.id.in_(
            sa.select(membership_team.c.membership_id).join(Team, Team.id == membership_team.c.team_id)
            .where(Team.id == scope.team_id, Team.org_id == org_id)))
    return conditions


def _named(query):
    return (query.add_columns(User.name, User.email, Membership.kind.label("member_kind"))
            .join(Membership, Membership.id == Standing.membership_id).join(User, User.id == Membership.user_id))


def _positive(org_id: int, key: str, scope: Scope, limit: int) -> list:
    """The first `limit` rows with more than 0 points, in board order: the first entries of the scope's index."""
    query = _named(sa.select(Standing.membership_id, Standing.points, Standing.shares, Standing.clicks)
                   .where(*_in_scope(org_id, key, scope), Standing.points > 0)
                   .order_by(Standing.points.desc(), Standing.sort_name, Standing.membership_id).limit(limit))
    return list(db.session.execute(query))


def _zero(org_id: int, key: str, scope: Scope, limit: int, nonzero: int) -> list:
    """Ranked members at 0 points (with or without a standing), by name: the first `limit + nonzero` ranked
    members by name (an index on people's names), less those whose points are not 0 (`nonzero` at most)."""
    named = list(db.session.execute(
        sa.select(Membership.id.label("membership_id"), User.name, User.email, Membership.kind.label("member_kind"))
        .join(User, User.id == Membership.user_id).where(*_ranked_members(org_id, scope))
        .order_by(sort_name(), Membership.id).limit(limit + nonzero)))
    mine = {row.membership_id: row for row in db.session.execute(
        sa.select(Standing.membership_id, Standing.points, Standing.shares, Standing.clicks)
        .where(*_in_scope(org_id, key, Scope(team_id=scope.team_id, campaign_id=scope.campaign_id,
                                             network=scope.network)),
               Standing.membership_id.in_([row.membership_id for row in named])))}
    rows = []
    for row in named:
        standing = mine.get(row.membership_id)
        if standing is None or standing.points == 0:
            rows.append(SimpleNamespace(membership_id=row.membership_id, points=0, name=row.name, email=row.email,
                                        member_kind=row.member_kind, shares=standing.shares if standing else 0,
                                        clicks=standing.clicks if standing else 0))
    return rows[:limit]


def _negative(org_id: int, key: str, scope: Scope, limit: int) -> list:
    query = _named(sa.select(Standing.membership_id, Standing.points, Standing.shares, Standing.clicks)
                   .where(*_in_scope(org_id, key, scope), Standing.points < 0)
                   ).order_by(Standing.points.desc(), sort_name(), Standing.membership_id).limit(limit)
    return list(db.session.execute(query))


def _rows(raws: list, ranks: list[int], start: int, teams: dict[int, list[str]]) -> list[BoardRow]:
    return [BoardRow(membership_id=r.membership_id, rank=rank, position=start + i + 1,
                     name=display_name(r.name, r.email), kind=r.member_kind, teams=teams.get(r.membership_id, []),
                     points=int(r.points), shares=int(r.shares), clicks=int(r.clicks))
            for i, (r, rank) in enumerate(zip(raws, ranks, strict=True))]


# How many members a board ranks ("rank 12 of 100,000"): counting 100,000 index entries takes 10-35 ms, so each
# process keeps the figure while the organization's *members* stamp stays the same (services/analytics/stamps.py:
# every change to who a board ranks, in any process, moves it on at commit; events do not). A transaction that
# changed members and has not committed counts afresh (its changes may roll back).
T = TypeVar("T")
_counts: dict[tuple, tuple[int, Any]] = {}
_counts_lock = threading.Lock()


def forget_counts() -> None:
    with _counts_lock:
        _counts.clear()


def kept(key: tuple, compute: Callable[[], T], *, org_id: int) -> T:
    """A figure about the organization's members (how many, who has which role) kept by this process while the
    organization's members stamp stays the one this transaction read."""
    stamp = stamps.members_seen(org_id)
    if not stamp or stamps.members_pending():
        return compute()
    with _counts_lock:
        found = _counts.get(key)
    if found is not None and found[0] == stamp:
        return found[1]
    value = compute()
    if not stamps.members_pending():  # (computing flushed what was pending: its marks are set now)
        with _counts_lock:
            _counts[key] = (stamp, value)
    return value


def ranked_count(org_id: int, scope: Scope) -> int:
    """How many members the board ranks."""
    return kept(("ranked", org_id, scope.team_id, scope.kind), lambda: int(db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(*_ranked_members(org_id, scope))) or 0),
        org_id=org_id)


def ranks_of(org_id: int, key: str, scope: Scope, totals: set[int], total: int | None = None) -> dict[int, int]:
    """{total: competition rank} — 1 + members with more points (those at 0 included for a negative total) —
    summed in one pass over the scope's standing counts above the lowest of them."""
    if not totals:
        return {}
    above = standing_counts.above(org_id, key, scope, totals)
    if min(totals) < 0:  # members without a standing are at 0, above the negative totals
        missing = (ranked_count(org_id, scope) if total is None else total) - standing_counts.members(
            org_id, key, scope)
        above = {value: n + (missing if value < 0 else 0) for value, n in above.items()}
    return {value: n + 1 for value, n in above.items()}


def rank_of(org_id: int, key: str, scope: Scope, points: int, total: int | None = None) -> int:
    """Competition rank of one total (see ranks_of)."""
    return ranks_of(org_id, key, scope, {points}, total)[points]


def _my_row(org_id: int, key: str, scope: Scope, me_id: int, total: int) -> BoardRow | None:
    """The member's row (teams not filled in), None when the board does not rank them: one statement for the
    member and their standing, one for the rank."""
    mine = sa.and_(*_in_scope(org_id, key, scope), Standing.membership_id == Membership.id)
    member = db.session.execute(
        sa.select(User.name, User.email, Membership.kind.label("member_kind"), Standing.points, Standing.shares,
                  Standing.clicks)
        .join(User, User.id == Membership.user_id).outerjoin(Standing, mine)
        .where(Membership.id == me_id, *_ranked_members(org_id, scope))).one_or_none()
    if member is None:
        return None
    points, shares, clicks = (int(member.points or 0), int(member.shares or 0), int(member.clicks or 0))
    rank = rank_of(org_id, key, scope, points, total)
    return BoardRow(membership_id=me_id, rank=rank, position=rank, name=display_name(member.name, member.email),
                    kind=member.member_kind, teams=[], points=points, shares=shares, clicks=clicks)


def board(*, org_id: int, key: str, scope: Scope, limit: int, me_id: int | None) -> Board:
    total = ranked_count(org_id, scope)
    positive = _positive(org_id, key, scope, limit) if limit > 0 else []
    ranks = competition_ranks([r.points for r in positive])
    listed = list(positive)
    if len(listed) < limit:
        negatives = standing_counts.members(org_id, key, scope, StandingCount.points < 0)
        zero = _zero(org_id, key, scope, limit - len(listed), nonzero=len(positive) + negatives)
        ranks += [len(positive) + 1] * len(zero)
        listed += zero
    if len(listed) < limit:
        negative = _negative(org_id, key, scope, limit - len(listed))
        n_zero = total - standing_counts.members(org_id, key, scope, StandingCount.points != 0)
        ranks += competition_ranks([r.points for r in negative], offset=len(positive) + n_zero)
        listed += negative
    ids = [r.membership_id for r in listed]
    me = _my_row(org_id, key, scope, me_id, total) if me_id is not None and me_id not in ids else None
    teams = team_names(org_id=org_id, membership_ids=ids + ([me.membership_id] if me else []))
    result = Board(rows=_rows(listed, ranks, 0, teams), total=total)
    if me is not None:
        me.teams = teams[me.membership_id]
    result.me = me or next((row for row in result.rows if row.membership_id == me_id), None)
    return result


def previous_ranks(*, org_id: int, key: str, scope: Scope, membership_ids: list[int],
                   total: int | None = None) -> dict[int, int]:
    """{member id: rank} in window `key` for the given members whose totals there are not all 0 (`total`: how
    many members the scope ranks, when known)."""
    if not membership_ids:
        return {}
    rows = db.session.execute(sa.select(Standing.membership_id, Standing.points)
                              .where(*_in_scope(org_id, key, scope), Standing.membership_id.in_(membership_ids),
                                     sa.or_(Standing.points != 0, Standing.shares != 0, Standing.clicks != 0)))
    found = {mid: int(points) for mid, points in rows}
    by_points = ranks_of(org_id, key, scope, set(found.values()), total)
    return {mid: by_points[points] for mid, points in found.items()}


def with_points(*, org_id: int, key: str, scope: Scope) -> int:
    return standing_counts.members(org_id, key, scope, StandingCount.points != 0)
