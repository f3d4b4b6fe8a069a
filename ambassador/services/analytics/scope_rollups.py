"""A post's, a campaign's or a team's figures read from the rollups, so that their pages cost what the days and
posts hold, not what the shares and clicks do: a post's and a campaign's from the post-day totals
(services/analytics/rollups.py: per org-local day × post × network; index on (org, campaign, day)), a team's from
the team totals (team_rollups.py: per org-local day × team × campaign × network, for the members in the team now).
Counted shares, counted clicks, points and engagement gained per day (readings taken that day) as the raw rows give
them (trends.py and engagement.py define them; the rollups are kept in the events' transactions or by the worker
within seconds, and the pages' tests compare every figure with the raw rows). A post's and a campaign's include
members who left, as on the content pages; a team's its active members, as on the overview's "By team". Each figure
is one grouped query.

Not read here: a member's own figures (My activity: one member's rows are few).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...models import Post, RollupCell, RollupPostDay, RollupTeamDay
from . import org_rollups
from .periods import Window
from .scopes import Scope

Sums = tuple[int, int, int, int]  # counted shares, counted clicks, points, engagement gained


def covers(scope: Scope) -> bool:
    """Are this scope's figures read here? A post's or a campaign's, or a team's, not narrowed further."""
    if scope.membership_id is not None:
        return False
    if scope.team_id is not None:
        return scope.post_id is None and scope.campaign_id is None
    return scope.post_id is not None or scope.campaign_id is not None


def _where(table: type[RollupCell] | type[RollupPostDay], *, org_id: int, window: Window, post_id: int | None,
           campaign_id: int | None) -> list:
    """The rows of `table` of the post or campaign in the window's days."""
    where = [table.org_id == org_id, *_days(table, window)]
    if post_id is not None:
        # The post's campaign too: the rows are found by (org, campaign, day); a post stays in its campaign.
        campaign = sa.select(Post.campaign_id).where(Post.id == post_id, Post.org_id == org_id)
        where += [table.post_id == post_id, table.campaign_id == campaign.scalar_subquery()]
    if campaign_id is not None:
        where.append(table.campaign_id == campaign_id)
    return where


def _days(table: type[RollupCell] | type[RollupPostDay] | type[RollupTeamDay], window: Window) -> list:
    return [table.day >= window.first_day, table.day <= window.last_day] if window.bounded else []


def _sums(table: type[RollupPostDay] | type[RollupTeamDay]) -> list:
    return [sa.func.sum(getattr(table, name)) for name in ("shares", "clicks", "points", "engagement")]


@org_rollups.kept  # under the organization's rollup stamp: the page's day series and engagement read it once
def _by(*, org_id: int, window: Window, key: str, post_id: int | None, campaign_id: int | None,
        team_id: int | None) -> dict:
    if team_id is not None:
        column = getattr(RollupTeamDay, key)
        query = (sa.select(column, *_sums(RollupTeamDay))
                 .where(RollupTeamDay.org_id == org_id, RollupTeamDay.team_id == team_id,
                        *_days(RollupTeamDay, window)))
    else:
        column = getattr(RollupPostDay, key)
        query = (sa.select(column, *_sums(RollupPostDay))
                 .where(*_where(RollupPostDay, org_id=org_id, window=window, post_id=post_id,
                                campaign_id=campaign_id)))
    rows = db.session.execute(query.group_by(column))
    return {value: (int(s or 0), int(c or 0), int(p or 0), int(e or 0)) for value, s, c, p, e in rows}


def by(scope: Scope, window: Window, key: str) -> dict:
    """{key value: (shares, clicks, points, engagement)} per "day", "network", "campaign_id" or (not for a team)
    "post_id", for the values with any row. Readers must not change it (it is kept: org_rollups.kept)."""
    return _by(org_id=scope.org_id, window=window, key=key, post_id=scope.post_id, campaign_id=scope.campaign_id,
               team_id=scope.team_id)


def daily(scope: Scope, window: Window) -> dict[date, Sums]:
    return by(scope, window, "day")


def pairs(scope: Scope, window: Window, key: str) -> tuple[dict, dict]:
    """({value: counted shares}, {value: counted clicks}) per `key`, without the zeros (trends.merge's input)."""
    shares: dict = {}
    clicks: dict = {}
    for value, (n_shares, n_clicks, _points, _gained) in by(scope, window, key).items():
        if n_shares:
            shares[value] = n_shares
        if n_clicks:
            clicks[value] = n_clicks
    return shares, clicks


def member_clicks(scope: Scope, window: Window) -> sa.Subquery | None:
    """A campaign's counted clicks per member (`mid`, `n`) in the window, from the member cells (the post-day
    totals have no member; a campaign's cells by (org, campaign, day)): a subquery to join to the members. None for
    a post: its few tracked links' clicks, found by post, cost less than its campaign's cells."""
    if scope.post_id is not None or scope.team_id is not None or not covers(scope):
        return None
    return (sa.select(RollupCell.membership_id.label("mid"), sa.func.sum(RollupCell.clicks).label("n"))
            .where(*_where(RollupCell, org_id=scope.org_id, window=window, post_id=None, campaign_id=scope.campaign_id),
                   RollupCell.clicks != 0)
            .group_by(RollupCell.membership_id).subquery())
