"""The manager overview: what the organization's ambassadors did in a window.

Definitions (the page says the same):
* shares — counted shares (intent "shared" + API "published"), see services/analytics/leaderboard.py;
* clicks — counted clicks (only counted clicks are stored: bots and repeats never are);
* active ambassadors — active members with the ambassador role who shared at least once in
  the window, out of all active members with the ambassador role;
* points awarded — the sum of the ledger's entries in the window (members who left included);
* top posts — by counted clicks, then shares; top ambassadors — by points (leaderboard rules,
  members with points in the window only);
* series — shares and clicks per org-local day.
Reach is not shown: networks only give potential reach, and we would have to say so.

Everything is read from the rollups (services/analytics/rollups.py): totals, series and top posts from the
post-day totals (a few hundred rows per window), the sharing ambassadors and the top five from the standings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...models import NO_ID, NO_NETWORK, Membership, MemberStatus, Post, Role, RollupCell, RollupPostDay, Standing
from . import leaderboard
from .boards import Board
from .periods import Window

TOP_POSTS = 5
TOP_AMBASSADORS = 5


@dataclass(frozen=True)
class PostStat:
    post_id: int
    title: str
    clicks: int
    shares: int


@dataclass(frozen=True)
class DayStat:
    day: date
    shares: int
    clicks: int


@dataclass
class Overview:
    window: Window
    shares: int = 0
    clicks: int = 0
    points: int = 0
    sharing_ambassadors: int = 0
    ambassadors: int = 0
    top_posts: list[PostStat] = field(default_factory=list)
    top_ambassadors: Board = field(default_factory=Board)
    series: list[DayStat] = field(default_factory=list)

    @property
    def active_percent(self) -> int:
        """Whole percent of ambassadors who shared (0 when there are none)."""
        return round(100 * self.sharing_ambassadors / self.ambassadors) if self.ambassadors else 0

    @property
    def series_max(self) -> int:
        return max([max(d.shares, d.clicks) for d in self.series] or [0])


def _in_window(window: Window) -> list:
    return [RollupPostDay.day >= window.first_day, RollupPostDay.day <= window.last_day] if window.bounded else []


def _sharing_ambassadors(org_id: int, window: Window, ambassador: list) -> int:
    """Active ambassadors with a counted share in the window: from the standings when the worker keeps the
    window, else from the member cells."""
    key = leaderboard.standing_key(org_id=org_id, window=window)
    if key is not None:
        sharers = sa.select(Standing.membership_id).where(
            Standing.org_id == org_id, Standing.window == key, Standing.campaign_id == NO_ID,
            Standing.network == NO_NETWORK, Standing.team_id == 0, Standing.shares > 0)
    else:
        cells = [RollupCell.org_id == org_id, RollupCell.shares > 0]
        if window.bounded:
            cells += [RollupCell.day >= window.first_day, RollupCell.day <= window.last_day]
        sharers = sa.select(RollupCell.membership_id).where(*cells)
    return db.session.scalar(sa.select(sa.func.count(Membership.id))
                             .where(*ambassador, Membership.id.in_(sharers))) or 0


def _totals(org_id: int, window: Window):
    """Shares, clicks, points and the two ambassador counts."""
    sums = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(RollupPostDay.shares), 0).label("shares"),
                  sa.func.coalesce(sa.func.sum(RollupPostDay.clicks), 0).label("clicks"),
                  sa.func.coalesce(sa.func.sum(RollupPostDay.points), 0).label("points"))
        .where(RollupPostDay.org_id == org_id, *_in_window(window))).one()
    ambassador = [Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE,
                  Membership.role == Role.AMBASSADOR]
    ambassadors = db.session.scalar(sa.select(sa.func.count(Membership.id)).where(*ambassador)) or 0
    return Totals(shares=int(sums.shares), clicks=int(sums.clicks), points=int(sums.points),
                  ambassadors=int(ambassadors), sharing=int(_sharing_ambassadors(org_id, window, ambassador)))


@dataclass(frozen=True)
class Totals:
    shares: int
    clicks: int
    points: int
    ambassadors: int
    sharing: int


def top_posts(*, org_id: int, window: Window, limit: int = TOP_POSTS) -> list[PostStat]:
    per_post = (sa.select(RollupPostDay.post_id.label("pid"), sa.func.sum(RollupPostDay.clicks).label("clicks"),
                          sa.func.sum(RollupPostDay.shares).label("shares"))
                .where(RollupPostDay.org_id == org_id, RollupPostDay.post_id != NO_ID, *_in_window(window))
                .group_by(RollupPostDay.post_id).subquery())
    query = (sa.select(Post.id, Post.title, per_post.c.clicks, per_post.c.shares)
             .join(per_post, per_post.c.pid == Post.id)
             .where(Post.org_id == org_id, sa.or_(per_post.c.clicks > 0, per_post.c.shares > 0))
             .order_by(per_post.c.clicks.desc(), per_post.c.shares.desc(), Post.id.desc()).limit(limit))
    return [PostStat(post_id=r.id, title=r.title, clicks=int(r.clicks), shares=int(r.shares))
            for r in db.session.execute(query)]


def series(*, org_id: int, window: Window) -> list[DayStat]:
    if not window.bounded:
        return []
    rows = db.session.execute(
        sa.select(RollupPostDay.day, sa.func.sum(RollupPostDay.shares), sa.func.sum(RollupPostDay.clicks))
        .where(RollupPostDay.org_id == org_id, *_in_window(window)).group_by(RollupPostDay.day))
    by_day = {day: (int(shares), int(clicks)) for day, shares, clicks in rows}
    return [DayStat(day=d, shares=by_day.get(d, (0, 0))[0], clicks=by_day.get(d, (0, 0))[1]) for d in window.days]


def overview(*, org_id: int, window: Window) -> Overview:
    totals = _totals(org_id, window)
    top = leaderboard.board(org_id=org_id, window=window, limit=TOP_AMBASSADORS)
    top.rows = [row for row in top.rows if row.points > 0]
    return Overview(
        window=window, shares=int(totals.shares), clicks=int(totals.clicks), points=int(totals.points),
        sharing_ambassadors=int(totals.sharing), ambassadors=int(totals.ambassadors),
        top_posts=top_posts(org_id=org_id, window=window),
        top_ambassadors=top,
        series=series(org_id=org_id, window=window),
    )
