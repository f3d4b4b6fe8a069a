"""The rows a board read from the standings lists, in board order (rules: services/analytics/boards.py): members
above 0 points (the first entries of the scope's index on points), then members at 0 by name (with or without a
standing), then members below 0. Each part is one statement, built and compiled once per shape with bind
parameters (building one took longer than running it: infra/compiled.py), that also reads each member's name,
kind, teams and, when the board is compared, their totals in the period before.
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ...extensions import db
from ...infra import compiled
from ...infra.json_sql import json_list, json_row
from ...models import Membership, MemberStatus, Standing, Team, User
from ...models.organization import membership_team
from .boards import Scope, sort_name


@dataclass
class Listed:
    membership_id: int
    name: str | None
    email: str
    member_kind: str
    points: int
    shares: int
    clicks: int
    teams: list[str] = field(default_factory=list)
    before: tuple[int, int, int] | None = None  # totals in the period before (None: no standing there)


def _org() -> sa.BindParameter:
    return sa.bindparam("org_id", type_=sa.Integer)


def _in_scope(table, window: str, *, by_kind: bool) -> list:
    conditions = [table.org_id == _org(), table.window == sa.bindparam(window, type_=sa.String),
                  table.campaign_id == sa.bindparam("campaign_id", type_=sa.Integer),
                  table.network == sa.bindparam("network", type_=sa.String),
                  table.team_id == sa.bindparam("team_id", type_=sa.Integer)]
    return conditions + ([table.kind == sa.bindparam("kind", type_=sa.String)] if by_kind else [])


def _detailed(part: sa.Subquery, columns: list, compare: bool, by_kind: bool) -> sa.Select:
    """The rows of `part` (membership_id …) with their teams and, with `compare`, their totals before, each read
    by a correlated subquery as JSON (infra/json_sql.py: a join of those tables took longer to plan than to run)."""
    teams = (sa.select(json_list(Team.name)).select_from(membership_team)
             .join(Team, sa.and_(Team.id == membership_team.c.team_id, Team.org_id == _org()))
             .where(membership_team.c.membership_id == part.c.membership_id).scalar_subquery())
    before: sa.ColumnElement = sa.null()
    if compare:
        previous = aliased(Standing)
        before = (sa.select(json_row(previous.points, previous.shares, previous.clicks))
                  .where(*_in_scope(previous, "before", by_kind=by_kind),
                         previous.membership_id == part.c.membership_id).scalar_subquery())
    return sa.select(*columns, teams.label("teams"), sa.type_coerce(before, sa.JSON).label("before")).select_from(part)


@functools.cache
def _ranked_statement(above: bool, compare: bool, by_kind: bool) -> sa.Select:
    """The first `limit` standings of the scope above (or below) 0 points, in board order."""
    part = (sa.select(Standing.membership_id, Standing.points, Standing.shares, Standing.clicks, Standing.sort_name)
            .where(*_in_scope(Standing, "key", by_kind=by_kind), Standing.points > 0 if above else Standing.points < 0)
            .order_by(Standing.points.desc(), Standing.sort_name, Standing.membership_id)
            .limit(sa.bindparam("limit", type_=sa.Integer)).subquery())
    columns = [part.c.membership_id, User.name, User.email, Membership.kind.label("member_kind"), part.c.points,
               part.c.shares, part.c.clicks]
    return (_detailed(part, columns, compare, by_kind)
            .join(Membership, Membership.id == part.c.membership_id).join(User, User.id == Membership.user_id)
            .order_by(part.c.points.desc(), part.c.sort_name, part.c.membership_id))


@functools.cache
def _zero_statement(compare: bool, by_kind: bool, by_team: bool) -> sa.Select:
    """Ranked members at 0 points: the first `named` ranked members by name (an index on people's names), less
    those whose points in the scope are not 0 (the caller asks for `limit` + how many those can be)."""
    ranked = [Membership.org_id == _org(), Membership.status == MemberStatus.ACTIVE]
    if by_kind:
        ranked.append(Membership.kind == sa.bindparam("kind", type_=sa.String))
    if by_team:
        ranked.append(Membership.id.in_(
            sa.select(membership_team.c.membership_id).join(Team, Team.id == membership_team.c.team_id)
            .where(Team.id == sa.bindparam("team_id", type_=sa.Integer), Team.org_id == _org())))
    part = (sa.select(Membership.id.label("membership_id"), User.name, User.email,
                      Membership.kind.label("member_kind"), sort_name().label("sort_name"))
            .join(User, User.id == Membership.user_id).where(*ranked)
            .order_by(sort_name(), Membership.id).limit(sa.bindparam("named", type_=sa.Integer)).subquery())
    standing = aliased(Standing)
    columns = [part.c.membership_id, part.c.name, part.c.email, part.c.member_kind, sa.literal(0).label("points"),
               sa.func.coalesce(standing.shares, 0).label("shares"),
               sa.func.coalesce(standing.clicks, 0).label("clicks")]
    return (_detailed(part, columns, compare, by_kind)
            .outerjoin(standing, sa.and_(*_in_scope(standing, "key", by_kind=False),
                                         standing.membership_id == part.c.membership_id))
            .where(sa.or_(standing.points.is_(None), standing.points == 0))
            .order_by(part.c.sort_name, part.c.membership_id))


def _run(statement: sa.Select, params: dict, limit: int) -> list[Listed]:
    """The first `limit` members of the statement's rows."""
    return [Listed(membership_id=r.membership_id, name=r.name, email=r.email, member_kind=r.member_kind,
                   points=int(r.points), shares=int(r.shares), clicks=int(r.clicks), teams=r.teams,
                   before=None if r.before is None else (int(r.before[0]), int(r.before[1]), int(r.before[2])))
            for r in itertools.islice(compiled.read(db.session, statement, params), limit)]


def _params(org_id: int, key: str, before: str | None, scope: Scope, **more) -> dict:
    return {"org_id": org_id, "key": key, "before": before, "campaign_id": scope.campaign_key,
            "network": scope.network_key, "team_id": scope.team_key, "kind": scope.kind, **more}


def above(org_id: int, key: str, before: str | None, scope: Scope, limit: int) -> list[Listed]:
    """The first `limit` members above 0 points."""
    return _run(_ranked_statement(True, before is not None, bool(scope.kind)),
                _params(org_id, key, before, scope, limit=limit), limit)


def below(org_id: int, key: str, before: str | None, scope: Scope, limit: int) -> list[Listed]:
    """The first `limit` members below 0 points."""
    return _run(_ranked_statement(False, before is not None, bool(scope.kind)),
                _params(org_id, key, before, scope, limit=limit), limit)


def at_zero(org_id: int, key: str, before: str | None, scope: Scope, limit: int, *, nonzero: int) -> list[Listed]:
    """The first `limit` ranked members at 0 points, by name (`nonzero`: at most how many ranked members of the
    scope have points that are not 0)."""
    return _run(_zero_statement(before is not None, bool(scope.kind), scope.team_id is not None),
                _params(org_id, key, before, scope, named=limit + nonzero), limit)
