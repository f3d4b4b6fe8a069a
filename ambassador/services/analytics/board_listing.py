"""The rows a board read from the standings lists, in board order (rules: services/analytics/boards.py): members
above 0 points (the first entries of the scope's index on points), then members at 0 by name (with or without a
standing: picked from the first members the scope ranks by name, kept by the caller), then members below 0.
Each part is one statement, built and compiled once per shape with bind
parameters (building one took longer than running it: infra/compiled.py), that also reads each member's name,
kind, teams and, when the board is compared, their totals in the period before.
"""
from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ...extensions import db
from ...infra import compiled
from ...infra.json_sql import in_json_ids, json_ids, json_list, json_row
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


def _in_scope(table, *windows: str, by_kind: bool) -> list:
    """The scope's rows in the windows bound as parameters `windows` (one or more names)."""
    conditions = [table.org_id == _org(), table.window.in_([sa.bindparam(w, type_=sa.String) for w in windows]),
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
    """The first `limit` standings of the scope above (or below) 0 points, in board order. The limit and the 0 are
    written into the SQL (the limit when it runs): PostgreSQL then estimates the prepared statement's generic
    plan as it does a plan for the values, and keeps it instead of planning every execution again (a third of
    the statement's time)."""
    zero: sa.ColumnClause[int] = sa.literal_column("0", sa.Integer)
    part = (sa.select(Standing.membership_id, Standing.points, Standing.shares, Standing.clicks, Standing.sort_name)
            .where(*_in_scope(Standing, "key", by_kind=by_kind),
                   Standing.points > zero if above else Standing.points < zero)
            .order_by(Standing.points.desc(), Standing.sort_name, Standing.membership_id)
            .limit(sa.bindparam("limit", type_=sa.Integer, literal_execute=True)).subquery())
    columns = [part.c.membership_id, User.name, User.email, Membership.kind.label("member_kind"), part.c.points,
               part.c.shares, part.c.clicks]
    return (_detailed(part, columns, compare, by_kind)
            .join(Membership, Membership.id == part.c.membership_id).join(User, User.id == Membership.user_id)
            .order_by(part.c.points.desc(), part.c.sort_name, part.c.membership_id))


@dataclass(frozen=True)
class Named:
    """A member a scope ranks, as listed at 0 points: name, email, kind and team names."""

    membership_id: int
    name: str | None
    email: str
    member_kind: str
    teams: tuple[str, ...]


@functools.cache
def _named_statement(by_kind: bool, by_team: bool) -> sa.Select:
    """The first `named` members a scope ranks by name (an index on people's names) with their teams."""
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
    columns = [part.c.membership_id, part.c.name, part.c.email, part.c.member_kind]
    return _detailed(part, columns, False, by_kind).order_by(part.c.sort_name, part.c.membership_id)


def named(org_id: int, scope: Scope, count: int) -> list[Named]:
    """The first `count` members the scope ranks, by name (then id): all of them when it ranks fewer. Depends
    only on the members, their names and teams, so callers keep it under the members stamp (stamps.py)."""
    return [Named(membership_id=r.membership_id, name=r.name, email=r.email, member_kind=r.member_kind,
                  teams=tuple(r.teams))
            for r in compiled.read(db.session, _named_statement(bool(scope.kind), scope.team_id is not None),
                                   _params(org_id, "", None, scope, named=count))]


def totals(org_id: int, windows: list[str], scope: Scope, ids: list[int]) -> dict[tuple[str, int], tuple]:
    """{(window, member id): (points, shares, clicks)} of these members' standings in the scope (windows: one or
    two)."""
    if not ids:
        return {}
    rows = compiled.read(db.session, _totals_statement(), {
        **_params(org_id, windows[0], windows[-1], scope), "ids": json_ids(ids)})
    return {(window, mid): (int(points), int(shares), int(clicks)) for window, mid, points, shares, clicks in rows}


@functools.cache
def _totals_statement() -> sa.Select:
    """Standings of the scope in windows `key` and `before` of the members in the JSON list `ids`: compiled once
    (the IN list of bound ids it replaces was new SQL for each length, built and compiled on every board)."""
    return (sa.select(Standing.window, Standing.membership_id, Standing.points, Standing.shares, Standing.clicks)
            .where(*_in_scope(Standing, "key", "before", by_kind=False), in_json_ids(Standing.membership_id, "ids")))


def ranked(compare: bool, by_kind: bool) -> sa.Select:
    """The first `limit` standings of the scope above 0 points in board order, as a statement to read in another
    (board_viewer.py; its rows come back through `from_json()`)."""
    return _ranked_statement(True, compare, by_kind)


def _json(value):
    """A JSON value nested in another: a list on PostgreSQL, its text on SQLite (no subtype through a subquery)."""
    return json.loads(value) if isinstance(value, str) else value


def from_json(rows: list | None) -> list[Listed]:
    """`ranked()`'s rows read as one JSON list, in board order."""
    found = []
    for membership_id, name, email, member_kind, points, shares, clicks, teams, before in rows or []:
        was = _json(before)
        found.append(Listed(membership_id=int(membership_id), name=name, email=email, member_kind=member_kind,
                            points=int(points), shares=int(shares), clicks=int(clicks), teams=_json(teams) or [],
                            before=None if was is None else (int(was[0]), int(was[1]), int(was[2]))))
    return found


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


def at_zero(org_id: int, key: str, before: str | None, scope: Scope, limit: int, *,
            first: list[Named]) -> list[Listed]:
    """The first `limit` ranked members at 0 points (no standing, or 0 points), by name, from `first`: the
    first members the scope ranks by name, at least `limit` + how many of them can have points that are not 0
    (or every member it ranks). One statement: their standings in both windows (primary-key lookups)."""
    found_totals = totals(org_id, [key] + ([before] if before else []), scope, [n.membership_id for n in first])
    found: list[Listed] = []
    for n in first:
        points, shares, clicks = found_totals.get((key, n.membership_id), (0, 0, 0))
        if points:
            continue
        found.append(Listed(membership_id=n.membership_id, name=n.name, email=n.email, member_kind=n.member_kind,
                            points=0, shares=shares, clicks=clicks, teams=list(n.teams),
                            before=found_totals.get((before, n.membership_id)) if before else None))
        if len(found) == limit:
            break
    return found
