"""Boards summed from the rollup cells: custom date ranges, windows the worker has not rolled yet, full
exports. One statement: the cells of the window grouped per member, every ranked member joined in,
window functions for rank and position. Rules: services/analytics/boards.py.
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
    totals = _totals(org_id=org_id, first=first, last=last, scope=scope)
    points = sa.func.coalesce(totals.c.points, 0)
    query = (
        sa.select(
            Membership.id.label("membership_id"), User.name.label("name"), User.email.label("email"),
            Membership.kind.label("kind"), points.label("points"),
            sa.func.coalesce(totals.c.shares, 0).label("shares"), sa.func.coalesce(totals.c.clicks, 0).label("clicks"),
            sa.or_(points != 0, totals.c.shares != 0, totals.c.clicks != 0).label("active"),
            sa.func.rank().over(order_by=points.desc()).label("rank"),
            sa.func.row_number().over(order_by=(points.desc(), sort_name(), Membership.id))
            .label("position"),
            sa.func.count().over().label("total"),
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(totals, totals.c.mid == Membership.id)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
    )
    if scope.kind:
        query = query.where(Membership.kind == scope.kind)
    if scope.team_id is not None:
        query = query.where(Membership.id.in_(
            sa.select(membership_team.c.membership_id).join(Team, Team.id == membership_team.c.team_id)
            .where(Team.id == scope.team_id, Team.org_id == org_id)))
    return query.subquery()


def board(*, org_id: int, first: date | None, last: date | None, scope: Scope, limit: int | None,
          me_id: int | None) -> Board:
    table = ranked(org_id=org_id, first=first, last=last, scope=scope)
    query = sa.select(table).order_by(table.c.position)
    if limit is not None:
        keep = table.c.position <= limit
        if me_id is not None:
            keep = sa.or_(keep, table.c.membership_id == me_id)
        query = query.where(keep)
    result = Board()
    raws = list(db.session.execute(query))
    result.total = int(raws[0].total) if raws else 0
    for row in rows_of(org_id=org_id, raws=raws):
        if row.membership_id == me_id:
            result.me = row
        if limit is None or row.position <= limit:
            result.rows.append(row)
    return result


def rows_of(*, org_id: int, raws: list) -> list[BoardRow]:
    """Board rows from rows of `ranked()`, with their team names (one query for all of them)."""
    names = team_names(org_id=org_id, membership_ids=[raw.membership_id for raw in raws])
    return [BoardRow(membership_id=raw.membership_id, rank=int(raw.rank), position=int(raw.position),
                     name=display_name(raw.name, raw.email), kind=raw.kind, teams=names[raw.membership_id],
                     points=int(raw.points), shares=int(raw.shares), clicks=int(raw.clicks)) for raw in raws]


def previous_ranks(*, org_id: int, first: date, last: date, scope: Scope, membership_ids: list[int]) -> dict[int, int]:
    """{member id: rank} in these days, for the given members that had activity then."""
    table = ranked(org_id=org_id, first=first, last=last, scope=scope)
    rows = db.session.execute(sa.select(table.c.membership_id, table.c.rank)
                              .where(table.c.membership_id.in_(membership_ids), table.c.active))
    return {mid: int(rank) for mid, rank in rows}
