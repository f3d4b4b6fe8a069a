"""The viewer's own row on a board read from the standings: one statement reads the organization's stamps, the
member, their teams and their standings in the board's window and the period before; the rank and previous rank
are summed in memory from the scope's histograms (standing_counts.Histogram). Used by boards computed afresh
(board_standings.py) and by boards kept in memory (board_cache.py), whose stamp check it is.

As the stamp check of a kept board (`ahead`), the same statement also reads, only when the stamp moved on, what
the board is computed afresh from: its top rows (board_listing.py) and the scope's histograms in both windows.
An event moves the stamp every few seconds, and the board computed afresh after it then costs one round trip,
not three; while the stamp stays, PostgreSQL (and SQLite) skip those parts of the statement (CASE).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...infra import compiled
from ...infra.json_sql import json_list, json_row
from ...models import Membership, MemberStatus, Standing, StandingWindow, Team, User
from ...models.organization import membership_team
from . import board_listing, stamps, standing_counts
from .boards import BoardRow, Scope, display_name
from .standing_counts import Histogram

Span = tuple[date | None, date | None]


@dataclass(frozen=True)
class Viewer:
    """What `read()` found: the stamp, the member (None when not in the organization) with their teams and their
    totals in `windows` (one or two of them), and the days of those windows that are built."""

    stamp: int
    windows: tuple[str, ...]
    member: list | None = None  # [status, kind, name, email]
    teams: dict[int, str] = field(default_factory=dict)
    totals: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # window: (points, shares, clicks)
    built: dict[str, Span] = field(default_factory=dict)
    # Read ahead (`read(ahead=…)`) because the stamp moved on: the board's top `limit` rows (None: not read) and
    # the scope's (window, points, members) counts in `windows` (None: not read).
    limit: int = 0
    listing: list[board_listing.Listed] | None = None
    counts: list[tuple[str, int, int]] | None = None

    def keys_for(self, spans: tuple[Span, ...]) -> list[str | None] | None:
        """The windows, when they are still built for exactly these days (one per span, in order); else None
        (standings.keys_for() then looks)."""
        if len(spans) != len(self.windows) or any(self.built.get(key) != span
                                                  for key, span in zip(self.windows, spans, strict=True)):
            return None
        return list(self.windows)


@dataclass(frozen=True)
class Ahead:
    """Read with the viewer's row when the stamp is no longer `stamp` (a kept board's): the board's top `limit`
    rows (0: none, "my rank") and the scope's histograms."""

    stamp: int
    limit: int


def read(org_id: int, windows: tuple[str, ...], scope: Scope, me_id: int, *, ahead: Ahead | None = None) -> Viewer:
    params = {"org_id": org_id, "first": windows[0], "second": windows[-1], "campaign_id": scope.campaign_key,
              "network": scope.network_key, "team_id": scope.team_key, "me_id": me_id}
    shape = None
    if ahead is not None:
        compare = len(windows) > 1
        shape = (ahead.limit > 0, compare, bool(scope.kind))
        params.update(kept=ahead.stamp, key=windows[0], before=windows[1] if compare else None, limit=ahead.limit,
                      kind=scope.kind)
    found = compiled.read(db.session, _statement(shape), params).one()
    stamps.saw(org_id, found.stamp, found.members_stamp)
    built = {key: _days(days) for key, days in zip((windows[0], windows[-1]), (found.w1, found.w2), strict=True)
             if days is not None}
    listing = counts = None
    if shape is not None and found.counts is not None:
        counts = [(str(window), int(points), int(n or 0)) for window, points, n in found.counts]
        if shape[0]:
            listing = board_listing.from_json(found.listing)
    return Viewer(stamp=int(found.stamp or 0), windows=windows, member=found.member,
                  teams={int(team_id): name for team_id, name in found.teams},
                  totals={window: (int(points), int(shares), int(clicks))
                          for window, points, shares, clicks in found.totals}, built=built,
                  limit=ahead.limit if ahead is not None else 0, listing=listing, counts=counts)


def _days(days: list) -> Span:
    first, last = days
    return (None if first is None else date.fromisoformat(first), None if last is None else date.fromisoformat(last))


@functools.cache
def _statement(ahead: tuple[bool, bool, bool] | None = None) -> sa.Select:
    """Built and compiled once per shape (infra/compiled.py): every view of a kept board runs it, and building
    it took longer than running it. One row: the stamps, the windows' days, the member, their teams and their
    totals, each a subquery, read as JSON (infra/json_sql.py): a join of those seven tables took longer to plan
    than to run. `ahead` (listing, compare, by kind): also the board's top rows (when listing) and the scope's
    histogram counts, only when the stamp is not `kept`."""
    org_id = sa.bindparam("org_id", type_=sa.Integer)
    me_id = sa.bindparam("me_id", type_=sa.Integer)
    windows = [sa.bindparam("first", type_=sa.String), sa.bindparam("second", type_=sa.String)]
    member = (sa.select(json_row(Membership.status, Membership.kind, User.name, User.email))
              .join(User, User.id == Membership.user_id)
              .where(Membership.id == me_id, Membership.org_id == org_id).scalar_subquery())
    totals = (sa.select(json_list(json_row(Standing.window, Standing.points, Standing.shares, Standing.clicks)))
              .where(Standing.org_id == org_id, Standing.window.in_(windows),
                     Standing.campaign_id == sa.bindparam("campaign_id", type_=sa.Integer),
                     Standing.network == sa.bindparam("network", type_=sa.String),
                     Standing.team_id == sa.bindparam("team_id", type_=sa.Integer),
                     Standing.membership_id == me_id).scalar_subquery())
    teams = (sa.select(json_list(json_row(Team.id, Team.name))).select_from(membership_team)
             .join(Team, sa.and_(Team.id == membership_team.c.team_id, Team.org_id == org_id))
             .where(membership_team.c.membership_id == me_id).scalar_subquery())
    days = [sa.select(json_row(StandingWindow.first_day, StandingWindow.last_day))
            .where(StandingWindow.org_id == org_id, StandingWindow.window == window,
                   StandingWindow.built_at.is_not(None)).scalar_subquery() for window in windows]
    columns = [stamps.column(org_id).label("stamp"), stamps.members_column(org_id).label("members_stamp"),
               sa.type_coerce(member, sa.JSON).label("member"), sa.type_coerce(totals, sa.JSON).label("totals"),
               sa.type_coerce(teams, sa.JSON).label("teams"), sa.type_coerce(days[0], sa.JSON).label("w1"),
               sa.type_coerce(days[1], sa.JSON).label("w2")]
    if ahead is not None:
        listing, compare, by_kind = ahead
        moved = stamps.column(org_id).is_distinct_from(sa.bindparam("kept", type_=sa.BigInteger))
        columns.append(sa.type_coerce(sa.case((moved, standing_counts.counts_json(by_kind))), sa.JSON).label("counts"))
        if listing:
            rows = board_listing.ranked(compare, by_kind).subquery()
            columns.append(sa.type_coerce(sa.case((moved, sa.select(json_list(json_row(*rows.c))).scalar_subquery())),
                                          sa.JSON).label("listing"))
    return sa.select(*columns)


def row(viewer: Viewer, scope: Scope, me_id: int, *, key: str, before: str | None,
        histogram: Callable[[str], Histogram]) -> BoardRow | None:
    """The viewer's row in window `key` (with the previous rank in window `before`, when given and their totals
    there are not all 0); None when the board does not rank them."""
    first, teams, totals = viewer.member, viewer.teams, viewer.totals
    if first is None:
        return None
    status, kind, name, email = first
    if status != MemberStatus.ACTIVE or (scope.kind and kind != scope.kind) or (
            scope.team_id is not None and scope.team_id not in teams):
        return None
    points, shares, clicks = totals.get(key, (0, 0, 0))
    rank = histogram(key).rank(points)
    result = BoardRow(membership_id=me_id, rank=rank, position=rank, name=display_name(name, email), kind=kind,
                      teams=sorted(teams.values(), key=str.lower), points=points, shares=shares, clicks=clicks)
    if before is not None and any(totals.get(before, (0, 0, 0))):
        result.previous_rank = histogram(before).rank(totals[before][0])
    return result
