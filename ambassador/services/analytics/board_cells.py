"""Boards summed from the rollup cells: custom date ranges, windows the worker has not rolled yet, full
exports. The scope's members with their totals over the days (the cells grouped per member, every ranked
member joined in, 0 without cells); a board of the top N ranks and names only the rows it lists (and, when
compared, sums the period before in the same pass over the cells), a full board or an export ranks every member
with window functions. Rules: services/analytics/boards.py.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...infra.database import work_memory
from ...infra.sums import big_sum
from ...models import Membership, MemberStatus, RollupCell, Team, User
from ...models.organization import membership_team
from .boards import Board, BoardRow, Scope, display_name, sort_name, team_names

_SUMS = ("points", "shares", "clicks")
Days = tuple[date, date]


def _totals(*, org_id: int, first: date | None, last: date | None, scope: Scope, before: Days | None = None):
    """Subquery: each member's sums over the days (with `before`: also over those days, as b_points …, in the
    same pass over the cells)."""
    cell = RollupCell
    query = sa.select(cell.membership_id.label("mid")).where(cell.org_id == org_id).group_by(cell.membership_id)
    if before is None:
        query = query.add_columns(*(_sum(name).label(name) for name in _SUMS))
        if first is not None and last is not None:
            query = query.where(cell.day >= first, cell.day <= last)
    else:
        assert first is not None and last is not None
        now, then = cell.day.between(first, last), cell.day.between(*before)
        query = query.add_columns(
            *(_sum(name, now).label(name) for name in _SUMS),
            *(_sum(name, then).label(f"b_{name}") for name in _SUMS),
        ).where(cell.day >= min(first, before[0]), cell.day <= max(last, before[1]))  # (days between: 0, 0)
    if scope.campaign_id is not None:
        query = query.where(cell.campaign_id == scope.campaign_id)
    if scope.network:
        query = query.where(cell.network == scope.network)
    return query.subquery()


def _sum(name: str, where: sa.ColumnElement[bool] | None = None) -> sa.ColumnElement:
    """A cell column summed (with `where`: over those cells only); a BIGINT one (points) in double precision
    (infra/sums.py)."""
    column = RollupCell.__table__.c[name]
    if isinstance(column.type, sa.BigInteger):
        return big_sum(column, where)
    total = sa.func.sum(column)
    return total if where is None else total.filter(where)


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


def _members(*, org_id: int, first: date | None, last: date | None, scope: Scope, named: bool,
             before: Days | None = None):
    """CTE: every ranked member of the scope with its totals (0 without cells) and, when `named`, its name;
    with `before`, its totals in those days too (b_points …)."""
    totals = _totals(org_id=org_id, first=first, last=last, scope=scope, before=before)
    names = (User.name.label("name"), User.email.label("email"), sort_name().label("sort_name")) if named else ()
    sums = [*_SUMS, *(f"b_{name}" for name in _SUMS)] if before is not None else list(_SUMS)
    query = (sa.select(Membership.id.label("membership_id"), Membership.user_id.label("user_id"),
                       Membership.kind.label("kind"), *names,
                       *(sa.func.coalesce(totals.c[name], 0).label(name) for name in sums))
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


def _active(members, prefix: str = "") -> sa.ColumnElement[bool]:
    """Points, shares or clicks in the days (`prefix` "b_": in the days before), not all 0."""
    return sa.or_(*(members.c[prefix + name] != 0 for name in _SUMS))


def _counts(members, column: str = "points"):
    """CTE: how many ranked members have each total (a competition rank is 1 + those above)."""
    return (sa.select(members.c[column].label("points"), sa.func.count().label("n")).group_by(members.c[column])
            .cte(f"counts_{column}").prefix_with("MATERIALIZED"))  # once, not once per listed member


def _above(counts, points) -> sa.ScalarSelect:
    return sa.select(sa.func.coalesce(sa.func.sum(counts.c.n), 0)).where(counts.c.points > points).scalar_subquery()


def board(*, org_id: int, first: date | None, last: date | None, scope: Scope, limit: int | None,
          me_id: int | None, before: Days | None = None) -> Board:
    """The top `limit` rows (every ranked member when None) and member `me_id`'s row, in one statement; with
    `before` (and a limit), each listed row's rank in those days too, from the same pass over the cells.

    With a limit, only the listed members are ranked and named: the scope's members are summed without their
    names (narrow rows, kept in memory); the top is a top-N among the members with at least the N-th highest
    total, names joined to those alone; a rank is 1 + the members above it (counted per total); the viewer's
    position is the members above plus those at the same total before it by name. At 100,000 members, ranking
    every member with window functions (three sorts of the whole organization, one spilled to disk) took 540 ms
    of a first view, carrying every member's name through the sums 100 ms more, and summing the days before in
    a second statement 200 ms more."""
    if limit is None:
        return _every_row(org_id=org_id, first=first, last=last, scope=scope, me_id=me_id)
    members = _members(org_id=org_id, first=first, last=last, scope=scope, named=False, before=before)
    counts = _counts(members)
    listed = [_top(members, counts, limit)] if limit > 0 else []
    if me_id is not None:
        listed.append(_viewer(members, counts, me_id))
    total = sa.select(sa.func.coalesce(sa.func.sum(counts.c.n), 0).label("total")).subquery("total")
    result = Board(compared=before is not None)
    if not listed:
        with work_memory():
            result.total = int(db.session.scalar(sa.select(total.c.total)) or 0)
        return result
    rows = sa.union_all(*listed).subquery("listed")
    previous: sa.ColumnElement = sa.null()
    if before is not None:
        previous = sa.case((_active(rows, "b_"), _above(_counts(members, "b_points"), rows.c.b_points) + 1))
    # The total as one row, the listed rows joined to it: one statement even when nobody is listed.
    query = (sa.select(total.c.total, rows, (_above(counts, rows.c.points) + 1).label("rank"),
                       previous.label("previous_rank"))
             .select_from(total).outerjoin(rows, sa.true()))
    with work_memory():
        found = list(db.session.execute(query))
    result.total = int(found[0].total)
    raws = sorted({raw.membership_id: raw for raw in found if raw.membership_id is not None}.values(),
                  key=lambda raw: raw.position)
    for raw, row in zip(raws, rows_of(org_id=org_id, raws=raws), strict=True):
        if before is not None:
            row.previous_rank = None if raw.previous_rank is None else int(raw.previous_rank)
        if row.membership_id == me_id:
            result.me = row
        if row.position <= limit:
            result.rows.append(row)
    return result


_NAMED = (User.name.label("name"), User.email.label("email"), sort_name().label("sort_name"))


def _top(members, counts, limit: int) -> sa.Select:
    """The first `limit` members in board order with their positions: those with at least the `limit`-th
    highest total (from the counts: the lowest total with fewer than `limit` members above it), named, sorted by
    total and name. (A join, not a lookup per row: when few members have points, all those at 0 are named.)"""
    above = sa.select(counts.c.points, (sa.func.sum(counts.c.n).over(order_by=counts.c.points.desc()) - counts.c.n)
                      .label("above")).subquery("above")
    nth = sa.select(sa.func.min(above.c.points)).where(above.c.above < limit).scalar_subquery()
    head = (sa.select(members, *_NAMED).join(User, User.id == members.c.user_id).where(members.c.points >= nth)
            .subquery("head"))
    top = (sa.select(head).order_by(head.c.points.desc(), head.c.sort_name, head.c.membership_id).limit(limit)
           .subquery("top"))
    return sa.select(*_listed(top), sa.func.row_number().over(
        order_by=(top.c.points.desc(), top.c.sort_name, top.c.membership_id)).label("position"))


def _listed(rows) -> list:
    """The columns a listed row carries: the member's (but its user id), its totals and its name."""
    return [column for column in rows.c if column.name != "user_id"]


def _viewer(members, counts, me_id: int) -> sa.Select:
    """Member `me_id`'s row with its position: 1 + the members with more points (from the counts) + those with
    as many listed before it by name (only they are named)."""
    me = (sa.select(members, *_NAMED).join(User, User.id == members.c.user_id)
          .where(members.c.membership_id == me_id).subquery("me"))
    same = (sa.select(sa.func.count()).select_from(members).join(User, User.id == members.c.user_id)
            .where(members.c.points == me.c.points, sa.or_(sort_name() < me.c.sort_name, sa.and_(
                sort_name() == me.c.sort_name, members.c.membership_id < me.c.membership_id)))
            .scalar_subquery())
    return sa.select(*_listed(me), (_above(counts, me.c.points) + same + 1).label("position"))


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
