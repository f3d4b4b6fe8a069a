"""Analytics for curators: one post's or one campaign's shares, counted clicks, networks,
top ambassadors and days.

Definitions (the pages say the same): shares and counted clicks as on the leaderboard and the
overview (services/analytics/trends.py); every figure on a page is counted in the same window —
"since it was created" (the post's or campaign's first org-local day to today, at most the last
``periods.MAX_CUSTOM_DAYS`` days), or the last 30 or 90 days. Top ambassadors: by counted clicks
on their links, then shares, then name; members who left included (what they did still counts
for the content). Every table is one grouped query, scoped to the organization.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...models import Campaign, Click, Membership, Organization, Post, Share, TrackedLink, User, utcnow
from ..community.points import local_day
from . import trends
from .periods import MAX_CUSTOM_DAYS, Window, days_window, last_days
from .trends import DayStat, Scope, Slice

CONTENT_PERIODS = ("since", "30", "90")
TOP_AMBASSADORS = 10


@dataclass(frozen=True)
class AmbassadorStat:
    membership_id: int
    name: str
    shares: int
    clicks: int


@dataclass
class ContentStats:
    window: Window
    shares: int = 0
    clicks: int = 0
    networks: list[Slice] = field(default_factory=list)
    ambassadors: list[AmbassadorStat] = field(default_factory=list)
    series: list[DayStat] = field(default_factory=list)
    posts: list[Slice] = field(default_factory=list)  # a campaign's posts (empty for a post)


def content_window(org: Organization, *, key: str | None, since: datetime, now: datetime | None = None) -> Window:
    """"since" (default): from `since`'s org-local day to today, capped; "30" / "90": the last days."""
    now = now or utcnow()
    if key in ("30", "90"):
        return last_days(org, int(key), now=now)
    today = local_day(org, now)
    first = max(min(local_day(org, since), today), today - timedelta(days=MAX_CUSTOM_DAYS - 1))
    return days_window(org, first, today, key="since")


def top_ambassadors(*, scope: Scope, window: Window, limit: int = TOP_AMBASSADORS) -> list[AmbassadorStat]:
    shares = (sa.select(Share.membership_id.label("mid"), sa.func.count(Share.id).label("n"))
              .where(*trends.share_conditions(scope, window)).group_by(Share.membership_id).subquery())
    clicks = (trends.clicks_query(TrackedLink.membership_id.label("mid"), sa.func.count(Click.id).label("n"))
              .where(*trends.click_conditions(scope, window)).group_by(TrackedLink.membership_id).subquery())
    n_shares, n_clicks = sa.func.coalesce(shares.c.n, 0), sa.func.coalesce(clicks.c.n, 0)
    query = (sa.select(Membership.id, User.name, n_shares.label("shares"), n_clicks.label("clicks"))
             .join(User, User.id == Membership.user_id)
             .outerjoin(shares, shares.c.mid == Membership.id).outerjoin(clicks, clicks.c.mid == Membership.id)
             .where(Membership.org_id == scope.org_id, sa.or_(shares.c.n.is_not(None), clicks.c.n.is_not(None)))
             .order_by(n_clicks.desc(), n_shares.desc(), sa.func.lower(User.name), Membership.id).limit(limit))
    return [AmbassadorStat(membership_id=r.id, name=r.name, shares=int(r.shares), clicks=int(r.clicks))
            for r in db.session.execute(query)]


def by_post(*, scope: Scope, window: Window) -> list[Slice]:
    """A campaign's posts with shares or counted clicks in the window."""
    shares = trends.grouped(sa.select(Share.post_id, sa.func.count(Share.id))
                            .where(*trends.share_conditions(scope, window)).group_by(Share.post_id))
    clicks = trends.grouped(trends.clicks_query(TrackedLink.post_id, sa.func.count(Click.id))
                            .where(*trends.click_conditions(scope, window)).group_by(TrackedLink.post_id))
    ids = list(set(shares) | set(clicks))
    return trends.merge(shares, clicks, trends.names(Post.title, Post.id, ids, Post.org_id == scope.org_id))


def _stats(*, scope: Scope, window: Window, network_labels: dict[str, str]) -> ContentStats:
    series = trends.daily(scope=scope, window=window)
    return ContentStats(
        window=window, shares=sum(d.shares for d in series), clicks=sum(d.clicks for d in series),
        networks=trends.by_network(scope=scope, window=window, labels=network_labels),
        ambassadors=top_ambassadors(scope=scope, window=window), series=series)


def post_stats(*, post: Post, window: Window, network_labels: dict[str, str]) -> ContentStats:
    return _stats(scope=Scope(org_id=post.org_id, post_id=post.id), window=window, network_labels=network_labels)


def campaign_stats(*, campaign: Campaign, window: Window, network_labels: dict[str, str]) -> ContentStats:
    scope = Scope(org_id=campaign.org_id, campaign_id=campaign.id)
    stats = _stats(scope=scope, window=window, network_labels=network_labels)
    stats.posts = by_post(scope=scope, window=window)
    return stats
