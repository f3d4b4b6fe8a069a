"""Boards summed from the rollup cells: custom date ranges, windows the worker has not rolled yet, full
exports. The scope's members with their totals over the days (the cells grouped per member, every ranked
member joined in, 0 without cells); a board of the top N ranks only the rows it lists, a full board or an
export ranks every member with window functions. Rules: services/analytics/boards.py.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, MemberStatus, RollupCell, Team, User
from ...models.organization import membership_team
from .boards import Board, BoardRow, Scope, display_name, sort_name, team_names


def _totals(*, org_id: int, first: date | None, last: date | None, scope: Scope):
    cell = RollupCell
    query = (sa.select(cell.membership_id.label("mid"), sa.func.sum(cell.points).label("points"),
                       sa.func.sum(cell.shares).label("shares"), sa.func.sum(cell.clicks).label("clicks"))
             .where(cell.org_id == org_id).group_by(cell.membership_id))
    if first is not None and last is not None:
        query = query.where(cell.day >= first, cell.day <= last)
    if scope.campaign_id is not None:
        query = query.where(cell.campaign_id == scope.campaign_id)
    if scope.network:
        query = query.where(cell.network == scope.network)
    return query.subquery()


def ranked(*, org_id: int, first: date | None, last: date | None, scope: Scope):
    """Subquery: one row per ranked member with totals, `active` (not all 0), rank, position and total."""
    members = _members(org_id=org_id, first=first, last=last, scope=scope, named=True)
    points = members.c.points
    return sa.select(
        members.c.membership_id, members.c.name, members.c.email, members.c.kind, points, members.c.shares,
        members.c.clicks, _active(members).label("active"),
        sa.func.rank().over(order_by=points.desc()).label("rank"),
        sa.func.row_number().over(order_by=(points.desc(), members.c.sort_name, members.c.membership_id))
        .label("position"),
        sa.func.count().over().label("total"),
    ).subquery()


def _members(*, org_id: int, first: date | None, last: date | None, scope: Scope, named: bool):
    """CTE: every ranked member of the scope with its totals (0 without cells) and, when `named`, its name."""
    totals = _totals(org_id=org_id, first=first, last=last, scope=scope)
    points, shares, clicks = (sa.func.coalesce(totals.c[name], 0) for name in ("points", "shares", "clicks"))
    names = (User.name.label("name"), User.email.label("email"), sort_name().label("sort_name")) if named else ()
    query = (sa.select(Membership.id.label("membership_id"), Membership.kind.label("kind"), *names,
                       points.label("points"), shares.label("shares"), clicks.label("clicks"))
             .outerjoin(totals, totals.c.mid == Membership.id)
             .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE))
    if named:
        query = query.join(User, User.id == Membership.user_id)
    if scope.kind:
        query = query.where(Membership.kind == scope.kind)
    if scope.team_id is not None:
        query = query.where(Membership.id.in_(
            sa.select(membership_team.c.membership_id).join(Team, Team.id == membership_team.c.team_id)
            .where(Team.id == scope.team_id, Team.org_id == org_id)))
    return query.cte("members")


def _active(members) -> sa.ColumnElement[bool]:
    """Points, shares or clicks in the days, not all 0."""
    return sa.or_(members.c.points != 0, members.c.shares != 0, members.c.clicks != 0)


def _counts(members):
    """CTE: how many ranked members have each total (a competition rank is 1 + those above)."""
    return (sa.select(members.c.points, sa.func.count().label("n")).group_by(members.c.points)
            .cte("counts").prefix_with("MATERIALIZED"))  # once, not once per listed member


def _above(counts, points) -> sa.ScalarSelect:
    return sa.select(sa.func.coalesce(sa.func.sum(counts.c.n), 0)).where(counts.c.points > points).scalar_subquery()


def board(*, org_id: int, first: date | None, last: date | None, scope: Scope, limit: int | None,
          me_id: int | None) -> Board:
    """The top `limit` rows (every ranked member when None) and member `me_id`'s row, in one statement.

    With a limit, only the listed members are ranked: the top is a top-N over the scope's members (no sort of
    all of them), a rank is 1 + the members above it (counted per total), the viewer's position one count.
    Ranking every member with window functions (three sorts of the whole organization, one spilled to disk)
    took 540 ms of a first view at 100,000 members."""
    if limit is None:
        return _every_row(org_id=org_id, first=first, last=last, scope=scope, me_id=me_id)
    members = _members(org_id=org_id, first=first, last=last, scope=scope, named=True)
    counts = _counts(members)
    order = (members.c.points.desc(), members.c.sort_name, members.c.membership_id)
    top = sa.select(members).order_by(*order).limit(limit).subquery("top")
    listed = [sa.select(top, sa.func.row_number().over(
        order_by=(top.c.points.desc(), top.c.sort_name, top.c.membership_id)).label("position"))]
    if me_id is not None:
        me = members.alias("me")
        before = sa.or_(members.c.points > me.c.points, sa.and_(
            members.c.points == me.c.points, sa.or_(members.c.sort_name < me.c.sort_name, sa.and_(
                members.c.sort_name == me.c.sort_name, members.c.membership_id < me.c.membership_id))))
        position = sa.select(sa.func.count() + 1).select_from(members).where(before).scalar_subquery()
        listed.append(sa.select(me, position.label("position")).where(me.c.membership_id == me_id))
    rows = sa.union_all(*listed).subquery("listed")
    # The total as one row, the listed rows joined to it: one statement even when nobody is listed.
    total = sa.select(sa.func.coalesce(sa.func.sum(counts.c.n), 0).label("total")).subquery("total")
    query = (sa.select(total.c.total, rows, (_above(counts, rows.c.points) + 1).label("rank"))
             .select_from(total).outerjoin(rows, sa.true()))
    result = Board()
    found = list(db.session.execute(query))
    result.total = int(found[0].total)
    raws = sorted({raw.membership_id: raw for raw in found if raw.membership_id is not None}.values(),
                  key=lambda raw: raw.position)
    for row in rows_of(org_id=org_id, raws=raws):
        if row.membership_id == me_id:
            result.me = row
        if row.position <= limit:
            result.rows.append(row)
    return result


def _every_row(*, org_id: int, first: date | None, last: date | None, scope: Scope, me_id: int | None) -> Board:
    table = ranked(org_id=org_id, first=first, last=last, scope=scope)
    result = Board()
    raws = list(db.session.execute(sa.select(table).order_by(table.c.position)))
    result.total = len(raws)
    for row in rows_of(org_id=org_id, raws=raws):
        if row.membership_id == me_id:
            result.me = row
        result.rows.append(row)
    return result


def rows_of(*, org_id: int, raws: list) -> list[BoardRow]:
    """Board rows from rows of `ranked()`, with their team names (one query for all of them)."""
    names = team_names(org_id=org_id, membership_ids=[raw.membership_id for raw in raws])
    return [BoardRow(membership_id=raw.membership_id, rank=int(raw.rank), position=int(raw.position),
                     name=display_name(raw.name, raw.email), kind=raw.kind, teams=names[raw.membership_id],
                     points=int(raw.points), shares=int(raw.shares), clicks=int(raw.clicks)) for raw in raws]


def with_points(*, org_id: int, first: date | None, last: date | None, scope: Scope) -> int:
    """Ranked members whose points in these days do not add up to 0."""
    members = _members(org_id=org_id, first=first, last=last, scope=scope, named=False)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(members).where(members.c.points != 0)) or 0)


def previous_ranks(*, org_id: int, first: date, last: date, scope: Scope, membership_ids: list[int]) -> dict[int, int]:
    """{member id: rank} in these days, for the given members that had activity then (one statement: their
    ranks from how many members have each total, nobody else ranked)."""
    if not membership_ids:
        return {}
    members = _members(org_id=org_id, first=first, last=last, scope=scope, named=False)
    counts = _counts(members)
    rows = db.session.execute(sa.select(members.c.membership_id, _above(counts, members.c.points) + 1)
                              .where(members.c.membership_id.in_(membership_ids), _active(members)))
    return {mid: int(rank) for mid, rank in rows}
