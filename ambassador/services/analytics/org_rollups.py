"""The organization-wide figures of the overview read from the rollups (services/analytics/rollups.py), so
their cost depends on the number of days and posts, not on the number of members, shares or clicks:

* per day (shares, counted clicks, points, engagement), per network and per campaign: the post-day totals (a
  few hundred rows per window);
* per team: the standing counts of the window when the worker keeps it (the sums of each active member's
  totals, copied to each of their teams, or to the "no team" scope: services/analytics/standing_counts.py),
  else the member cells of the window's days joined to the teams (custom ranges not looked at before).
A member in several teams counts in each; members in no team are under the key None; only active members
count (as on the leaderboard).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar

import sqlalchemy as sa

from ...extensions import db
from ...models import NO_ID, NO_NETWORK, Membership, MemberStatus, RollupCell, RollupPostDay
from ...models.organization import membership_team
from . import stamps, standing_counts, standings
from .periods import Window

T = TypeVar("T")


def kept(compute: Callable[..., T]) -> Callable[..., T]:
    """A figure of (org_id, window), kept by the process while the organization's rollup stamp stays the same
    (services/analytics/stamps.py): a page read again does not sum the same rows again. Readers must not change
    what it returns."""
    @functools.wraps(compute)
    def read(*, org_id: int, window: Window, **kw) -> T:
        key = (compute.__module__, compute.__name__, window.first_day, window.last_day, tuple(sorted(kw.items())))
        return stamps.kept(org_id, key, lambda: compute(org_id=org_id, window=window, **kw))
    return read


def _days(column, window: Window) -> list:
    return [column >= window.first_day, column <= window.last_day] if window.bounded else []


@kept
def daily(*, org_id: int, window: Window) -> dict[date, tuple[int, int, int]]:
    """{day: (counted shares, counted clicks, earned points)} for the days with any."""
    rows = db.session.execute(
        sa.select(RollupPostDay.day, sa.func.sum(RollupPostDay.shares), sa.func.sum(RollupPostDay.clicks),
                  sa.func.sum(RollupPostDay.points))
        .where(RollupPostDay.org_id == org_id, *_days(RollupPostDay.day, window))
        .group_by(RollupPostDay.day))
    return {day: (int(shares), int(clicks), int(points)) for day, shares, clicks, points in rows}


@kept
def engagement_daily(*, org_id: int, window: Window) -> dict[date, int]:
    """{day: engagement gained that day} for the days with post totals: the increases of the readings the
    engagement job took that day, on the organization's shares of any day (services/analytics/engagement.py)."""
    rows = db.session.execute(
        sa.select(RollupPostDay.day, sa.func.sum(RollupPostDay.engagement))
        .where(RollupPostDay.org_id == org_id, *_days(RollupPostDay.day, window))
        .group_by(RollupPostDay.day))
    return {day: int(gained or 0) for day, gained in rows}


def _pairs(rows: Iterable) -> tuple[dict, dict]:
    shares: dict = {}
    clicks: dict = {}
    for key, n_shares, n_clicks in rows:
        if n_shares:
            shares[key] = int(n_shares)
        if n_clicks:
            clicks[key] = int(n_clicks)
    return shares, clicks


@kept
def by_network(*, org_id: int, window: Window) -> tuple[dict, dict]:
    """({network: counted shares}, {network: counted clicks})."""
    return _pairs(db.session.execute(
        sa.select(RollupPostDay.network, sa.func.sum(RollupPostDay.shares), sa.func.sum(RollupPostDay.clicks))
        .where(RollupPostDay.org_id == org_id, RollupPostDay.network != NO_NETWORK,
               *_days(RollupPostDay.day, window))
        .group_by(RollupPostDay.network)))


@kept
def by_campaign(*, org_id: int, window: Window) -> tuple[dict, dict]:
    """({campaign id: counted shares}, {campaign id: counted clicks})."""
    return _pairs(db.session.execute(
        sa.select(RollupPostDay.campaign_id, sa.func.sum(RollupPostDay.shares), sa.func.sum(RollupPostDay.clicks))
        .where(RollupPostDay.org_id == org_id, RollupPostDay.campaign_id != NO_ID,
               *_days(RollupPostDay.day, window))
        .group_by(RollupPostDay.campaign_id)))


@kept
def by_team(*, org_id: int, window: Window) -> tuple[dict, dict]:
    """({team id or None: counted shares}, {team id or None: counted clicks}) of the sharing members."""
    key = standings.key_for(db.session.connection(), org_id=org_id, first=window.first_day, last=window.last_day)
    if key is not None:
        return _pairs((None if team == standings.NO_TEAM else team, n_shares, n_clicks)
                      for team, n_shares, n_clicks in standing_counts.per_team(org_id, key))
    cells = (sa.select(RollupCell.membership_id, sa.func.sum(RollupCell.shares).label("shares"),
                       sa.func.sum(RollupCell.clicks).label("clicks"))
             .join(Membership, Membership.id == RollupCell.membership_id)
             .where(RollupCell.org_id == org_id, RollupCell.campaign_id != NO_ID, *_days(RollupCell.day, window),
                    Membership.status == MemberStatus.ACTIVE)
             .group_by(RollupCell.membership_id).subquery())
    team = membership_team.c.team_id
    return _pairs(db.session.execute(
        sa.select(team, sa.func.sum(cells.c.shares), sa.func.sum(cells.c.clicks))
        .select_from(cells).outerjoin(membership_team, membership_team.c.membership_id == cells.c.membership_id)
        .group_by(team)))
