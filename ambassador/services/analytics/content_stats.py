"""Analytics for curators: one post's or one campaign's shares, counted clicks, engagement, potential
reach, earned media value, networks, top ambassadors and days.

Definitions (the pages say the same): shares and counted clicks as on the leaderboard and the
overview (services/analytics/trends.py); every figure on a page is counted in the same window —
"since it was created" (the post's or campaign's first org-local day to today, at most the last
``periods.MAX_CUSTOM_DAYS`` days), or the last 30 or 90 days. Top ambassadors: by counted clicks
on their links, then shares, then name; members who left included (what they did still counts
for the content). Engagement and potential reach are those of the window's counted shares
(services/analytics/engagement.py: unknown is None, never 0; a post deleted on the network keeps its
last figures); engagement per day is what the content's shares of any day gained on each day of the
window (readings taken that day), as on the overview — "since it was created" the days add up to the
engagement, over 30 or 90 days they also hold older shares' gains; earned media value is valued as on the overview
(emv.of_counts). Every table is one grouped query, scoped to the organization, so a page sends the
same number of statements however many shares it counts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...infra import database
from ...models import Campaign, Click, Membership, Organization, Post, TrackedLink, User, utcnow
from ..community.points import local_day
from . import emv as emv_service
from . import engagement, scope_rollups, scopes, trends
from .boards import display_name, sort_name
from .engagement import DailyEngagement, NetworkEngagement, ReachFigures
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
    figures: ReachFigures = field(default_factory=ReachFigures)  # engagement and potential reach


@dataclass
class ContentStats:
    window: Window
    shares: int = 0
    clicks: int = 0
    networks: list[Slice] = field(default_factory=list)
    ambassadors: list[AmbassadorStat] = field(default_factory=list)
    series: list[DayStat] = field(default_factory=list)
    posts: list[Slice] = field(default_factory=list)  # a campaign's posts (empty for a post)
    campaigns: list[Slice] = field(default_factory=list)  # a team's campaigns, the top ones (team_stats.py)
    reach: list[NetworkEngagement] = field(default_factory=list)  # engagement and potential reach per network
    reach_total: ReachFigures = field(default_factory=ReachFigures)
    engagement: DailyEngagement | None = None  # engagement per day of the window
    emv: emv_service.EmvResult | None = None


def content_window(org: Organization, *, key: str | None, since: datetime, now: datetime | None = None) -> Window:
    """"since" (default): from `since`'s org-local day to today, capped; "30" / "90": the last days."""
    now = now or utcnow()
    if key in ("30", "90"):
        return last_days(org, int(key), now=now)
    today = local_day(org, now)
    first = max(min(local_day(org, since), today), today - timedelta(days=MAX_CUSTOM_DAYS - 1))
    return days_window(org, first, today, key="since")


def _acted(*, scope: Scope, window: Window) -> sa.Subquery:
    """Every member with counted shares or clicks in the window (`mid`), with `engagement.by_member`'s columns
    (shares, engagement, potential reach …), `clicks` and `place`: their rank by clicks, then shares (ties share a
    place). A full join of the two sums: a campaign's few thousand members, not the organization's 100,000."""
    figures = engagement.by_member(scope=scope, window=window)
    clicks = scope_rollups.member_clicks(scope, window)
    if clicks is None:
        clicks = (trends.clicks_query(TrackedLink.membership_id.label("mid"), sa.func.count(Click.id).label("n"))
                  .where(*trends.click_conditions(scope, window)).group_by(TrackedLink.membership_id).subquery())
    sums = [column for column in figures.c if column.name != "membership_id"]
    n_clicks, n_shares = sa.func.coalesce(clicks.c.n, 0), sa.func.coalesce(figures.c.shares, 0)
    return (sa.select(sa.func.coalesce(figures.c.membership_id, clicks.c.mid).label("mid"), n_clicks.label("clicks"),
                      *sums, sa.func.rank().over(order_by=(n_clicks.desc(), n_shares.desc())).label("place"))
            .select_from(figures.join(clicks, clicks.c.mid == figures.c.membership_id, full=True)).subquery())


def ambassadors_query(*, scope: Scope, window: Window) -> sa.Select:
    """Every member with counted shares or clicks in the window, best first (clicks, then shares, then name), with
    `_acted`'s columns and their names."""
    acted = _acted(scope=scope, window=window)
    return (sa.select(Membership.id, User.name, User.email, *(c for c in acted.c if c.name not in ("mid", "place")))
            .join(acted, acted.c.mid == Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.org_id == scope.org_id)
            .order_by(acted.c.place, sort_name(), Membership.id))


def ambassador_stat(row) -> AmbassadorStat:
    """From a row with the member's `id`, `name` and `email` and `_acted`'s columns."""
    return AmbassadorStat(membership_id=row.id, name=display_name(row.name, row.email), shares=int(row.shares or 0),
                          clicks=int(row.clicks), figures=engagement.member_figures(row))


def named(ranked: sa.Subquery, *, org_id: int, limit: int) -> list[AmbassadorStat]:
    """The first `limit` rows of `ranked` (`mid`, `place` and `_acted`'s figures) by place, then name, then id. The
    names are looked up row by row (correlated subqueries on the primary keys): joined, PostgreSQL expected thousands
    of rows and hashed all 100,000 members and people (the bench's campaign at 90 days: its top ten 50 → 29 ms)."""
    def person(column):
        return (sa.select(column).select_from(Membership).join(User, User.id == Membership.user_id)
                .where(Membership.id == ranked.c.mid, Membership.org_id == org_id).scalar_subquery())

    email = person(User.email)
    rows = db.session.execute(
        sa.select(ranked.c.mid.label("id"), person(User.name).label("name"), email.label("email"),
                  *(c for c in ranked.c if c.name not in ("mid", "place")))
        .where(email.is_not(None)).order_by(ranked.c.place, person(sort_name()), ranked.c.mid).limit(limit))
    return [ambassador_stat(row) for row in rows]


def top_ambassadors(*, scope: Scope, window: Window, limit: int = TOP_AMBASSADORS) -> list[AmbassadorStat]:
    """The first `limit` of ambassadors_query: the members placed within the first `limit` by clicks and shares
    (ties included), then ordered by name."""
    acted = _acted(scope=scope, window=window)
    return named(sa.select(acted).where(acted.c.place <= limit).subquery(), org_id=scope.org_id, limit=limit)


def by_post(*, scope: Scope, window: Window) -> list[Slice]:
    """A campaign's posts with shares or counted clicks in the window (from the post-day totals)."""
    shares, clicks = scope_rollups.pairs(scope, window, "post_id")
    return trends.merge(shares, clicks, trends.names(Post.title, Post.id, list(set(shares) | set(clicks)),
                                                     Post.org_id == scope.org_id))


def network_stats(*, scope: Scope, window: Window, network_labels: dict[str, str]) -> ContentStats:
    """Shares and counted clicks, engagement and potential reach per network, and the earned media value."""
    networks = trends.by_network(scope=scope, window=window, labels=network_labels)
    reach = engagement.by_network(scope=scope, window=window, labels=network_labels)
    valued = engagement.reach_of(reach)
    return ContentStats(
        window=window, networks=networks, reach=reach, reach_total=engagement.total(reach),
        emv=emv_service.of_counts(org_id=scope.org_id, clicks={str(n.key): n.clicks for n in networks},
                                  impressions=valued.impressions, engagements=valued.engagements))


def subject_stats(*, scope: Scope, window: Window, network_labels: dict[str, str],
                  ambassadors: Callable[..., list[AmbassadorStat]] | None = None) -> ContentStats:
    """Everything a post's, a campaign's or a team's page shows but their breakdown (posts, campaigns);
    `ambassadors` lists the top ambassadors (default: top_ambassadors)."""
    database.custom_plans()  # the window's dates and the scope decide these statements' best plans
    stats = network_stats(scope=scope, window=window, network_labels=network_labels)
    stats.series = trends.daily(scope=scope, window=window)
    stats.shares, stats.clicks = sum(d.shares for d in stats.series), sum(d.clicks for d in stats.series)
    stats.engagement = engagement.daily(scope=scope, window=window)
    stats.ambassadors = (ambassadors or top_ambassadors)(scope=scope, window=window)
    return stats


def post_scope(post: Post) -> Scope:
    return Scope(org_id=post.org_id, post_id=post.id)


def campaign_scope(campaign: Campaign) -> Scope:
    return scopes.campaign_scope(org_id=campaign.org_id, campaign_id=campaign.id)


def post_stats(*, post: Post, window: Window, network_labels: dict[str, str]) -> ContentStats:
    return subject_stats(scope=post_scope(post), window=window, network_labels=network_labels)


def campaign_stats(*, campaign: Campaign, window: Window, network_labels: dict[str, str]) -> ContentStats:
    scope = campaign_scope(campaign)
    stats = subject_stats(scope=scope, window=window, network_labels=network_labels)
    stats.posts = by_post(scope=scope, window=window)
    return stats
